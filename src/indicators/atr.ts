import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'

/**
 * Average true range, Wilder smoothing. True range = max(high - low, |high - prevClose|, |low - prevClose|), so the
 * first bar gives none (TA-Lib and technicalindicators convention). The average is seeded with the mean of the first
 * `period` true ranges, then atr += (tr - atr) / period.
 * Stable after `period + 1` bars. Before that, `value` is the mean of the true ranges so far (0 after one bar).
 * A series with no range at all gives 0 (callers dividing by ATR must handle 0, see OPS-09).
 */
export class ATR implements StreamingIndicator {
  private previousClose = 0
  private trSum = 0
  private lastTrueRange = 0
  private current = 0
  private n = 0

  constructor(readonly period: number = 14) {
    requirePeriod('ATR', 'period', period)
  }

  update(high: number, low: number, close: number): number {
    requireFinite('ATR', 'high', high)
    requireFinite('ATR', 'low', low)
    requireFinite('ATR', 'close', close)
    this.n++
    if (this.n === 1) {
      this.previousClose = close
      return this.current
    }
    const pc = this.previousClose
    const tr = Math.max(high - low, Math.abs(high - pc), Math.abs(low - pc))
    this.previousClose = close
    this.lastTrueRange = tr
    const ranges = this.n - 1
    if (ranges <= this.period) {
      this.trSum += tr
      this.current = this.trSum / ranges
    } else {
      this.current += (tr - this.current) / this.period
    }
    return this.current
  }

  get value(): number {
    return this.current
  }

  /** True range of the last bar (0 after the first bar). */
  get trueRange(): number {
    return this.lastTrueRange
  }

  get isStable(): boolean {
    return this.n > this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.previousClose = 0
    this.trSum = 0
    this.lastTrueRange = 0
    this.current = 0
    this.n = 0
  }
}
