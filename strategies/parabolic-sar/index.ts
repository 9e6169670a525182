/**
 * Parabolic SAR trend: enter in the SAR's direction when it reverses, leave on the opposite reversal. The rule is
 * in ./signal.ts; orders come from the shared signal trader (market orders).
 */
import {z} from 'zod'
import type {StrategyFactory} from '../../src/engine/strategy.js'
import type {SignalFactory} from '../consensus/signal-source.js'
import {SignalTrader, TradingParams} from '../consensus/signal-trader.js'
import {ParabolicSarSignal} from './signal.js'

const signalShape = {
  /** Acceleration factor at the start of each trend. */
  start: z.number().gt(0).max(1).default(0.02),
  /** Added to the factor on each new extreme point. */
  step: z.number().gt(0).max(1).default(0.02),
  /** Cap of the factor. */
  max: z.number().gt(0).max(1).default(0.2),
}

const maxAtLeastStart = (p: {start: number; max: number}) => p.max >= p.start
const maxMessage = {message: 'max must be at least start', path: ['max']}

export const ParabolicSarSignalParams = z.object(signalShape).strict().refine(maxAtLeastStart, maxMessage)
export type ParabolicSarSignalParams = z.infer<typeof ParabolicSarSignalParams>

export const ParabolicSarParams = z
  .object({...signalShape, ...TradingParams.shape})
  .strict()
  .refine(maxAtLeastStart, maxMessage)
export type ParabolicSarParams = z.infer<typeof ParabolicSarParams>

export const parabolicSarSignal: SignalFactory<ParabolicSarSignalParams> = {
  name: 'parabolic-sar',
  description: 'Long after the SAR reverses up, short after it reverses down.',
  params: ParabolicSarSignalParams,
  create: (p) => new ParabolicSarSignal(p),
}

export const parabolicSar: StrategyFactory<ParabolicSarParams> = {
  name: 'parabolic-sar',
  description: 'Parabolic SAR trend: enter in the SAR direction on a reversal, exit on the opposite reversal.',
  params: ParabolicSarParams,
  create: (p) => new SignalTrader('psar', () => new ParabolicSarSignal(p), p),
}
