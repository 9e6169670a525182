/**
 * ALP-06: positions on the broker differ from the local record. Required: detected at startup and periodically; the
 * broker is the source of truth; the difference is logged and adopted or flagged.
 *
 * Set-up (fixtures/scenarios/ALP-06.json): the pipeline buys 200 AAA at 09:35. Someone sells 80 AAA by hand at
 * 09:39:20 and buys 50 BBB at 09:41:20 (both fill at the next bar close), then sells 20 of the BBB at 09:49:20; the
 * process restarts at 09:50:00.5, right after that fill. Reconciliation runs every 2 minutes; positions exit on a
 * 10-minute time limit. The old bot never asks the broker: its exit tries to sell 200 AAA and is refused, and BBB
 * is never managed.
 */
import {describe, expect, it} from 'vitest'
import type {Momentum} from '../../strategies/momentum/index.js'
import {T0} from './alp-fixtures.js'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const refused = run.out.result.refused.filter((r) => r.code === 'insufficient_qty')
  if (refused.length > 0) failures.push(`${refused.length} sell(s) refused for more than the broker holds`)
  const bbbExit = venueOrders(run, 'BBB', 'sell').filter((o) => !o.clientOrderId.startsWith('manual'))
  if (bbbExit.length === 0) failures.push('the BBB position bought by hand was never managed')
  return failures
}

interface Diff {
  reconcile: string
  symbol: string
  kind: string
  local: number
  broker: number
  action: string
}

describe('ALP-06: broker positions differ from the local record', () => {
  it('detects the differences periodically and at startup, takes the broker\'s numbers, and trades within them', async () => {
    const run = await runPipeline(await loadAlp('ALP-06'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const diffs = recordsOf(run, 'reconcile_diff').map((r) => ({t: r.t, ...(r.data as Diff)}))
    expect(diffs.map(({reconcile, symbol, kind, local, broker, action}) => ({reconcile, symbol, kind, local, broker, action}))).toEqual([
      {reconcile: 'periodic', symbol: 'AAA', kind: 'quantity', local: 200, broker: 120, action: 'corrected'},
      {reconcile: 'periodic', symbol: 'BBB', kind: 'unknown_position', local: 0, broker: 50, action: 'adopted'},
      {reconcile: 'startup', symbol: 'BBB', kind: 'quantity', local: 50, broker: 30, action: 'corrected'},
    ])
    // Found within one reconciliation interval (2 min, plus the query's round trip) of the hand trades' fills.
    expect(diffs[0].t - (T0 + 10 * 60_000)).toBeLessThanOrEqual(120_000 + 1_000 + 100)
    expect(diffs[1].t - (T0 + 12 * 60_000)).toBeLessThanOrEqual(120_000 + 1_000 + 100)
    // The exits sold what the broker held, under the pipeline's reason.
    const exits = run.out.result.orders.filter((o) => o.side === 'sell' && !o.clientOrderId.startsWith('manual'))
    expect(exits.map((o) => [o.symbol, o.qty, o.status])).toEqual([
      ['AAA', 120, 'filled'],
      ['BBB', 30, 'filled'],
    ])
    expect(run.trades.map((t) => [t.symbol, t.qty, t.exitReason])).toEqual([
      ['AAA', 120, 'time_limit'],
      ['BBB', 30, 'time_limit'],
    ])
  })

  it('flag policy: a position nobody here opened is reported, not traded', async () => {
    const run = await runPipeline(await loadAlp('ALP-06'), {reconcile: {intervalMs: 120_000, unknownPositions: 'flag'}})
    const diffs = recordsOf(run, 'reconcile_diff').map((r) => r.data as Diff)
    expect(diffs.filter((d) => d.symbol === 'BBB').map((d) => d.action)).toContain('flagged')
    expect(venueOrders(run, 'BBB', 'sell').filter((o) => !o.clientOrderId.startsWith('manual'))).toEqual([])
    const flags = (run.out.strategy as Momentum).state!.snapshot().namespaces.flags as Record<string, {kind: string; detail: string}>
    expect(flags['BBB:unknown_position'].detail).toMatch(/broker holds 30/)
    // Its own position is still reconciled and closed within what the broker holds.
    expect(run.out.result.refused).toEqual([])
    expect(run.positions).toEqual({})
  })

  it('bites: the old bot trusts its own record, is refused when it sells, and leaves positions behind', async () => {
    const run = await runOldBot(await loadAlp('ALP-06'))
    expect(checks(run)).toEqual(['1 sell(s) refused for more than the broker holds', 'the BBB position bought by hand was never managed'])
    expect(invariantFailures(run)).toEqual(['position AAA: old bot records 0, the venue holds 120', 'position BBB: old bot records 0, the venue holds 30'])
  })
})
