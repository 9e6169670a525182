/**
 * `momentum`: the stock pipeline (scanner → buyer → monitor → seller) as a strategy. The scanner scores velocity,
 * acceleration and relative volume; the buyer enters on signals that pass its checks; the monitor exits on a stop
 * loss, a trailing stop, deceleration or a time limit; the seller closes and sets the cooldown. All shared state
 * lives in one store, which is what `snapshot()` hands to the next instance on a restart.
 */
import type {BrokerEvent} from '../../src/core/events.js'
import type {Bar} from '../../src/core/market-data.js'
import type {Strategy, StrategyContext, StrategyFactory, StrategyFigure} from '../../src/engine/strategy.js'
import {type PipelineConfig, PipelineConfigSchema} from '../../src/services/config.js'
import {Pipeline} from '../../src/services/pipeline.js'
import {NS, PIPELINE_NAMESPACES, type TradeRecord} from '../../src/state/pipeline-state.js'
import {StateStore, type StoreSnapshot} from '../../src/state/store.js'

export const MomentumParams = PipelineConfigSchema
export type MomentumParams = PipelineConfig

export class Momentum implements Strategy {
  /** Short: it scopes client order ids, which must fit 36 characters. */
  readonly name = 'mom'
  private pipeline: Pipeline | undefined
  private store: StateStore | undefined

  /** `restored`: the previous instance's snapshot (an in-process restart), parsed before anything uses it. */
  constructor(private readonly p: MomentumParams, private readonly restored?: unknown) {}

  start(ctx: StrategyContext): void {
    const opts = {clock: ctx.clock, journal: {append: (r: {type: string; data: unknown}) => ctx.record(r.type, r.data)}}
    this.store = this.restored === undefined ? new StateStore(opts) : StateStore.restore(this.restored, PIPELINE_NAMESPACES, opts)
    this.pipeline = new Pipeline({config: this.p, ctx, store: this.store, strategy: 'momentum', resumed: this.restored !== undefined})
    this.pipeline.start()
  }

  onBar(bar: Bar): void {
    this.pipeline?.onBar(bar)
  }

  onEvent(e: BrokerEvent): void {
    this.pipeline?.onEvent(e)
  }

  stop(): void {
    this.pipeline?.stop()
  }

  snapshot(): StoreSnapshot | undefined {
    return this.store?.snapshot()
  }

  /** The pipeline's counters for the report: signals by source, entries, drops by reason, exits, differences. */
  figures(): StrategyFigure[] {
    const counters = this.store?.entries(NS.counters) ?? []
    return counters.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([label, value]) => ({label, value}))
  }

  /** Positions as the pipeline records them, for checks against the venue. */
  positions(): Record<string, number> {
    return this.pipeline?.positions() ?? {}
  }

  /** Closed trades as the seller logged them (entry, exit, PnL, fees, exit reason). */
  trades(): TradeRecord[] {
    return this.store?.values(NS.trades) ?? []
  }

  /** The shared store, read-only use (tests, reports). */
  get state(): StateStore | undefined {
    return this.store
  }
}

export const momentum: StrategyFactory<MomentumParams> = {
  name: 'momentum',
  description: 'Stock pipeline: momentum scanner, buyer with signal checks, monitor exits (stop, trailing, deceleration, time), seller with cooldown.',
  params: MomentumParams,
  create: (p, restored) => new Momentum(p, restored),
}
