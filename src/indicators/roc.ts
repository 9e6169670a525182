import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {FloatRing} from './ring.js'

/**
 * Rate of change over `period` bars, in percent: 100 * (x - x[period ago]) / x[period ago]
 * (technicalindicators' ROC; trading-signals returns the same as a fraction).
 * Stable after `period + 1` values; 0 before. A zero base gives 0 (OPS-09).
 */
export class ROC implements StreamingIndicator {
  private readonly history: FloatRing
  private current = 0
  private n = 0

  constructor(
    readonly period: number,
    private readonly label = 'ROC',
  ) {
    requirePeriod(label, 'period', period)
    this.history = new FloatRing(period)
  }

  update(x: number): number {
    requireFinite(this.label, 'value', x)
    if (this.history.isFull) {
      const base = this.history.oldest()
      this.current = base === 0 ? 0 : ((x - base) / base) * 100
    }
    this.history.push(x)
    this.n++
    return this.current
  }

  get value(): number {
    return this.current
  }

  get isStable(): boolean {
    return this.n > this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.history.clear()
    this.current = 0
    this.n = 0
  }
}
