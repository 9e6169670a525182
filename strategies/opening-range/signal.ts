/**
 * Opening-range breakout signal for US equities: the high and low of the first `rangeMinutes` of the New York
 * regular session form the range; a close above the high turns long, a close below the low turns short. The stop
 * sits `stopFraction` of the range width back from the broken edge (1 = the opposite edge) and is judged on closes;
 * every position is given up `exitBeforeCloseMinutes` before the close. At most one long and one short breakout
 * per session. Bars outside the regular session (Lean's pre- and after-market bars, weekends) never build the
 * range and never open a stance.
 */
import type {Bar} from '../../src/core/market-data.js'
import {sessionOf} from '../../src/core/calendar/index.js'
import type {Stance, SymbolSignal} from '../consensus/signal-source.js'

const MINUTE = 60_000

export interface OpeningRangeSettings {
  readonly rangeMinutes: number
  readonly stopFraction: number
  readonly exitBeforeCloseMinutes: number
  readonly lastEntryMinutesBeforeClose: number
}

export class OpeningRangeSignal implements SymbolSignal {
  reason = ''
  private stance: Stance = 0
  private sessionOpen = Number.NaN
  private high = -Infinity
  private low = Infinity
  private rangeBars = 0
  private stop = 0
  private longDone = false
  private shortDone = false

  constructor(private readonly s: OpeningRangeSettings) {}

  update(bar: Bar): Stance {
    const session = sessionOf(bar.ts)
    if (session === null || bar.ts < session.open || bar.ts >= session.close) return this.flat('session_end')
    if (session.open !== this.sessionOpen) this.newSession(session.open)
    if (bar.ts < session.open + this.s.rangeMinutes * MINUTE) {
      if (bar.high > this.high) this.high = bar.high
      if (bar.low < this.low) this.low = bar.low
      this.rangeBars++
      return this.stance
    }
    // The data began after the opening range: no range, no trade this session.
    if (this.rangeBars === 0) return this.stance
    if (bar.ts >= session.close - this.s.exitBeforeCloseMinutes * MINUTE) return this.flat('session_end')
    const close = bar.close
    if (this.stance === 1) {
      if (close <= this.stop) return this.flat('stop')
    } else if (this.stance === -1) {
      if (close >= this.stop) return this.flat('stop')
    } else if (bar.ts < session.close - this.s.lastEntryMinutesBeforeClose * MINUTE) {
      const width = this.high - this.low
      if (!this.longDone && close > this.high) {
        this.longDone = true
        this.stop = this.high - this.s.stopFraction * width
        return this.turn(1, 'breakout_up')
      }
      if (!this.shortDone && close < this.low) {
        this.shortDone = true
        this.stop = this.low + this.s.stopFraction * width
        return this.turn(-1, 'breakout_down')
      }
    }
    return this.stance
  }

  /** The range of the current session so far ([high, low]; -Infinity / Infinity before its first bar). */
  get range(): readonly [number, number] {
    return [this.high, this.low]
  }

  private newSession(open: number): void {
    if (this.stance !== 0) this.turn(0, 'session_end')
    this.sessionOpen = open
    this.high = -Infinity
    this.low = Infinity
    this.rangeBars = 0
    this.longDone = false
    this.shortDone = false
  }

  private flat(reason: string): Stance {
    return this.stance === 0 ? 0 : this.turn(0, reason)
  }

  private turn(stance: Stance, reason: string): Stance {
    this.stance = stance
    this.reason = reason
    return stance
  }
}
