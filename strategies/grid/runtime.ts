/**
 * What every part of the grid shares: the session, the symbols' models, the instance's flags, and the primitives
 * that keep all work on the account queue (`post`, `call`, `wake`). The parts (slots, planner, orders, venue merge,
 * venue sync, persistence) each hold this runtime; they reach each other through `parts`, and the few decisions a
 * variant may replace through `hooks` (see hooks.ts).
 */
import type {BrokerEvent} from '../../src/core/events.js'
import {BrokerError, RateLimitError} from '../../src/broker/errors.js'
import type {TimerHandle} from '../../src/core/time/scheduler.js'
import type {StrategyContext} from '../../src/engine/strategy.js'
import {EmergencyMonitor} from './emergency.js'
import type {GridMetrics} from './grid-metrics.js'
import type {GridHooks, LifecyclePolicy} from './hooks.js'
import type {AccountInbox} from './inbox.js'
import type {Leg, SymbolGrid} from './model.js'
import type {GridOrders} from './orders.js'
import type {GridParams} from './params.js'
import type {GridPersistence} from './persistence.js'
import type {Planner} from './planner.js'
import type {SlotBook} from './slots.js'
import type {VenueMerge} from './venue-merge.js'
import type {VenueSync} from './venue-sync.js'

/** One input of the account queue: a venue event, a bar of a grid symbol, or a continuation to run. */
export interface GridInput {
  readonly label: string
  readonly event?: BrokerEvent
  readonly grid?: SymbolGrid
  readonly run?: () => void
}

export interface GridNote {
  readonly t: number
  readonly what: string
  readonly data: Record<string, unknown>
}

/** The grid's parts, each with one job; a variant's hook calls one of these for the default behaviour. */
export interface GridParts {
  readonly slots: SlotBook
  readonly planner: Planner
  readonly orders: GridOrders
  readonly merge: VenueMerge
  readonly sync: VenueSync
  readonly store: GridPersistence
  /** The instance's own lifecycle decisions (the strategy implements them). */
  readonly lifecycle: LifecyclePolicy
}


export class GridRuntime {
  /** Set by `start`; no part runs before it. */
  ctx!: StrategyContext
  metrics!: GridMetrics
  inbox!: AccountInbox<GridInput>
  parts!: GridParts
  hooks!: GridHooks
  readonly grids: SymbolGrid[] = []
  readonly bySymbol = new Map<string, SymbolGrid>()
  gridByIndex: (SymbolGrid | undefined)[] = []
  readonly emergency: EmergencyMonitor
  readonly notes: GridNote[] | undefined
  /** The periodic sync's timer first (kept when the list is trimmed), then wake-ups and retries. */
  readonly timers: TimerHandle[] = []
  restoring = false
  /** True from sending the periodic sync's queries to applying their answer (only naive variants look at it). */
  syncing = false
  streamDown = false
  disconnectedAt: number | undefined
  stopped = false
  dead = false
  /** Inputs changed the state since it was last persisted. */
  dirty = false

  constructor(readonly params: GridParams, trace: boolean) {
    this.emergency = new EmergencyMonitor(params.emergency)
    this.notes = trace ? [] : undefined
  }

  now(): number {
    return this.ctx.clock.now()
  }

  post(label: string, run: () => void): void {
    if (this.dead) return
    this.inbox.push({label, run})
  }

  /** Sends a request; its answer comes back through the queue like any other input. */
  call<T>(label: string, p: Promise<T>, ok: (value: T) => void, fail?: (err: unknown) => void): void {
    p.then(
      (v) => this.post(label, () => ok(v)),
      (err: unknown) => this.post(label, () => (fail ? fail(err) : this.handlerError(err, {label}))),
    )
  }

  handlerError(err: unknown, input: {label: string}): void {
    this.metrics.errors.inc()
    this.ctx.log.error(`grid: handling ${input.label} failed: ${err instanceof Error ? err.message : String(err)}; the grid carries on`, {stack: err instanceof Error ? err.stack : undefined})
  }

  note(what: string, data: Record<string, unknown>): void {
    if (this.notes && this.notes.length < 100_000) this.notes.push({t: this.ctx.clock.now(), what, data})
  }

  /** When to try again after a failed request: a rate limit's reset time, else retryMs from now. */
  retryAfter(err: unknown): number {
    const now = this.ctx.clock.now()
    return err instanceof RateLimitError ? Math.max(now + 1, err.resetAt) : now + this.params.retryMs
  }

  block(leg: Leg, until: number): void {
    leg.blockedUntil = until
    this.wake(until)
  }

  /** Reconsiders the grid at `at` even if nothing else happens by then. */
  wake(at: number): void {
    if (this.dead) return
    this.timers.push(this.ctx.scheduler.at(at, () => this.post('wake', () => {})))
    if (this.timers.length > 64) this.timers.splice(1, this.timers.length - 33)
  }

  /** Resolves at engine time `at`; never, once this instance is dead (its timers are cancelled). */
  until(at: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.dead) this.timers.push(this.ctx.scheduler.at(at, resolve))
    })
  }
}

export function errorText(err: unknown): string {
  if (err instanceof BrokerError) return `${err.code ?? err.name}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}
