/**
 * ALP-12: an order is accepted, partially fills, then fills slowly or times out. Required: never assume a fill after
 * a sleep; follow events and polling to a terminal state or a timeout; the position equals the filled quantity;
 * the remainder is cancelled or kept by policy.
 *
 * Set-up (fixtures/scenarios/ALP-12.json): AAA trades 400 shares a minute (40 for the bot at 10 % participation)
 * for three minutes, then nothing for six minutes during which it falls 2 % (stop loss), then trades again.
 * Execution reports arrive 5 s late, the second one is lost, and the event stream is down from 09:39:35 to 09:44,
 * while the entry fills, times out and is cancelled. The follow timeout is 3 minutes and 3 bars.
 * The old bot assumes its 200-share entry filled after 2 s: its stop-loss sell of 200 is refused, it forgets the
 * position anyway, and its entry keeps filling.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, requests, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const refused = run.out.result.refused.filter((r) => r.code === 'insufficient_qty')
  if (refused.length > 0) failures.push(`${refused.length} sell(s) refused: more than was filled`)
  const open = run.out.result.orders.filter((o) => o.status === 'accepted' || o.status === 'partially_filled')
  if (open.length > 0) failures.push(`${open.length} order(s) still working at the end`)
  return failures
}

describe('ALP-12: partial fills, slow fills, timeouts', () => {
  it('cancel policy: the position is the 120 that filled, the rest is cancelled at the timeout, and the exit sells 120', async () => {
    const run = await runPipeline(await loadAlp('ALP-12'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const entry = venueOrders(run, 'AAA', 'buy')
    expect(entry.map((o) => [o.qty, o.filledQty, o.status])).toEqual([[200, 120, 'canceled']])
    const timeout = recordsOf(run, 'order_timeout')[0].data as {clientOrderId: string; filledQty: number; remainder: string}
    expect(timeout).toMatchObject({clientOrderId: entry[0].clientOrderId, filledQty: 120, remainder: 'cancel'})
    // Cancelled by the timeout (3 min and 3 bars after it was sent), well before the stop-loss exit.
    const cancel = recordsOf(run, 'order_cancel').find((r) => (r.data as {clientOrderId: string}).clientOrderId === entry[0].clientOrderId)!
    expect((cancel.data as {why: string}).why).toBe('timeout')
    const exitAt = recordsOf(run, 'exit_signal')[0].t
    expect(entry[0].updatedAt).toBeLessThan(exitAt)
    expect(cancel.t - entry[0].createdAt).toBeGreaterThanOrEqual(180_000)
    expect(cancel.t - entry[0].createdAt).toBeLessThan(240_000)
    // Events were late and one was lost: the follower polled, and fetched the missing execution for the trade.
    expect(requests(run, 'getOrder').length).toBeGreaterThan(0)
    expect(requests(run, 'executions').length).toBeGreaterThan(0)
    const sold = venueOrders(run, 'AAA', 'sell').reduce((q, o) => q + o.filledQty, 0)
    expect(sold).toBe(120)
    expect(run.trades).toEqual([expect.objectContaining({symbol: 'AAA', qty: 120, entryPrice: 50, exitPrice: 49, exitReason: 'stop_loss'})])
  })

  it('keep policy: the remainder stays working and the position grows with each fill to the full 200', async () => {
    const s = await loadAlp('ALP-12')
    const run = await runPipeline(s, {buyer: {sizing: {mode: 'notional', notional: 10_000}, remainder: 'keep'}, monitor: {decelerationChecks: 0, stopLossPct: 50, trailingStopPct: 50}})
    expect(run.out.failures.filter((f) => !f.startsWith('journal order_timeout'))).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(venueOrders(run, 'AAA', 'buy').map((o) => [o.filledQty, o.status])).toEqual([[200, 'filled']])
    expect(recordsOf(run, 'order_timeout').map((r) => (r.data as {remainder: string}).remainder)).toEqual(['keep'])
    expect(run.positions).toEqual({AAA: 200})
    // The recorded position followed the fills: 120 while the order stalled, 200 at the end.
    const sizes = recordsOf(run, 'state')
      .map((r) => r.data as {ns: string; op: string; value?: {qty: number}})
      .filter((c) => c.ns === 'positions' && c.op === 'set')
      .map((c) => c.value!.qty)
    expect(sizes).toContain(120)
    expect(Math.max(...sizes)).toBe(200)
  })

  it('bites: the old bot assumes the fill, sells what it never had, and its entry keeps filling behind its back', async () => {
    const run = await runOldBot(await loadAlp('ALP-12'))
    expect(checks(run)).toContain('1 sell(s) refused: more than was filled')
    expect(invariantFailures(run)).toEqual(['position AAA: old bot records 0, the venue holds 200'])
  })
})
