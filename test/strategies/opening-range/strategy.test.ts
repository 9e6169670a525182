/** The opening-range strategy run in a backtest (its signal's unit tests sit beside it: strategies/opening-range/signal.test.ts). */
import {describe, expect, it} from 'vitest'
import {sessionOf} from '../../../src/core/calendar/index.js'
import {defaultInstrument} from '../../../src/core/instrument.js'
import {runBacktest} from '../../../src/run/backtest.js'
import {ALPACA_PROFILE} from '../../../src/sim/venue-profile.js'
import {memoryStream, type Row} from '../../support/memory-stream.js'
import {OpeningRangeParams, openingRange} from '../../../strategies/opening-range/index.js'

/** New York wall time on a day of October 2013 (EDT, UTC-4) as UTC ms. */
const ny = (day: number, hh: number, mm: number): number => Date.UTC(2013, 9, day, hh + 4, mm)

/** Minute bars from `from` to `to` (New York hh:mm, `to` excluded), closing at `price(minuteOfDay)`. */
function bars(day: number, from: [number, number], to: [number, number], price: (minute: number) => number, symbol = 'SPY'): Row[] {
  const out: Row[] = []
  for (let m = from[0] * 60 + from[1]; m < to[0] * 60 + to[1]; m++) {
    const c = price(m)
    out.push({symbol, ts: ny(day, Math.floor(m / 60), m % 60), open: c, high: c + 0.1, low: c - 0.1, close: c, volume: 10_000})
  }
  return out
}

const at = (hh: number, mm: number): number => hh * 60 + mm

describe('opening-range strategy', () => {
  it('buys the breakout in the session and is flat before the close, ignoring pre-market bars', async () => {
    const rows = [
      ...bars(7, [7, 0], [9, 30], (m) => 100 + Math.sin(m) * 3),
      ...bars(7, [9, 30], [10, 0], () => 100),
      ...bars(7, [10, 0], [16, 0], (m) => 100.5 + (m - at(10, 0)) * 0.001),
      ...bars(7, [16, 0], [18, 0], () => 101),
    ]
    const stream = memoryStream(rows)
    const result = await runBacktest({
      stream,
      instruments: stream.symbols.map((s) => defaultInstrument(s, 'us_equity', 'alpaca')),
      profile: ALPACA_PROFILE,
      strategy: openingRange.create(OpeningRangeParams.parse({})),
    })
    expect(result.trades).toHaveLength(1)
    const t = result.trades[0]
    expect(t.direction).toBe('long')
    expect(t.exitReason).toBe('session_end')
    const session = sessionOf(t.entryTs)!
    // The 10:00 bar broke out; the order filled at the open of the 10:01 bar, at that open's time (time-true bars).
    expect(t.entryTs).toBe(ny(7, 10, 1))
    expect(t.entryPrice).toBeCloseTo(100.501, 6)
    expect(t.exitTs).toBeLessThan(session.close)
    expect(t.exitTs).toBeGreaterThanOrEqual(session.close - 5 * 60_000)
    expect(result.violations).toEqual([])
  })
})
