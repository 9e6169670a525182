import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {EMA} from './ema.js'

/**
 * MACD: line = EMA(fast) - EMA(slow); signal = EMA(signal) of the line; histogram = line - signal. All EMAs are
 * SMA-seeded (see EMA). The signal EMA is fed from the bar where the slow EMA becomes stable (bar `slow`), as in
 * technicalindicators' MACD with EMA oscillator and signal.
 * `update` returns and `value` is the MACD line. Stable once the signal is: after `slow + signal - 1` values.
 * Before that, the line uses the provisional EMAs and the signal is 0 until it gets its first input.
 */
export class MACD implements StreamingIndicator {
  private readonly fastEma: EMA
  private readonly slowEma: EMA
  private readonly signalEma: EMA
  private line = 0
  private n = 0

  constructor(
    readonly fast: number = 12,
    readonly slow: number = 26,
    readonly signal: number = 9,
  ) {
    requirePeriod('MACD', 'fast', fast)
    requirePeriod('MACD', 'slow', slow)
    requirePeriod('MACD', 'signal', signal)
    this.fastEma = new EMA(fast)
    this.slowEma = new EMA(slow)
    this.signalEma = new EMA(signal)
  }

  update(x: number): number {
    requireFinite('MACD', 'value', x)
    this.line = this.fastEma.update(x) - this.slowEma.update(x)
    if (this.slowEma.isStable) this.signalEma.update(this.line)
    this.n++
    return this.line
  }

  get value(): number {
    return this.line
  }

  get macd(): number {
    return this.line
  }

  get signalLine(): number {
    return this.signalEma.value
  }

  get histogram(): number {
    return this.line - this.signalEma.value
  }

  get isStable(): boolean {
    return this.signalEma.isStable
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.fastEma.reset()
    this.slowEma.reset()
    this.signalEma.reset()
    this.line = 0
    this.n = 0
  }
}
