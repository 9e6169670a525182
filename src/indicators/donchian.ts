import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {MonotonicDeque} from './monotonic-deque.js'

/**
 * Donchian channel over the last `period` bars, the current bar included (as trading-signals' DonchianChannels):
 * upper = highest high, lower = lowest low, middle = (upper + lower) / 2. `update` returns and `value` is the middle.
 * For a breakout test against the channel of the PREVIOUS bars, read `upper` / `lower` before updating with the bar.
 * Stable after `period` bars; before, the channel of the bars so far (0 before any).
 */
export class DonchianChannel implements StreamingIndicator {
  private readonly highs: MonotonicDeque
  private readonly lows: MonotonicDeque
  private n = 0

  constructor(readonly period: number = 20) {
    requirePeriod('DonchianChannel', 'period', period)
    this.highs = new MonotonicDeque(period, true)
    this.lows = new MonotonicDeque(period, false)
  }

  update(high: number, low: number): number {
    requireFinite('DonchianChannel', 'high', high)
    requireFinite('DonchianChannel', 'low', low)
    this.highs.push(high, this.n)
    this.lows.push(low, this.n)
    this.n++
    return this.middle
  }

  get value(): number {
    return this.middle
  }

  get upper(): number {
    return this.highs.extreme
  }

  get lower(): number {
    return this.lows.extreme
  }

  get middle(): number {
    return (this.highs.extreme + this.lows.extreme) / 2
  }

  get isStable(): boolean {
    return this.n >= this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.highs.clear()
    this.lows.clear()
    this.n = 0
  }
}
