import {IndicatorConfigError} from './errors.js'
import {requireFinite} from './guard.js'
import type {StreamingIndicator} from './indicator.js'

/**
 * Parabolic SAR (Wilder). The acceleration factor starts at `start`, grows by `step` on each new extreme point,
 * capped at `max`, and returns to `start` on a reversal. The SAR is never placed inside the prior two bars' range.
 * `value` is the SAR in force for the latest bar: computed from the earlier bars and, if this bar crossed it, the
 * reversal SAR (the extreme point of the finished trend).
 * Same rules and start as technicalindicators' PSAR (with start = step): the first bar opens a long trend with
 * SAR = its low and extreme = its high. Stable from the second bar, the first computed by the rules.
 */
export class ParabolicSAR implements StreamingIndicator {
  private sar = 0
  private ep = 0
  private af = 0
  private long = true
  private flipped = false
  private prevHigh = 0
  private prevLow = 0
  private prev2High = 0
  private prev2Low = 0
  private n = 0

  constructor(
    readonly start: number = 0.02,
    readonly step: number = 0.02,
    readonly max: number = 0.2,
  ) {
    if (!(Number.isFinite(start) && start > 0)) throw new IndicatorConfigError('ParabolicSAR', 'start', start, 'a number > 0')
    if (!(Number.isFinite(step) && step > 0)) throw new IndicatorConfigError('ParabolicSAR', 'step', step, 'a number > 0')
    if (!(Number.isFinite(max) && max >= start)) {
      throw new IndicatorConfigError('ParabolicSAR', 'max', max, `a number >= start (${start})`)
    }
    this.af = start
  }

  update(high: number, low: number): number {
    requireFinite('ParabolicSAR', 'high', high)
    requireFinite('ParabolicSAR', 'low', low)
    this.n++
    this.flipped = false
    if (this.n === 1) {
      this.sar = low
      this.ep = high
      this.long = true
      this.af = this.start
      this.prevHigh = this.prev2High = high
      this.prevLow = this.prev2Low = low
      return this.sar
    }
    let sar = this.sar + this.af * (this.ep - this.sar)
    if (this.long) {
      sar = Math.min(sar, this.prev2Low, this.prevLow)
      if (high > this.ep) {
        this.ep = high
        this.af = Math.min(this.af + this.step, this.max)
      }
      if (low < sar) this.reverse(high, low)
      else this.sar = sar
    } else {
      sar = Math.max(sar, this.prev2High, this.prevHigh)
      if (low < this.ep) {
        this.ep = low
        this.af = Math.min(this.af + this.step, this.max)
      }
      if (high > sar) this.reverse(high, low)
      else this.sar = sar
    }
    this.prev2High = this.prevHigh
    this.prev2Low = this.prevLow
    this.prevHigh = high
    this.prevLow = low
    return this.sar
  }

  get value(): number {
    return this.sar
  }

  /** True while the SAR trails a long (rising) trend. */
  get isLong(): boolean {
    return this.long
  }

  /** True if the latest bar reversed the trend. */
  get reversed(): boolean {
    return this.flipped
  }

  get extremePoint(): number {
    return this.ep
  }

  get accelerationFactor(): number {
    return this.af
  }

  get isStable(): boolean {
    return this.n >= 2
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.sar = 0
    this.ep = 0
    this.af = this.start
    this.long = true
    this.flipped = false
    this.prevHigh = this.prevLow = this.prev2High = this.prev2Low = 0
    this.n = 0
  }

  private reverse(high: number, low: number): void {
    this.sar = this.ep
    this.long = !this.long
    this.ep = this.long ? high : low
    this.af = this.start
    this.flipped = true
  }
}
