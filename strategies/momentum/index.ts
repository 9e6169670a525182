/**
 * `momentum`: the stock pipeline (scanner → buyer → monitor → seller) as a strategy. The scanner scores velocity,
 * acceleration and relative volume; the buyer enters on signals that pass its checks; the monitor exits on a stop
 * loss, a trailing stop, deceleration or a time limit; the seller closes and sets the cooldown. All shared state
 * lives in one store, which is what `snapshot()` hands to the next instance on a restart.
 *
 * With `stateDir` the store lives on disk (`DurableState`: every change fsync'd before `set` returns, so an
 * order's intent is durable before its request leaves). `start()` recovers it (snapshot + journal tail), and the
 * pipeline's start-up reconciliation with the broker runs before any decision — a restart, in-process or a new
 * process, then starts from the disk, not from the previous instance's memory.
 */
import {z} from 'zod'
import type {BrokerEvent} from '../../src/core/events.js'
import type {Bar} from '../../src/core/market-data.js'
import type {Strategy, StrategyContext, StrategyFactory, StrategyFigure} from '../../src/engine/strategy.js'
import {type PipelineConfig, PipelineConfigSchema} from '../../src/services/config.js'
import {Pipeline} from '../../src/services/pipeline.js'
import {DurableState, JOURNAL_FILE, SNAPSHOT_FILE} from '../../src/state/durable-store.js'
import {NS, PIPELINE_NAMESPACES, type TradeRecord} from '../../src/state/pipeline-state.js'
import {StateStore, type StoreSnapshot} from '../../src/state/store.js'

export const MomentumParams = PipelineConfigSchema.extend({
  /** Directory of the durable state (created 0700); absent: the store lives in memory only. */
  stateDir: z.string().min(1).optional(),
  /** Journal records between snapshots of the durable state. */
  snapshotEvery: z.number().int().min(0).optional(),
})
export type MomentumParams = PipelineConfig & {readonly stateDir?: string; readonly snapshotEvery?: number}

/** Test and harness hooks of the durable store (the crash harness kills the process inside a write). */
export interface MomentumOptions {
  readonly beforeAppend?: (record: {type: string; data: unknown}, journalPath: string) => void
  /** Every change after it is on disk (the crash harness mirrors commits). */
  readonly onCommit?: (record: {type: string; data: unknown}) => void
}

export class Momentum implements Strategy {
  /** Short: it scopes client order ids, which must fit 36 characters. */
  readonly name = 'mom'
  protected pipeline: Pipeline | undefined
  private store: StateStore | undefined
  private durable: DurableState | undefined

  /**
   * `restored`: the previous instance's snapshot (an in-process restart), parsed before anything uses it. Ignored
   * with `stateDir`: the disk is the state then.
   */
  constructor(private readonly p: MomentumParams, private readonly restored?: unknown, private readonly hooks: MomentumOptions = {}) {}

  start(ctx: StrategyContext): void {
    const toJournal = {append: (r: {type: string; data: unknown}) => ctx.record(r.type, r.data)}
    let resumed: boolean
    let store: StateStore
    if (this.p.stateDir !== undefined) {
      const onCommit = this.hooks.onCommit
      // On disk where the session keeps that directory (a replay: its own copy); the record names it as given.
      this.durable = DurableState.open(ctx.stateDir?.(this.p.stateDir) ?? this.p.stateDir, PIPELINE_NAMESPACES, {
        clock: ctx.clock,
        tee: onCommit ? {append: (r: {type: string; data: unknown}) => (toJournal.append(r), onCommit(r))} : toJournal,
        ...(this.p.snapshotEvery !== undefined ? {snapshotEvery: this.p.snapshotEvery} : {}),
        ...(this.hooks.beforeAppend ? {beforeAppend: this.hooks.beforeAppend} : {}),
      })
      const rec = this.durable.recovery
      ctx.record('state_recovered', {dir: this.p.stateDir, snapshotSeq: rec.snapshotSeq, replayed: rec.replayed, seq: this.durable.store.seq, tornTail: rec.tornTail ?? null})
      store = this.durable.store
      resumed = rec.resumed
    } else {
      const opts = {clock: ctx.clock, journal: toJournal}
      store = this.restored === undefined ? new StateStore(opts) : StateStore.restore(this.restored, PIPELINE_NAMESPACES, opts)
      resumed = this.restored !== undefined
    }
    this.store = store
    // The pipeline reconciles with the broker before any service decides (Reconciler.start).
    this.pipeline = new Pipeline({config: this.p, ctx, store, strategy: 'momentum', resumed})
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
    this.durable?.close()
  }

  /** None with `stateDir`: the next instance recovers from the disk. */
  snapshot(): StoreSnapshot | undefined {
    return this.durable ? undefined : this.store?.snapshot()
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
  // The durable store's snapshot and journal (state.snapshot.json, state.journal).
  stateFiles: (p) => (p.stateDir === undefined ? undefined : {dir: p.stateDir, owns: (name) => name === SNAPSHOT_FILE || name === JOURNAL_FILE}),
}
