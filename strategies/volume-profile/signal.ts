/**
 * Volume-profile mean reversion. While flat (and past the cooldown), the profile of the previous `window` bars is
 * built; a close below the value area but not more than `stopWidth` value-area widths below it turns long, a close
 * above it (within the same distance) turns short. The levels are frozen at entry: the target is the point of
 * control, the stop is `stopWidth` value-area widths beyond the broken edge (judged on closes), and after
 * `maxBars` bars the stance is dropped anyway. After any exit, `cooldownBars` bars pass before the next entry.
 */
import type {Bar} from '../../src/core/market-data.js'
import type {Stance, SymbolSignal} from '../consensus/signal-source.js'
import {RollingVolumeProfile} from './profile.js'

export interface VolumeProfileSettings {
  readonly window: number
  readonly buckets: number
  readonly valueArea: number
  readonly stopWidth: number
  readonly maxBars: number
  readonly cooldownBars: number
}

export class VolumeProfileSignal implements SymbolSignal {
  reason = ''
  private stance: Stance = 0
  private target = 0
  private stop = 0
  private barsHeld = 0
  private cooldown = 0
  readonly profile: RollingVolumeProfile

  constructor(private readonly s: VolumeProfileSettings) {
    this.profile = new RollingVolumeProfile(s.window, s.buckets)
  }

  update(bar: Bar): Stance {
    this.decide(bar.close)
    // The bar joins the profile after the decision: a bar is judged against the bars before it.
    this.profile.push(bar.high, bar.low, bar.close, bar.volume)
    return this.stance
  }

  private decide(close: number): void {
    if (this.stance !== 0) {
      this.barsHeld++
      const reached = this.stance === 1 ? close >= this.target : close <= this.target
      const stopped = this.stance === 1 ? close <= this.stop : close >= this.stop
      if (reached) this.exit('target_poc')
      else if (stopped) this.exit('stop')
      else if (this.barsHeld >= this.s.maxBars) this.exit('time_stop')
      return
    }
    if (this.cooldown > 0) {
      this.cooldown--
      return
    }
    if (!(close > 0) || !this.profile.compute(this.s.valueArea)) return
    const {poc, val, vah} = this.profile
    const reach = this.s.stopWidth * (vah - val)
    if (close < val && close > val - reach) this.enter(1, poc, val - reach, 'below_value_area')
    else if (close > vah && close < vah + reach) this.enter(-1, poc, vah + reach, 'above_value_area')
  }

  private enter(stance: Stance, target: number, stop: number, reason: string): void {
    this.stance = stance
    this.target = target
    this.stop = stop
    this.barsHeld = 0
    this.reason = reason
  }

  private exit(reason: string): void {
    this.stance = 0
    this.reason = reason
    this.cooldown = this.s.cooldownBars
  }
}
