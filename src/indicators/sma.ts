import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {RollingSum} from './ring.js'

/**
 * Simple moving average of the last `period` values.
 * Stable after `period` values (like technicalindicators' and trading-signals' SMA). Before that, `value` is the mean
 * of the values so far (0 before any). A flat window returns its value exactly.
 */
export class SMA implements StreamingIndicator {
  private readonly window: RollingSum
  private n = 0

  constructor(readonly period: number) {
    requirePeriod('SMA', 'period', period)
    this.window = new RollingSum(period)
  }

  update(x: number): number {
    requireFinite('SMA', 'value', x)
    this.window.push(x)
    this.n++
    return this.window.mean
  }

  get value(): number {
    return this.window.mean
  }

  get isStable(): boolean {
    return this.n >= this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.window.clear()
    this.n = 0
  }
}
