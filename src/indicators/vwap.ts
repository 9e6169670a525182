import {requireFinite, requireVolume} from './guard.js'
import type {StreamingIndicator} from './indicator.js'

/**
 * Volume-weighted average price of the session: sum(typical * volume) / sum(volume), typical = (high + low + close)/3
 * (as both references). Call `resetSession()` at each session open.
 * Stable once the session has traded volume. Zero volume so far (OPS-09): `value` is the latest bar's typical
 * price (0 before any bar of the session) instead of 0/0.
 */
export class VWAP implements StreamingIndicator {
  private pv = 0
  private volume = 0
  private current = 0
  private n = 0
  private sessionBars = 0

  update(high: number, low: number, close: number, volume: number): number {
    requireFinite('VWAP', 'high', high)
    requireFinite('VWAP', 'low', low)
    requireFinite('VWAP', 'close', close)
    requireVolume('VWAP', volume)
    const typical = (high + low + close) / 3
    this.pv += volume * typical
    this.volume += volume
    this.current = this.volume > 0 ? this.pv / this.volume : typical
    this.n++
    this.sessionBars++
    return this.current
  }

  /** Starts a new session: the sums restart; `count` keeps counting all bars. */
  resetSession(): void {
    this.pv = 0
    this.volume = 0
    this.current = 0
    this.sessionBars = 0
  }

  get value(): number {
    return this.current
  }

  /** Volume traded in the session so far. */
  get sessionVolume(): number {
    return this.volume
  }

  /** Bars fed since the last `resetSession()`. */
  get sessionCount(): number {
    return this.sessionBars
  }

  get isStable(): boolean {
    return this.volume > 0
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.resetSession()
    this.n = 0
  }
}
