/**
 * Volume-profile mean reversion: buy closes just below the value area of a rolling volume-at-price profile and
 * sell them at its point of control (shorts mirror it). The rule is in ./signal.ts, the histogram in ./profile.ts;
 * orders come from the shared signal trader (market orders).
 */
import {z} from 'zod'
import type {StrategyFactory} from '../../src/engine/strategy.js'
import type {SignalFactory} from '../consensus/signal-source.js'
import {SignalTrader, TradingParams} from '../consensus/signal-trader.js'
import {VolumeProfileSignal} from './signal.js'

const signalShape = {
  /** Bars in the rolling profile. */
  window: z.number().int().min(2).max(10_000).default(120),
  /** Price buckets the window's range is split into. */
  buckets: z.number().int().min(2).max(1_000).default(24),
  /** Share of the window's volume the value area holds. */
  valueArea: z.number().gt(0).lt(1).default(0.7),
  /** Stop distance beyond the value area, in value-area widths; entries only happen inside it. */
  stopWidth: z.number().gt(0).max(10).default(0.5),
  /** Bars a position may be held before it is given up (time stop). */
  maxBars: z.number().int().min(1).default(60),
  /** Bars after an exit before the next entry. */
  cooldownBars: z.number().int().min(0).default(5),
}

export const VolumeProfileSignalParams = z.object(signalShape).strict()
export type VolumeProfileSignalParams = z.infer<typeof VolumeProfileSignalParams>

export const VolumeProfileParams = z.object({...signalShape, ...TradingParams.shape}).strict()
export type VolumeProfileParams = z.infer<typeof VolumeProfileParams>

export const volumeProfileSignal: SignalFactory<VolumeProfileSignalParams> = {
  name: 'volume-profile',
  description: 'Long just below the value area, short just above it; out at the point of control, the stop or the time stop.',
  params: VolumeProfileSignalParams,
  create: (p) => new VolumeProfileSignal(p),
}

export const volumeProfile: StrategyFactory<VolumeProfileParams> = {
  name: 'volume-profile',
  description: 'Volume-profile mean reversion: buy below the value area, sell at the point of control; stop and time stop.',
  params: VolumeProfileParams,
  create: (p) => new SignalTrader('vp', () => new VolumeProfileSignal(p), p),
}
