import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {FloatRing} from './ring.js'

/**
 * Rolling population standard deviation (divide by n, like both references) over the last `period` values.
 * Numerically stable: Welford's update while filling, its sliding form (replace oldest by newest) afterwards, both on
 * values shifted by a recent mean, and an exact two-pass recomputation once per `period` evictions (amortised O(1))
 * so rounding cannot accumulate.
 * A window of identical values gives exactly 0. Stable after `period` values; before, the deviation of the values
 * so far (0 before two).
 */
export class StdDev implements StreamingIndicator {
  private readonly window: FloatRing
  /** Offset subtracted from every value; `m` is the mean of (value - shift). */
  private shift = 0
  private m = 0
  private m2 = 0
  private evictions = 0
  private last = 0
  private runLength = 0
  private n = 0

  constructor(readonly period: number = 20) {
    requirePeriod('StdDev', 'period', period)
    this.window = new FloatRing(period)
  }

  update(x: number): number {
    requireFinite('StdDev', 'value', x)
    const w = this.window
    if (w.size === 0) this.shift = x
    // Work on x - shift (shift ~ the window mean): rounding then scales with the spread, not the price level.
    const y = x - this.shift
    if (w.isFull) {
      const yOld = w.oldest() - this.shift
      w.push(x)
      const oldMean = this.m
      const newMean = oldMean + (y - yOld) / this.period
      this.m2 += (y - yOld) * (y - newMean + yOld - oldMean)
      this.m = newMean
      if (++this.evictions >= this.period) this.recompute()
    } else {
      w.push(x)
      const delta = y - this.m
      this.m += delta / w.size
      this.m2 += delta * (y - this.m)
    }
    if (this.m2 < 0) this.m2 = 0
    this.runLength = x === this.last && w.size > 1 ? this.runLength + 1 : 1
    this.last = x
    this.n++
    return this.value
  }

  get value(): number {
    return Math.sqrt(this.variance)
  }

  /** Population variance of the window (0 for a flat window or fewer than two values). */
  get variance(): number {
    const size = this.window.size
    if (size < 2 || this.runLength >= size) return 0
    return this.m2 / size
  }

  /** Mean of the window (0 before any value). */
  get mean(): number {
    return this.runLength >= this.window.size ? this.last : this.shift + this.m
  }

  get isStable(): boolean {
    return this.n >= this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.window.clear()
    this.shift = 0
    this.m = 0
    this.m2 = 0
    this.evictions = 0
    this.last = 0
    this.runLength = 0
    this.n = 0
  }

  /** Two-pass recomputation from the buffer; the new shift is the window mean, with its rounding corrected. */
  private recompute(): void {
    const w = this.window
    const size = w.size
    this.evictions = 0
    let sum = 0
    for (let k = 0; k < size; k++) sum += w.ago(k)
    const shift = sum / size
    let residual = 0
    for (let k = 0; k < size; k++) residual += w.ago(k) - shift
    const m = residual / size
    let m2 = 0
    for (let k = 0; k < size; k++) {
      const d = w.ago(k) - shift - m
      m2 += d * d
    }
    this.shift = shift
    this.m = m
    this.m2 = m2
  }
}
