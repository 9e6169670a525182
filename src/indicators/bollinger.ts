import {IndicatorConfigError} from './errors.js'
import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {StdDev} from './stddev.js'

/**
 * Bollinger bands: middle = SMA(period), upper/lower = middle ± multiplier * population standard deviation.
 * `update` returns and `value` is the middle band. Stable after `period` values (like both references).
 * Edge values (OPS-09): a flat window has zero width, so `percentB` is 0.5 and `bandwidth` 0; a zero middle gives
 * `bandwidth` 0.
 */
export class BollingerBands implements StreamingIndicator {
  private readonly sd: StdDev
  private lastPrice = 0

  constructor(
    readonly period: number = 20,
    readonly multiplier: number = 2,
  ) {
    requirePeriod('BollingerBands', 'period', period)
    if (!(Number.isFinite(multiplier) && multiplier >= 0)) {
      throw new IndicatorConfigError('BollingerBands', 'multiplier', multiplier, 'a finite number >= 0')
    }
    this.sd = new StdDev(period)
  }

  update(x: number): number {
    requireFinite('BollingerBands', 'value', x)
    this.sd.update(x)
    this.lastPrice = x
    return this.sd.mean
  }

  get value(): number {
    return this.sd.mean
  }

  get middle(): number {
    return this.sd.mean
  }

  get upper(): number {
    return this.sd.mean + this.multiplier * this.sd.value
  }

  get lower(): number {
    return this.sd.mean - this.multiplier * this.sd.value
  }

  get standardDeviation(): number {
    return this.sd.value
  }

  /** Where the last price sits in the band: 0 at the lower band, 1 at the upper; 0.5 when the band has no width. */
  get percentB(): number {
    const width = this.upper - this.lower
    return width > 0 ? (this.lastPrice - this.lower) / width : 0.5
  }

  /** Band width relative to the middle: (upper - lower) / middle; 0 when the middle is 0. */
  get bandwidth(): number {
    const middle = this.sd.mean
    return middle !== 0 ? (this.upper - this.lower) / middle : 0
  }

  get isStable(): boolean {
    return this.sd.isStable
  }

  get count(): number {
    return this.sd.count
  }

  reset(): void {
    this.sd.reset()
    this.lastPrice = 0
  }
}
