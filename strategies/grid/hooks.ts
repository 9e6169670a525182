/**
 * The few decisions of the grid a variant may replace, as small interfaces. The parts call these through
 * `rt.hooks`, never their own method directly, so a replacement takes effect everywhere the decision is taken.
 * Only test variants replace them (the seed bot's faults, put back to show that each scenario test bites); a
 * replacement gets the runtime and calls `rt.parts.<part>.<method>` for the default behaviour.
 */
import type {BrokerEvent} from '../../src/core/events.js'
import type {Fill} from '../../src/core/fill.js'
import type {Instrument} from '../../src/core/instrument.js'
import type {OrderSnapshot} from '../../src/core/order.js'
import type {PositionSnapshot} from '../../src/core/position.js'
import type {BalanceContext} from './grid-metrics.js'
import type {Leg, Slot, SymbolGrid} from './model.js'
import type {GridRuntime} from './runtime.js'
import type {GridStateRecord} from './state.js'

export type PositionSource = 'event' | 'sync' | 'restore'
export type RestoreReason = 'start' | 'reconnect'

/** Decisions → intents. */
export interface PlannerPolicy {
  /** GRID-01: after a close, cancels the pending entries; true while any is still live. */
  cancelPendingForCycle(g: SymbolGrid): boolean
  ensureTp(g: SymbolGrid, leg: Leg): void
  /** GRID-06: one balance query per operation. */
  balanceCheck(context: BalanceContext, g: SymbolGrid, detail: string, required: number, then: (ok: boolean, retryAt?: number) => void): void
  /** GRID-07: whether a pending entry is recalculated near the market. */
  shouldRecalculate(g: SymbolGrid, e: Slot): boolean
}

/** Applying the venue's reports. */
export interface MergePolicy {
  onPositionReport(g: SymbolGrid, leg: Leg, size: number, avg: number, ts: number, source: PositionSource, exact?: boolean): boolean
  /** A grid order the model does not hold. */
  unknownOrder(o: OrderSnapshot, source: string): void
  /** GRID-08: both legs went flat. */
  onBothFlat(g: SymbolGrid): void
}

/** Rebuilding the model from the venue's answers (restore) and the periodic sync. */
export interface SyncPolicy {
  restore(reason: RestoreReason): void
  applyRestore(positions: readonly PositionSnapshot[], open: readonly OrderSnapshot[], fills: readonly Fill[], sentAt: number): void
  finishRestore(reason: string): void
  applySync(positions: readonly PositionSnapshot[], open: readonly OrderSnapshot[], sentAt: number, ordersAt?: number): void
}

/** The state record and where it goes. */
export interface PersistencePolicy {
  persist(): void
  stateRecord(): GridStateRecord
  noteExecution(f: Fill): void
  load(r: GridStateRecord): void
}

/** The instance as a whole. */
export interface LifecyclePolicy {
  /** A venue event's way into the queue. */
  receive(event: BrokerEvent): void
  /** The model of a symbol of this instance. */
  newGrid(inst: Instrument): SymbolGrid
  /** GRID-10: an emergency criterion was met. */
  onEmergency(reason: string): void
}

export interface GridHooks {
  readonly planner: PlannerPolicy
  readonly merge: MergePolicy
  readonly sync: SyncPolicy
  readonly persistence: PersistencePolicy
  readonly lifecycle: LifecyclePolicy
}

/** Replacements for some hooks; whatever is not named keeps the default. */
export type GridOverrides = {readonly [K in keyof GridHooks]?: Partial<GridHooks[K]>}

/** The hooks of an instance: the parts' own methods, each replaced where `over` names one. */
export function hooksOf(rt: GridRuntime, over: GridOverrides = {}): GridHooks {
  const {planner, merge, sync, store, lifecycle} = rt.parts
  return {
    planner: {
      cancelPendingForCycle: (g) => planner.cancelPendingForCycle(g),
      ensureTp: (g, leg) => planner.ensureTp(g, leg),
      balanceCheck: (context, g, detail, required, then) => planner.balanceCheck(context, g, detail, required, then),
      shouldRecalculate: (g, e) => planner.shouldRecalculate(g, e),
      ...over.planner,
    },
    merge: {
      onPositionReport: (g, leg, size, avg, ts, source, exact) => merge.onPositionReport(g, leg, size, avg, ts, source, exact),
      unknownOrder: (o, source) => merge.unknownOrder(o, source),
      onBothFlat: (g) => merge.onBothFlat(g),
      ...over.merge,
    },
    sync: {
      restore: (reason) => sync.restore(reason),
      applyRestore: (positions, open, fills, sentAt) => sync.applyRestore(positions, open, fills, sentAt),
      finishRestore: (reason) => sync.finishRestore(reason),
      applySync: (positions, open, sentAt, ordersAt) => sync.applySync(positions, open, sentAt, ordersAt),
      ...over.sync,
    },
    persistence: {
      persist: () => store.persist(),
      stateRecord: () => store.stateRecord(),
      noteExecution: (f) => store.noteExecution(f),
      load: (r) => store.load(r),
      ...over.persistence,
    },
    lifecycle: {
      receive: (event) => lifecycle.receive(event),
      newGrid: (inst) => lifecycle.newGrid(inst),
      onEmergency: (reason) => lifecycle.onEmergency(reason),
      ...over.lifecycle,
    },
  }
}

/** Several variants' replacements as one (a later one wins for the same hook). */
export function combineOverrides(...all: GridOverrides[]): GridOverrides {
  const out: {-readonly [K in keyof GridHooks]?: Partial<GridHooks[K]>} = {}
  for (const o of all) for (const k of Object.keys(o) as (keyof GridHooks)[]) out[k] = {...out[k], ...o[k]} as never
  return out
}
