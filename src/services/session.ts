/**
 * When decisions may be taken. Stocks trade in the regular session (09:30-16:00 New York, Monday-Friday): an entry
 * or exit sent on an after-hours print would wait in the venue's queue for the next open, so the services act only
 * on session bars and send only while the session is open. Bars a day or longer are always in session (their
 * orders queue for the open by design). The bar length is read from the data (the smallest gap between a
 * symbol's bars), so the rule is the same in a backtest and live.
 */
import {newYorkOffsetMs} from '../core/new-york-time.js'

const DAY_MS = 86_400_000
const OPEN_MS = 9.5 * 3_600_000
const CLOSE_MS = 16 * 3_600_000

export class SessionFilter {
  private readonly lastTs: Float64Array
  private readonly gap: Float64Array

  /** `regularHours[i]`: whether symbol i keeps the stock session (false: it trades around the clock). */
  constructor(private readonly regularHours: readonly boolean[]) {
    this.lastTs = new Float64Array(regularHours.length).fill(NaN)
    this.gap = new Float64Array(regularHours.length).fill(Infinity)
  }

  /** Records a bar (open time `ts`) of symbol index `i`. */
  observe(i: number, ts: number): void {
    const prev = this.lastTs[i]
    if (ts > prev && ts - prev < this.gap[i]) this.gap[i] = ts - prev
    this.lastTs[i] = ts
  }

  /** Whether instant `t` is inside symbol i's session (a bar's open time, or the time an order would leave). */
  inSession(i: number, t: number): boolean {
    if (!this.regularHours[i]) return true
    // Until a second bar shows the bar length, assume intraday bars (the cautious side).
    if (Number.isFinite(this.gap[i]) && this.gap[i] >= DAY_MS) return true
    const local = t + newYorkOffsetMs(t)
    const day = Math.floor(local / DAY_MS)
    const msOfDay = local - day * DAY_MS
    // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays.
    const weekday = (day + 4) % 7
    return weekday >= 1 && weekday <= 5 && msOfDay >= OPEN_MS && msOfDay < CLOSE_MS
  }
}
