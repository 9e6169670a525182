/**
 * GRID-04: the websocket reports a new take-profit before the REST call placing it has returned. Required: the
 * update is attributed to the right order (tracking is set before the call), never treated as stale.
 *
 * Set-up (fixtures/scenarios/GRID-04.json): requests take 100 ms to the venue, answers 500 ms back, order events
 * 10 ms. A take-profit sent at t is acknowledged by the venue at t+100, its 'accepted' event lands at t+110 and
 * the REST receipt only at t+600.
 */
import {describe, expect, it} from 'vitest'
import {LateTrackingGrid} from './grid-naive.js'
import {gridOrders, gridViolations, loadGrid, metric, runGrid} from './grid-harness.js'

describe('GRID-04: a take-profit reported before its REST call returned', () => {
  it('attributes the early event to the take-profit it tracks, and keeps one take-profit per leg', async () => {
    const run = await runGrid(await loadGrid('GRID-04'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const recs = run.out.journal.records
    const tps = gridOrders(run.result).filter((o) => o.role === 't')
    expect(tps.length).toBeGreaterThanOrEqual(2)
    for (const tp of tps) {
      // The race really happened: the order event arrived before the submit's answer.
      const event = recs.find((r) => r.type === 'event' && (r.data as {kind: string; order?: {clientOrderId: string}}).order?.clientOrderId === tp.clientOrderId)!
      const receipt = recs.find((r) => r.type === 'response' && (r.data as {op: string; result?: {clientOrderId?: string}}).result?.clientOrderId === tp.clientOrderId)!
      expect(event.t).toBe(tp.createdAt + 10)
      expect(receipt.t).toBe(tp.createdAt + 500)
      // ... and the event, not the receipt, is what told the grid its take-profit was live.
      const acked = run.strategy.noted.find((n) => n.what === 'acked' && n.data.cid === tp.clientOrderId)!
      expect(acked).toMatchObject({t: event.t, data: {via: 'event'}})
    }
    expect(run.log.lines.filter((l) => /orphan|stale/.test(l.msg))).toEqual([])
    expect(metric(run, 'grid_orphan_orders_total')).toBe(0)
    // The long take-profit stayed live until it filled and closed the leg.
    const longTp = tps.find((o) => o.side2 === 'long')!
    expect(longTp.status).toBe('filled')
    expect(metric(run, 'grid_tp_cycles_total')).toBe(1)
  })

  it('bites: the seed handler (record the take-profit after the call returns) cancels its own take-profits as unknown', async () => {
    const run = await runGrid(await loadGrid('GRID-04'), (p, o) => new LateTrackingGrid(p, o))
    expect(run.out.failures.length).toBeGreaterThan(0)
    expect(metric(run, 'grid_orphan_orders_total')).toBeGreaterThan(0)
    const first = gridOrders(run.result).filter((o) => o.role === 't')
    expect(first.every((o) => o.status === 'canceled')).toBe(true)
    // Without its take-profit the long leg never took profit.
    expect(metric(run, 'grid_tp_cycles_total')).toBe(0)
  })
})
