/**
 * Opening-range breakout (US equities, minute bars): trade the first close beyond the range of the session's
 * first minutes, with a stop on closes and a flat book before the close. The rule is in ./signal.ts; orders come
 * from the shared signal trader (market orders).
 */
import {z} from 'zod'
import type {StrategyFactory} from '../../src/engine/strategy.js'
import type {SignalFactory} from '../consensus/signal-source.js'
import {SignalTrader, TradingParams} from '../consensus/signal-trader.js'
import {OpeningRangeSignal} from './signal.js'

const signalShape = {
  /** Minutes from the 09:30 New York open that form the range. */
  rangeMinutes: z.number().int().min(1).max(385).default(30),
  /** Stop distance from the broken edge as a fraction of the range width (1 = the opposite edge). */
  stopFraction: z.number().gt(0).max(1).default(1),
  /** Positions are closed on the first bar that opens this many minutes (or fewer) before the 16:00 close. */
  exitBeforeCloseMinutes: z.number().int().min(1).max(120).default(5),
  /** No new breakout is taken within this many minutes of the close. */
  lastEntryMinutesBeforeClose: z.number().int().min(1).max(385).default(60),
}

const entryBeforeExit = {
  check: (p: {lastEntryMinutesBeforeClose: number; exitBeforeCloseMinutes: number}) => p.lastEntryMinutesBeforeClose > p.exitBeforeCloseMinutes,
  message: 'lastEntryMinutesBeforeClose must be larger than exitBeforeCloseMinutes',
}

export const OpeningRangeSignalParams = z
  .object(signalShape)
  .strict()
  .refine(entryBeforeExit.check, {message: entryBeforeExit.message, path: ['lastEntryMinutesBeforeClose']})
export type OpeningRangeSignalParams = z.infer<typeof OpeningRangeSignalParams>

export const OpeningRangeParams = z
  .object({...signalShape, ...TradingParams.shape})
  .strict()
  .refine(entryBeforeExit.check, {message: entryBeforeExit.message, path: ['lastEntryMinutesBeforeClose']})
export type OpeningRangeParams = z.infer<typeof OpeningRangeParams>

export const openingRangeSignal: SignalFactory<OpeningRangeSignalParams> = {
  name: 'opening-range',
  description: 'Long on a close above the opening range, short below it; flat on the stop or before the close.',
  params: OpeningRangeSignalParams,
  create: (p) => new OpeningRangeSignal(p),
}

export const openingRange: StrategyFactory<OpeningRangeParams> = {
  name: 'opening-range',
  description: 'Opening-range breakout on US equity minute bars: buy the break of the first N minutes, stop on closes, flat before the close.',
  params: OpeningRangeParams,
  create: (p) => new SignalTrader('orb', () => new OpeningRangeSignal(p), p),
}
