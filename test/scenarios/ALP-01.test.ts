/**
 * ALP-01: a symbol is sold; the scanner signals it again minutes later. Required: the buyer honours the seller's
 * cooldown (one shared store), also after a restart.
 *
 * Set-up (fixtures/scenarios/ALP-01.json): AAA minute bars with four volume surges that the scanner scores above
 * 100. Surge 1 (09:55) is bought; the retrace hits the trailing stop and the seller sets a 45-minute cooldown.
 * Surge 2 comes five minutes after the exit; the process restarts at 10:15:30; surge 3 (10:28) is still inside the
 * cooldown; surge 4 (10:55) is after it. The old bot's buyer keeps its own cooldown dict, which its seller never
 * writes, so it re-enters on surge 2 (and, having forgotten everything on the restart, on surge 3).
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

const COOLDOWN_MS = 2_700_000

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const sells = venueOrders(run, 'AAA', 'sell')
  if (sells.length === 0) return ['the first position was never sold']
  const firstExit = sells[0].updatedAt
  const inCooldown = venueOrders(run, 'AAA', 'buy').filter((o) => o.createdAt > firstExit && o.createdAt < firstExit + COOLDOWN_MS)
  if (inCooldown.length > 0) failures.push(`${inCooldown.length} buy order(s) for AAA inside the cooldown after the exit`)
  const after = venueOrders(run, 'AAA', 'buy').filter((o) => o.createdAt >= firstExit + COOLDOWN_MS)
  if (after.length !== 1) failures.push(`${after.length} buy orders after the cooldown, expected 1 (surge 4)`)
  return failures
}

describe('ALP-01: cooldown after a sell, shared by seller and buyer, across a restart', () => {
  it('drops the re-signalled symbol until the cooldown ends, before and after the restart', async () => {
    const run = await runPipeline(await loadAlp('ALP-01'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    // The scanner did signal AAA again during the cooldown, on both sides of the restart.
    const restart = recordsOf(run, 'restart')[0].t
    const drops = recordsOf(run, 'signal_dropped:cooldown').map((r) => r.t)
    expect(drops.some((t) => t < restart)).toBe(true)
    expect(drops.some((t) => t > restart)).toBe(true)
    // The cooldown came from the seller's trade record, with the exit reason.
    const closed = recordsOf(run, 'trade_closed')[0].data as {exitReason: string}
    expect(closed.exitReason).toBe('trailing_stop')
    expect(run.trades[0].exitReason).toBe('trailing_stop')
  })

  it('bites: the old bot re-enters during the cooldown its seller wrote and its buyer never read', async () => {
    const run = await runOldBot(await loadAlp('ALP-01'))
    const failures = checks(run)
    expect(failures.some((f) => /buy order\(s\) for AAA inside the cooldown/.test(f))).toBe(true)
  })
})
