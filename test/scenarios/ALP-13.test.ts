/**
 * ALP-13: startup with open broker orders and positions the bot did not expect. Required: reconcile (adopt, or
 * cancel by policy) before the first new order.
 *
 * Set-up (fixtures/scenarios/ALP-13.json): the pipeline holds CCC. At 09:37:40, while it is down, someone places a
 * limit buy of 100 AAA at 46 (resting; AAA dips to 45.5 at 10:00) and buys 30 BBB at market. The process restarts
 * at 09:38:20 (periodic reconciliation is hourly, so only the startup one can see them); its first position query
 * takes 40 s (fault `delay`), and a DDD signal arrives at 09:38:25, meanwhile. Policy: unknown orders cancelled,
 * unknown positions adopted; exits after 15 minutes.
 * The old bot restarts with nothing: the hand order fills on the dip, and neither BBB nor its own CCC is sold.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders, venuePositions} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const lim = run.out.result.orders.find((o) => o.clientOrderId === 'manual-lim')!
  if (lim.status !== 'canceled' || lim.filledQty > 0) failures.push(`the unknown AAA order ended ${lim.status} with ${lim.filledQty} filled`)
  const left = venuePositions(run)
  for (const s of ['BBB', 'CCC']) if (left[s]) failures.push(`${s}: ${left[s]} left unmanaged on the broker`)
  return failures
}

describe('ALP-13: startup with unexpected orders and positions on the broker', () => {
  it('cancels the unknown order and adopts the unknown position before its first new order', async () => {
    const run = await runPipeline(await loadAlp('ALP-13'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const records = run.records
    const after = records.slice(records.findIndex((r) => r.type === 'restart'))
    const reconciled = after.findIndex((r) => r.type === 'reconciled' && (r.data as {kind: string}).kind === 'startup')
    const cancel = after.findIndex((r) => r.type === 'cancel_intent' && (r.data as {clientOrderId?: string}).clientOrderId === 'manual-lim')
    const firstIntent = after.findIndex((r) => r.type === 'intent')
    expect(reconciled).toBeGreaterThan(0)
    expect(cancel).toBeGreaterThan(0)
    expect(firstIntent).toBeGreaterThan(reconciled)
    expect(firstIntent).toBeGreaterThan(cancel)
    expect((after[firstIntent].data as {request: {symbol: string}}).request.symbol).toBe('DDD')
    const diffs = recordsOf(run, 'reconcile_diff').map((r) => r.data as {symbol: string; kind: string; action: string; reconcile: string})
    expect(diffs.map((d) => [d.reconcile, d.symbol, d.kind, d.action])).toEqual([
      ['startup', 'AAA', 'unknown_order', 'cancel'],
      ['startup', 'BBB', 'unknown_position', 'adopted'],
    ])
    // The adopted position is managed like any other: the monitor's time limit closed it.
    expect(venueOrders(run, 'BBB', 'sell').map((o) => [o.qty, o.status])).toEqual([[30, 'filled']])
    expect(run.trades.find((t) => t.symbol === 'BBB')!.exitReason).toBe('time_limit')
  })

  it('adopt policy: the unknown open order is followed as an entry and its fill becomes a managed position', async () => {
    const s = await loadAlp('ALP-13')
    const run = await runPipeline(s, {reconcile: {intervalMs: 3_600_000, unknownOrders: 'adopt'}})
    expect(invariantFailures(run)).toEqual([])
    const lim = run.out.result.orders.find((o) => o.clientOrderId === 'manual-lim')!
    expect([lim.status, lim.filledQty]).toEqual(['filled', 100])
    // Bought on the dip, then closed by the pipeline.
    expect(venuePositions(run).AAA).toBeUndefined()
    expect(venueOrders(run, 'AAA', 'sell')).toHaveLength(1)
  })

  it('bites: the old bot restarts blind; the hand order fills and positions are left on the broker', async () => {
    const run = await runOldBot(await loadAlp('ALP-13'))
    expect(checks(run)).toEqual(['the unknown AAA order ended filled with 100 filled', 'BBB: 30 left unmanaged on the broker', 'CCC: 333 left unmanaged on the broker'])
    expect(invariantFailures(run).length).toBe(3)
  })
})
