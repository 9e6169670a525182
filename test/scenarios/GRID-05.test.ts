/**
 * GRID-05: websocket events arrive during a restore. Required: no resync loop — events are queued during the
 * restore and applied after it, in order.
 *
 * Set-up (fixtures/scenarios/GRID-05.json): the event stream is down from T0+150 s to T0+180 s ('disconnect'
 * fault). On reconnect the grid restores from the venue; its queries take 300 ms each way, so the restore runs
 * from T0+180 s to T0+180.6 s. The long take-profit fills at T0+180 s (the bar opening then gaps above it); its events arrive 100 ms (order), 250 ms
 * (execution), 700 ms (position) and 1300 ms (account) later: two during the restore, two after it.
 */
import {describe, expect, it} from 'vitest'
import {ResyncLoopGrid} from './grid-naive.js'
import {gridViolations, loadGrid, metric, runGrid, T0} from './grid-harness.js'

const R = T0 + 180_000

describe('GRID-05: events during a restore', () => {
  it('queues them and applies them in order after the restore, with one restore and no loop', async () => {
    const run = await runGrid(await loadGrid('GRID-05'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const recs = run.out.journal.records
    expect(recs.some((r) => r.type === 'event' && r.t === R && (r.data as {kind: string; status?: string}).status === 'connected')).toBe(true)
    const restore = run.strategy.noted.filter((n) => n.what.startsWith('restore_') && n.data.reason === 'reconnect')
    expect(restore.map((n) => [n.what, n.t])).toEqual([
      ['restore_start', R],
      ['restore_done', R + 600],
    ])
    // The events delivered while the restore ran ...
    const during = recs.filter((r) => r.type === 'event' && r.t > R && r.t < R + 600).map((r) => [`event:${(r.data as {kind: string}).kind}`, r.t])
    expect(during).toEqual([
      ['event:order', R + 100],
      ['event:execution', R + 250],
    ])
    // ... were applied right after it, in the order they arrived.
    const applied = run.strategy.trace.filter((e) => e.label.startsWith('event:') && e.arrivedAt > R && e.arrivedAt < R + 600)
    expect(applied.map((e) => [e.label, e.arrivedAt])).toEqual(during)
    for (const e of applied) expect(e.appliedAt).toBe(R + 600)
    // Every event the engine received reached the grid.
    const delivered = recs.filter((r) => r.type === 'event').length
    expect(run.strategy.trace.filter((e) => e.label.startsWith('event:')).length).toBe(delivered)
    expect(metric(run, 'grid_restores_total')).toBe(2)
    expect(metric(run, 'grid_resync_loops_total')).toBe(0)
  })

  it('bites: the seed handler (events during a restore flag a resync and are dropped) loops and loses them', async () => {
    const run = await runGrid(await loadGrid('GRID-05'), (p, o) => new ResyncLoopGrid(p, o))
    expect(run.out.failures.length).toBeGreaterThan(0)
    expect(metric(run, 'grid_resync_loops_total')).toBeGreaterThan(0)
    expect(metric(run, 'grid_restores_total')).toBeGreaterThan(2)
    const dropped = run.strategy.noted.filter((n) => n.what === 'dropped_during_restore')
    expect(dropped.length).toBeGreaterThanOrEqual(2)
    const delivered = run.out.journal.records.filter((r) => r.type === 'event').length
    expect(run.strategy.trace.filter((e) => e.label.startsWith('event:')).length).toBeLessThan(delivered)
  })
})
