import {requirePeriod, requireVolume} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {RollingSum} from './ring.js'

/**
 * Relative volume: this bar's volume divided by the mean volume of the previous `period` bars (the current bar is
 * not in its own baseline, as in trading-signals' RVOL).
 * Stable after `period + 1` bars. Before that the baseline is the mean of the previous bars so far; the first bar
 * gives 0. A zero baseline gives 0 (OPS-09; the reference returns no value there).
 */
export class RelativeVolume implements StreamingIndicator {
  private readonly previous: RollingSum
  private current = 0
  private n = 0

  constructor(readonly period: number = 20) {
    requirePeriod('RelativeVolume', 'period', period)
    this.previous = new RollingSum(period)
  }

  update(volume: number): number {
    requireVolume('RelativeVolume', volume)
    const baseline = this.previous.mean
    this.current = baseline > 0 ? volume / baseline : 0
    this.previous.push(volume)
    this.n++
    return this.current
  }

  get value(): number {
    return this.current
  }

  /** Mean volume of the last `period` bars, including the latest (the baseline for the next bar). */
  get averageVolume(): number {
    return this.previous.mean
  }

  get isStable(): boolean {
    return this.n > this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.previous.clear()
    this.current = 0
    this.n = 0
  }
}
