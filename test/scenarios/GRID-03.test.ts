/**
 * GRID-03: a take-profit close (position size 0) arrives while the periodic sync runs. Required: the close is
 * processed at once; no "recovery mode", no delay of up to one sync period.
 *
 * Set-up (fixtures/scenarios/GRID-03.json): requests and responses take 200 ms each, position events 50 ms, the
 * sync runs every 60 s from the start. The long take-profit fills when bar 4 opens above it (a gap) at T0+240 s —
 * the instant the fourth sync sends its position query (answered at T0+240.4 s). The close event is delivered at T0+240.05 s,
 * while that query is in flight.
 */
import {describe, expect, it} from 'vitest'
import {SyncBlocksGrid} from './grid-naive.js'
import {gridOrders, gridViolations, loadGrid, metric, runGrid, T0} from './grid-harness.js'

const FILL = T0 + 240_000

describe('GRID-03: a take-profit close during the periodic sync', () => {
  it('is processed when its event arrives, while the sync query is still in flight', async () => {
    const run = await runGrid(await loadGrid('GRID-03'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    // The race really happened: the sync's position query went out at the fill and came back 400 ms later.
    const recs = run.out.journal.records
    const query = recs.find((r) => r.type === 'request' && r.t === FILL && (r.data as {op: string}).op === 'positions')
    const answer = recs.find((r) => r.type === 'response' && r.t > FILL && (r.data as {op: string}).op === 'positions')
    expect(query).toBeDefined()
    expect(answer!.t).toBe(FILL + 400)
    const closeEvent = recs.find((r) => r.type === 'event' && r.t > FILL && (r.data as {kind: string}).kind === 'position')!
    expect(closeEvent.t).toBe(FILL + 50)
    expect(closeEvent.t).toBeLessThan(answer!.t)

    // Processed at once: at the event's delivery, latency = the position channel's 50 ms.
    const close = run.strategy.noted.find((n) => n.what === 'close')!
    expect(close.t).toBe(FILL + 50)
    expect(metric(run, 'grid_tp_close_latency_ms_max')).toBe(50)
    // No recovery mode: the only restore is the one at start.
    expect(metric(run, 'grid_restores_total')).toBe(1)
    expect(metric(run, 'grid_sync_adoptions_total')).toBe(0)
    // The cycle went on at once: the reopen reached the venue within a second, not a sync period later.
    const reopen = gridOrders(run.result).find((o) => o.role === 'r')!
    expect(reopen.createdAt - FILL).toBeLessThan(1_000)
  })

  it('bites: the seed handler (early return while syncing) defers the close to a recovery restore', async () => {
    const run = await runGrid(await loadGrid('GRID-03'), (p, o) => new SyncBlocksGrid(p, o))
    expect(run.out.failures.length).toBeGreaterThan(0)
    const close = run.strategy.noted.find((n) => n.what === 'close')!
    expect(close.t).toBeGreaterThan(FILL + 400)
    expect(metric(run, 'grid_restores_total')).toBeGreaterThan(1)
    expect(metric(run, 'grid_tp_close_latency_ms_count')).toBe(0)
  })
})
