import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'

/**
 * Relative strength index with Wilder smoothing: average gain and loss are seeded with the simple mean of the first
 * `period` changes, then avg += (x - avg) / period. RSI = 100 * avgGain / (avgGain + avgLoss).
 * Stable after `period + 1` values (`period` changes), like both references.
 * Edge values (OPS-09): no movement at all (flat series) = 50; only gains = 100; only losses = 0.
 * Before stable, `value` uses the plain means of the changes so far (50 before any change).
 */
export class RSI implements StreamingIndicator {
  private previous = 0
  private avgGain = 0
  private avgLoss = 0
  private gainSum = 0
  private lossSum = 0
  private current = 50
  private n = 0

  constructor(readonly period: number = 14) {
    requirePeriod('RSI', 'period', period)
  }

  update(x: number): number {
    requireFinite('RSI', 'value', x)
    this.n++
    if (this.n === 1) {
      this.previous = x
      return this.current
    }
    const change = x - this.previous
    this.previous = x
    const gain = change > 0 ? change : 0
    const loss = change < 0 ? -change : 0
    const changes = this.n - 1
    if (changes <= this.period) {
      this.gainSum += gain
      this.lossSum += loss
      this.avgGain = this.gainSum / changes
      this.avgLoss = this.lossSum / changes
    } else {
      this.avgGain += (gain - this.avgGain) / this.period
      this.avgLoss += (loss - this.avgLoss) / this.period
    }
    const total = this.avgGain + this.avgLoss
    this.current = total > 0 ? (100 * this.avgGain) / total : 50
    return this.current
  }

  get value(): number {
    return this.current
  }

  /** Wilder-smoothed average gain per bar (0 before any change). */
  get averageGain(): number {
    return this.avgGain
  }

  /** Wilder-smoothed average loss per bar, as a positive number (0 before any change). */
  get averageLoss(): number {
    return this.avgLoss
  }

  get isStable(): boolean {
    return this.n > this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.previous = 0
    this.avgGain = 0
    this.avgLoss = 0
    this.gainSum = 0
    this.lossSum = 0
    this.current = 50
    this.n = 0
  }
}
