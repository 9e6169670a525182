/**
 * TEST-ONLY variants of the grid that put back the seed bot's original handler logic (seeds/002, "Current Code
 * (BROKEN)"), one fault each. The GRID scenario tests run them against the same scenario files and assert that
 * they FAIL the checks the real grid passes: that is what shows each test bites.
 *
 * Each variant is the real grid with some of its hooks replaced (strategies/grid/hooks.ts): the replacement gets
 * the grid's runtime and calls `rt.parts.<part>.<method>` where the real behaviour is wanted.
 */
import {type GridOptions, type GridParams, type GridStateRecord, GridStrategy, type Leg, type SymbolGrid} from '../../strategies/grid/index.js'
import type {BalanceContext} from '../../strategies/grid/grid-metrics.js'
import {combineOverrides, type GridOverrides, type PositionSource} from '../../strategies/grid/hooks.js'
import {closingSide, SIDES, tpPrice} from '../../strategies/grid/model.js'
import type {GridRuntime} from '../../strategies/grid/runtime.js'

type Overrides = (rt: GridRuntime) => GridOverrides

/** The seed's `_needs_resync` flag, shared by the faults that set and read it. */
interface SeedFlags {
  needsResync: boolean
}

/** The grid with `make`'s replacements (several variants' at once: `combined`). */
function withOverrides(opts: GridOptions, make: Overrides): GridOptions {
  return {...opts, overrides: make}
}

function combined(...makes: Overrides[]): Overrides {
  return (rt) => combineOverrides(...makes.map((m) => m(rt)))
}

/** Seed #1: only the closed leg's pending entries are cancelled; the other leg's is forgotten, not cancelled. */
const oneSideCancel: Overrides = (rt) => ({
  planner: {
    cancelPendingForCycle: (g) => {
      let waiting = false
      for (const s of SIDES) {
        const leg: Leg = g.legs[s]
        const e = leg.entry
        if (!e) continue
        if (leg.size > 0) {
          // Forgotten, not cancelled.
          leg.entry = undefined
          rt.parts.slots.live.delete(e.cid)
          continue
        }
        waiting = true
        if (e.status === 'open') rt.parts.orders.cancelSlot(g, leg, e, 'cycle')
      }
      return waiting
    },
  },
  // The seed had no orphan sweep either.
  merge: {unknownOrder: () => {}},
})

/**
 * Seed #8: position updates during a sync are dropped (`_needs_resync = True; return`); after a sync that dropped
 * some, "RECOVERY MODE" rebuilds from the venue (a restore) instead of applying the sync's answer.
 */
const syncBlocks =
  (flags: SeedFlags): Overrides =>
  (rt) => ({
    merge: {
      onPositionReport: (g: SymbolGrid, leg: Leg, size: number, avg: number, ts: number, source: PositionSource, exact?: boolean) => {
        if (source === 'event' && (rt.syncing || rt.restoring)) {
          flags.needsResync = true
          return false
        }
        return rt.parts.merge.onPositionReport(g, leg, size, avg, ts, source, exact)
      },
    },
    sync: {
      // The seed's sync had no separate open-orders time: `ordersAt` is left to default to `sentAt`.
      applySync: (positions, open, sentAt) => {
        if (!flags.needsResync) return rt.parts.sync.applySync(positions, open, sentAt)
        flags.needsResync = false
        rt.hooks.sync.restore('reconnect')
      },
    },
  })

/** Seed #4: two balance queries per averaging order, logged without the operation's context. */
const doubleBalance: Overrides = (rt) => ({
  planner: {
    balanceCheck: (context: BalanceContext, g, detail, required, then) => {
      if (context !== 'averaging') return rt.parts.planner.balanceCheck(context, g, detail, required, then)
      rt.metrics.balanceCalls.inc()
      rt.call('check_and_reserve_balance', rt.ctx.broker.account(), (first) => {
        rt.metrics.balanceCalls.inc()
        rt.call('check_reserve_before_averaging', rt.ctx.broker.account(), (second) => {
          const ok = first.buyingPower >= required && second.buyingPower >= required
          if (!ok) rt.ctx.log.warn(`Insufficient balance: need $${required.toFixed(2)}`)
          then(ok)
        })
      })
    },
  },
})

/**
 * Seed #3: websocket callbacks stay active during a restore and set `_needs_resync = True` (the event itself is
 * not applied); after the restore a pending resync starts another restore, up to three attempts.
 */
const resyncLoop =
  (flags: SeedFlags): Overrides =>
  (rt) => {
    let attempts = 0
    const restore = (reason: 'start' | 'reconnect'): void => {
      if (rt.restoring || rt.dead) return
      rt.restoring = true
      rt.metrics.restores.inc()
      rt.note('restore_start', {reason})
      const b = rt.ctx.broker
      const sentAt = rt.ctx.clock.now()
      const since = reason === 'reconnect' && rt.disconnectedAt !== undefined ? rt.disconnectedAt - rt.params.syncIntervalMs : undefined
      void Promise.all([b.positions(), b.openOrders(), since === undefined ? Promise.resolve([]) : b.executionsSince(since)]).then(([p, o, f]) => {
        rt.hooks.sync.applyRestore(p, o, f, sentAt)
        rt.restoring = false
        rt.streamDown = false
        if (flags.needsResync && attempts < 2) {
          flags.needsResync = false
          attempts++
          rt.metrics.resyncLoops.inc()
          rt.hooks.sync.restore(reason)
          return
        }
        flags.needsResync = false
        attempts = 0
        rt.post('restored', () => {})
      })
    }
    return {
      sync: {restore},
      lifecycle: {
        receive: (event) => {
          if (rt.restoring) {
            flags.needsResync = true
            rt.note('dropped_during_restore', {kind: event.kind})
            return
          }
          rt.parts.lifecycle.receive(event)
        },
      },
    }
  }

/**
 * GRID-01, seed error #1: `self._cancel_all_pending_entries(closed_position_side)` — after a take-profit only the
 * closed leg's pending entries are cancelled. The other leg's entry is dropped from the bookkeeping but stays live
 * on the venue, and the averaging orders are placed again: an orphan and a duplicate per level. (The seed had no
 * orphan sweep either.)
 */
export class OneSideCancelGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, oneSideCancel))
  }
}

/**
 * GRID-03, seed error #8: `if is_syncing: self._needs_resync = True; return` — position updates (closes included)
 * are dropped while the periodic sync runs; the close is found later by "RECOVERY MODE", a restore.
 */
export class SyncBlocksGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, syncBlocks({needsResync: false})))
  }
}

/**
 * GRID-04, seed error #2: `new_tp_id = self.client.place_tp_order(...)` and only then `self._tp_orders[side] =
 * new_tp_id` — the take-profit is recorded after the request returns; an update about it that arrives earlier
 * finds nothing, and every decision taken in that window sees a leg without a take-profit.
 */
export class LateTrackingGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, lateTracking))
  }
}

const lateTracking: Overrides = (rt) => {
  /** The seed placed a take-profit on each position update: once per position version. */
  const placedFor = new Map<Leg, number>()
  return {
    planner: {
      ensureTp: (g, leg) => {
        if (leg.tp) {
          rt.parts.planner.ensureTp(g, leg)
          return
        }
        if (rt.ctx.clock.now() < leg.tpBlockedUntil || leg.version < leg.tpFilledAt || placedFor.get(leg) === leg.version) return
        placedFor.set(leg, leg.version)
        const slot = rt.parts.slots.newSlot(g, leg, 't', Math.max(0, leg.level), leg.size, 0, 'sending')
        // Not yet recorded: newSlot put it in the model, the seed's code would not have.
        rt.parts.slots.live.delete(slot.cid)
        const price = tpPrice(leg, rt.params.tpPct, g.inst.tickSize)
        slot.price = price
        slot.forVersion = leg.version
        rt.call(
          'submit',
          rt.ctx.orders.submit({clientOrderId: slot.cid, symbol: g.symbol, side: closingSide(leg.side), type: 'limit', qty: slot.qty, limitPrice: price, tif: 'gtc', reduceOnly: true, positionSide: leg.side}, {reason: 'take_profit'}),
          (out) => {
            if (!out.ok) return
            slot.status = 'open'
            slot.venueOrderId = out.receipt.venueOrderId
            // The late tracking write.
            rt.parts.slots.live.set(slot.cid, {g, leg, slot})
            leg.tp = slot
          },
        )
      },
    },
  }
}

/**
 * GRID-05, seed error #3: websocket callbacks stay active during a restore and set `_needs_resync = True` (the
 * event itself is not applied); after the restore a pending resync starts another restore, up to three attempts.
 */
export class ResyncLoopGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, resyncLoop({needsResync: false})))
  }
}

/**
 * GRID-06, seed error #4: `check_and_reserve_balance()` and `check_reserve_before_averaging()` both query the
 * balance: an averaging order costs two balance calls, logged without the operation's context.
 */
export class DoubleBalanceGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, doubleBalance))
  }
}

/** GRID-07, seed error #7: `on_price_update()` has no pending-order adjustment. */
export class NoRecalcGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, () => ({planner: {shouldRecalculate: () => false}})))
  }
}

/** GRID-08, seed error #6: `_reference_qty_per_level` is never cleared, only appended. */
export class KeepRefsGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, withOverrides(opts, () => ({merge: {onBothFlat: () => {}}})))
  }
}

/**
 * GRID-02, seed error #5: the state is copied under the lock but written outside it. Here: each save takes its
 * record and hands it to the sink at once, without waiting for the previous write — a slow older write can land
 * after a newer one.
 */
export class UnlockedSaveGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(
      params,
      withOverrides(opts, (rt) => ({
        persistence: {
          persist: () => {
            if (rt.dead || !opts.sink) return
            const copy = rt.hooks.persistence.stateRecord()
            void opts.sink.write(copy)
          },
        },
      })),
    )
  }
}

/** GRID-10: the emergency flag lives in memory only (the seed's flag files were outside the bot's state). */
export class MemoryFlagGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(
      params,
      withOverrides(opts, (rt) => ({
        persistence: {
          stateRecord: (): GridStateRecord => {
            const r = rt.parts.store.stateRecord()
            return {...r, emergency: {...r.emergency, active: false, reason: null, since: null}}
          },
        },
      })),
    )
  }
}

/**
 * GRID-10: the seed had its stop criteria only as a manual checklist ("stop implementation and rollback if ...");
 * nothing in the bot acted on them. Here the monitor notices, and the bot trades on.
 */
export class NoEmergencyGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(
      params,
      withOverrides(opts, (rt) => ({
        lifecycle: {
          onEmergency: (reason) => {
            rt.ctx.log.warn(`criterion met, no action: ${reason}`)
            rt.emergency.active = false
          },
        },
      })),
    )
  }
}

/** GRID-09: per-symbol state kept in one module-level map, shared by every account in the process. */
export class SharedStateGrid extends GridStrategy {
  static readonly shared = new Map<string, SymbolGrid>()

  constructor(params: GridParams, opts: GridOptions = {}) {
    super(
      params,
      withOverrides(opts, (rt) => ({
        lifecycle: {
          newGrid: (inst) => {
            const shared = SharedStateGrid.shared.get(inst.symbol) ?? rt.parts.lifecycle.newGrid(inst)
            SharedStateGrid.shared.set(inst.symbol, shared)
            return shared
          },
        },
      })),
    )
  }
}

/**
 * GRID-11: the seed bot as a whole — closes dropped during syncs and found by recovery, one-side cancel without an
 * orphan sweep, two balance queries per averaging order, resync loops around restores.
 */
export class SeedGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    const flags: SeedFlags = {needsResync: false}
    super(params, withOverrides(opts, combined(resyncLoop(flags), syncBlocks(flags), oneSideCancel, doubleBalance)))
  }
}
