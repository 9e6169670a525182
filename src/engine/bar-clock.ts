/**
 * When a stored bar happened. Bars are stored by their open time; most run for exactly their timeframe. A daily bar
 * of a venue with trading hours is that day's session instead: it opens at the session's open and closes at its
 * close (13:00 New York on an early-close day), so a fill at a Friday's open is a Friday 09:30 fill, not a Saturday
 * 00:00 one, and the strategy decides on it at 16:00.
 */
import {type Timeframe, TIMEFRAME_MS} from '../core/market-data.js'
import {sessionOf} from '../core/calendar/index.js'
import {type BarClock, uniformBarClock} from './bar-walk.js'

const DAY_MS = 86_400_000
/** A daily bar's stored time is its date's midnight UTC; noon UTC is always inside that New York day. */
const NOON_MS = 12 * 3_600_000

export function barClockFor(marketHours: boolean, timeframe: Timeframe): BarClock {
  const tf = TIMEFRAME_MS[timeframe]
  if (!marketHours || tf < DAY_MS) return uniformBarClock(tf)
  return {
    open: (ts) => sessionOf(ts + NOON_MS)?.open ?? ts,
    close: (ts) => sessionOf(ts + NOON_MS)?.close ?? ts + tf,
  }
}
