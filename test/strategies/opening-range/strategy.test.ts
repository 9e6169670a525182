/** The opening-range strategy run in a backtest (its signal's unit tests sit beside it: strategies/opening-range/signal.test.ts). */
import {describe, expect, it} from 'vitest'
import {sessionOf} from '../../../src/core/calendar/index.js'
import {defaultInstrument} from '../../../src/core/instrument.js'
import {runBacktest} from '../../../src/run/backtest.js'
import {ALPACA_PROFILE} from '../../../src/sim/venue-profile.js'
import {memoryStream} from '../../support/memory-stream.js'
import {OpeningRangeParams, openingRange} from '../../../strategies/opening-range/index.js'
import {at, bars, ny} from '../../support/ny-minute-bars.js'


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
