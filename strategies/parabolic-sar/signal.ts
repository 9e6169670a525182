/**
 * Parabolic SAR trend signal: no stance until the SAR first reverses, then the SAR's direction — long after a
 * reversal up (price crossed above a falling SAR), short after a reversal down. A stance therefore begins on a
 * reversal and ends on the opposite one.
 */
import type {Bar} from '../../src/core/market-data.js'
import {ParabolicSAR} from '../../src/indicators/index.js'
import type {Stance, SymbolSignal} from '../consensus/signal-source.js'

export interface ParabolicSarSettings {
  readonly start: number
  readonly step: number
  readonly max: number
}

export class ParabolicSarSignal implements SymbolSignal {
  reason = ''
  private stance: Stance = 0
  private readonly sar: ParabolicSAR

  constructor(s: ParabolicSarSettings) {
    this.sar = new ParabolicSAR(s.start, s.step, s.max)
  }

  update(bar: Bar): Stance {
    this.sar.update(bar.high, bar.low)
    if (this.sar.reversed) {
      this.stance = this.sar.isLong ? 1 : -1
      this.reason = this.sar.isLong ? 'sar_reversal_up' : 'sar_reversal_down'
    }
    return this.stance
  }

  /** The SAR in force after the latest bar. */
  get value(): number {
    return this.sar.value
  }
}
