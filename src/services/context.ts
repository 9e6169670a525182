/**
 * What every service of the pipeline is given: the engine context, the shared store (read) and its one writer,
 * the bus they talk through, the session rule, and the symbols they trade. Nothing mutable is shared except
 * through the store.
 */
import type {EventBus} from '../engine/event-bus.js'
import type {StrategyContext} from '../engine/strategy.js'
import {NS} from '../state/pipeline-state.js'
import {type StateStore, StoreFencedError, type StoreWriter} from '../state/store.js'
import type {PipelineConfig} from './config.js'
import type {SessionFilter} from './session.js'

/** What the services tell each other. Dispatch is synchronous and in subscription order. */
export interface PipelineEvents extends Record<string, unknown> {
  /** New entries in the signal inbox. */
  signals: {readonly count: number}
  /** A sell signal was written. */
  sell: {readonly symbol: string}
  /** A position was opened or changed size. */
  position: {readonly symbol: string}
  /** A trade closed (the cooldown is set). */
  closed: {readonly symbol: string}
  /** Reconciliation finished: decisions may start. */
  ready: {readonly kind: string}
}

export interface ServiceDeps {
  readonly ctx: StrategyContext
  readonly store: StateStore
  readonly writer: StoreWriter
  readonly bus: EventBus<PipelineEvents>
  readonly session: SessionFilter
  readonly config: PipelineConfig
  /** Scope of signal ids ('momentum'). */
  readonly strategy: string
  /** Per symbol index of the run: whether the pipeline trades it. */
  readonly universe: readonly boolean[]
  /** Symbol → index in ctx.symbols. */
  readonly indexOf: ReadonlyMap<string, number>
  /** Reconciliation done: no decision before it (ALP-02, ALP-13). */
  readonly isReady: () => boolean
}

/** Stocks take DAY orders (queued for the open outside hours); crypto venues take GTC. */
export function tifFor(assetClass: string): 'day' | 'gtc' {
  return assetClass === 'us_equity' ? 'day' : 'gtc'
}

/** Adds one to a counter in the store (dropped signals by reason, ...). */
export function count(deps: Pick<ServiceDeps, 'store' | 'writer'>, name: string): void {
  deps.writer.update(NS.counters, name, (n) => (n ?? 0) + 1)
}

/**
 * Runs a continuation of a service unless the service was torn down meanwhile (a restart). A fenced store write
 * is what a torn-down service's late continuation gets, so it is expected there, not an error; anything else is
 * reported through `onError` and rethrown.
 */
export function unlessStopped(stopped: () => boolean, fn: () => void, onError?: (err: unknown) => void): void {
  if (stopped()) return
  try {
    fn()
  } catch (err) {
    if (err instanceof StoreFencedError) return
    onError?.(err)
    throw err
  }
}
