/**
 * ALP-17: a held position — the price falls to the stop, rises then retraces past the trailing stop, or momentum
 * decelerates (plus the optional time limit). Required: the monitor emits the matching exit, the seller closes
 * it, and the trade is logged with its exit reason (and with the entry, exit, PnL and fees that really happened).
 *
 * Set-up (fixtures/scenarios/ALP-17.json): four symbols entered at 09:50 from one feed batch, with fees ($0.005 a
 * share + 5 bps), 2 bps slippage and 200 ms latency. SL gaps down 1.4 % (stop 1 %), TR rises 1.75 % and gives back
 * 0.6 % (trailing 0.5 %), DC rises then stalls (acceleration negative three checks running), TL stays flat until the
 * 15-minute limit. The old bot logs each trade with the prices it assumed and no fees.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline} from './alp-harness.js'

const EXPECTED: Record<string, string> = {SL: 'stop_loss', TR: 'trailing_stop', DC: 'deceleration', TL: 'time_limit'}

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const venue = run.out.result.trades
  for (const [symbol, reason] of Object.entries(EXPECTED)) {
    const v = venue.find((t) => t.symbol === symbol)
    const mine = run.trades.find((t) => t.symbol === symbol)
    if (!v || !mine) {
      failures.push(`${symbol}: no closed trade`)
      continue
    }
    // The venue's trade list takes its exit reason from the order that closed the position.
    if (v.exitReason !== reason) failures.push(`${symbol}: venue trade closed by ${v.exitReason}, expected ${reason}`)
    if (mine.exitReason !== reason) failures.push(`${symbol}: logged exit reason ${mine.exitReason}, expected ${reason}`)
    const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol
    if (mine.qty !== v.qty) failures.push(`${symbol}: logged qty ${mine.qty}, filled ${v.qty}`)
    if (!close(mine.entryPrice, v.entryPrice)) failures.push(`${symbol}: logged entry ${mine.entryPrice}, filled at ${v.entryPrice}`)
    if (!close(mine.exitPrice, v.exitPrice)) failures.push(`${symbol}: logged exit ${mine.exitPrice}, filled at ${v.exitPrice}`)
    if (!close(mine.fees, v.fees)) failures.push(`${symbol}: logged fees ${mine.fees}, charged ${v.fees}`)
    if (!close(mine.pnl, v.pnl)) failures.push(`${symbol}: logged PnL ${mine.pnl}, realised ${v.pnl}`)
  }
  return failures
}

describe('ALP-17: exits by stop loss, trailing stop, deceleration and time limit', () => {
  it('emits the matching exit, closes it, and logs the trade with reason, prices, fees and PnL as filled', async () => {
    const run = await runPipeline(await loadAlp('ALP-17'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    // The monitor emitted each exit once, with the price that triggered it.
    const exits = recordsOf(run, 'exit_signal').map((r) => r.data as {symbol: string; reason: string; price: number; entry: number; high: number})
    expect(Object.fromEntries(exits.map((e) => [e.symbol, e.reason]))).toEqual(EXPECTED)
    const sl = exits.find((e) => e.symbol === 'SL')!
    expect(sl.price).toBeLessThanOrEqual(sl.entry * 0.99)
    const tr = exits.find((e) => e.symbol === 'TR')!
    expect(tr.high).toBe(81.4)
    expect(tr.price).toBeLessThanOrEqual(tr.high * 0.995)
    expect(tr.price).toBeGreaterThan(tr.entry * 0.99)
    // Fees are real: both legs, per share and per notional.
    for (const t of run.trades) expect(t.fees).toBeGreaterThan(0)
  })

  it('bites: the old bot logs the prices it assumed and no fees', async () => {
    const run = await runOldBot(await loadAlp('ALP-17'))
    const failures = checks(run)
    expect(failures.some((f) => /^SL: logged fees 0, charged/.test(f))).toBe(true)
    expect(failures.some((f) => /^TR: logged exit 80.9, filled at 80.88/.test(f))).toBe(true)
  })
})
