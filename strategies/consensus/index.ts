/**
 * The consensus bot: runs the signals of N configured strategies over the same bars and trades only while K of
 * them agree. The sources are signals (./signal-source.ts), never order senders: only the consensus sends orders,
 * through the shared signal trader.
 */
import {z} from 'zod'
import type {StrategyFactory} from '../../src/engine/strategy.js'
import {openingRangeSignal} from '../opening-range/index.js'
import {parabolicSarSignal} from '../parabolic-sar/index.js'
import {volumeProfileSignal} from '../volume-profile/index.js'
import {ConsensusSignal} from './consensus-signal.js'
import type {SignalFactory, SymbolSignal} from './signal-source.js'
import {SignalTrader, TradingParams} from './signal-trader.js'

/** The strategies that expose a signal a consensus can use. */
export const SIGNAL_SOURCES: readonly SignalFactory<any>[] = [openingRangeSignal, parabolicSarSignal, volumeProfileSignal]

const sourceNames = SIGNAL_SOURCES.map((s) => s.name) as [string, ...string[]]

const Source = z
  .object({
    strategy: z.enum(sourceNames),
    /** The source's signal parameters (its sizing parameters do not apply: the consensus sizes). */
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()

export const ConsensusParams = z
  .object({
    /** How many sources must agree. */
    k: z.number().int().min(1).default(2),
    sources: z
      .array(Source)
      .min(1)
      .max(16)
      .default([{strategy: 'opening-range', params: {}}, {strategy: 'parabolic-sar', params: {}}, {strategy: 'volume-profile', params: {}}]),
    ...TradingParams.shape,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.k > p.sources.length) {
      ctx.addIssue({code: 'custom', path: ['k'], message: `k (${p.k}) cannot exceed the number of sources (${p.sources.length})`})
    }
    p.sources.forEach((s, i) => {
      const parsed = signalFactory(s.strategy).params.safeParse(s.params)
      if (parsed.success) return
      for (const issue of parsed.error.issues) {
        ctx.addIssue({code: 'custom', path: ['sources', i, 'params', ...issue.path.map(String)], message: issue.message})
      }
    })
  })
export type ConsensusParams = z.infer<typeof ConsensusParams>

function signalFactory(name: string): SignalFactory<any> {
  const f = SIGNAL_SOURCES.find((s) => s.name === name)
  if (!f) throw new RangeError(`no signal source named ${name}`)
  return f
}

/** One consensus signal per symbol, its sources built from already validated parameters. */
export function consensusSignalFactory(p: Pick<ConsensusParams, 'k' | 'sources'>): () => SymbolSignal {
  const makers = p.sources.map((s) => {
    const f = signalFactory(s.strategy)
    const params = f.params.parse(s.params)
    return () => f.create(params)
  })
  return () => new ConsensusSignal(makers.map((make) => make()), p.k)
}

export const consensus: StrategyFactory<ConsensusParams> = {
  name: 'consensus',
  description: 'Trades only while K of N configured signal sources (opening-range, parabolic-sar, volume-profile) agree.',
  params: ConsensusParams,
  create: (p) => new SignalTrader('cons', consensusSignalFactory(p), p),
}
