/**
 * ALP-11: the same signal arrives twice, also across a restart. Required: at most one order per signal id.
 *
 * Set-up (fixtures/scenarios/ALP-11.json): signal S for AAA (max age 30 min) is delivered at 09:35:10, again at
 * 09:36:10, and again at 09:47:10 after an in-process restart at 09:45. The AAA position closes on a 2-minute time
 * limit at about 09:38 and the cooldown is 0, so by the last delivery nothing but the processed-id record stands
 * between S and a second order. BBB, delivered once, is the control. The old bot has no processed ids: it buys S
 * again whenever it holds no AAA, and forgets everything on the restart.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const aaa = venueOrders(run, 'AAA', 'buy').length
  if (aaa !== 1) failures.push(`signal S: ${aaa} buy orders for AAA, expected 1`)
  if (venueOrders(run, 'BBB', 'buy').length !== 1) failures.push('control signal BBB not traded once')
  return failures
}

describe('ALP-11: duplicate signals, across a restart', () => {
  it('places at most one order per signal id, before and after the restart', async () => {
    const run = await runPipeline(await loadAlp('ALP-11'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const restart = recordsOf(run, 'restart')[0].t
    const dups = recordsOf(run, 'signal_dropped:duplicate').map((r) => r.t)
    expect(dups.filter((t) => t < restart)).toHaveLength(1)
    expect(dups.filter((t) => t > restart)).toHaveLength(1)
    // The last delivery met a flat book and no cooldown: only the processed id stopped it.
    const last = dups.at(-1)!
    expect(recordsOf(run, 'trade_closed').every((r) => r.t < last)).toBe(true)
    // The one order's id is derived from the signal id.
    expect(venueOrders(run, 'AAA', 'buy')[0].clientOrderId).toContain('momentum_AAA_')
  })

  it('bites: the old bot buys the same signal again once it holds nothing, and after the restart', async () => {
    const run = await runOldBot(await loadAlp('ALP-11'))
    const failures = checks(run)
    expect(failures.some((f) => /^signal S: [2-9]\d* buy orders for AAA, expected 1$/.test(f))).toBe(true)
  })
})
