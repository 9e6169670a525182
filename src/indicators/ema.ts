import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'

/**
 * Exponential moving average, alpha = 2 / (period + 1), seeded with the SMA of the first `period` values (as
 * technicalindicators does; trading-signals instead seeds with the first value).
 * Stable after `period` values. Before that, `value` is the mean of the values so far (0 before any), which at
 * the `period`-th value is exactly the seed.
 */
export class EMA implements StreamingIndicator {
  readonly alpha: number
  private seedSum = 0
  private current = 0
  private n = 0

  constructor(readonly period: number) {
    requirePeriod('EMA', 'period', period)
    this.alpha = 2 / (period + 1)
  }

  update(x: number): number {
    requireFinite('EMA', 'value', x)
    this.n++
    if (this.n <= this.period) {
      this.seedSum += x
      this.current = this.seedSum / this.n
    } else {
      this.current += (x - this.current) * this.alpha
    }
    return this.current
  }

  get value(): number {
    return this.current
  }

  get isStable(): boolean {
    return this.n >= this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.seedSum = 0
    this.current = 0
    this.n = 0
  }
}
