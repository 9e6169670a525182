/**
 * TEST-ONLY variants of the grid that put back the seed bot's original handler logic (seeds/002, "Current Code
 * (BROKEN)"), one fault each. The GRID scenario tests run them against the same scenario files and assert that
 * they FAIL the checks the real grid passes: that is what shows each test bites.
 */
import type {OrderSnapshot} from '../../src/core/order.js'
import type {PositionSnapshot} from '../../src/core/position.js'
import {type GridStateRecord, GridStrategy, type Leg, type SymbolGrid} from '../../strategies/grid/index.js'
import type {BalanceContext} from '../../strategies/grid/grid-metrics.js'
import {closingSide, SIDES, tpPrice} from '../../strategies/grid/model.js'

/** The naive handlers below reach into the grid's protected members; `any` keeps them short (test code only). */
type Self = any

function oneSideCancel(self: Self, g: SymbolGrid): boolean {
  let waiting = false
  for (const s of SIDES) {
    const leg: Leg = g.legs[s]
    const e = leg.entry
    if (!e) continue
    if (leg.size > 0) {
      // Forgotten, not cancelled.
      leg.entry = undefined
      self.slots.delete(e.cid)
      continue
    }
    waiting = true
    if (e.status === 'open') self.cancelSlot(g, leg, e, 'cycle')
  }
  return waiting
}

/** Seed #8: position updates during a sync are dropped (`_needs_resync = True; return`); undefined: go on. */
function syncBlocksPosition(self: Self, _g: SymbolGrid, _leg: Leg, _size: number, _avg: number, _ts: number, source: string, _exact?: boolean): boolean | undefined {
  if (source === 'event' && (self.syncing || self.restoring)) {
    self.needsResync = true
    return false
  }
  return undefined
}

/** Seed #8: after a sync that dropped updates, "RECOVERY MODE" rebuilds from the venue. True when it did. */
function recoveryMode(self: Self): boolean {
  if (!self.needsResync) return false
  self.needsResync = false
  self.restore('reconnect')
  return true
}

function doubleBalanceCheck(self: Self, context: BalanceContext, g: SymbolGrid, detail: string, required: number, then: (ok: boolean, retryAt?: number) => void): boolean {
  if (context !== 'averaging') return false
  self.metrics.balanceCalls.inc()
  self.call('check_and_reserve_balance', self.ctx.broker.account(), (first: {buyingPower: number}) => {
    self.metrics.balanceCalls.inc()
    self.call('check_reserve_before_averaging', self.ctx.broker.account(), (second: {buyingPower: number}) => {
      const ok = first.buyingPower >= required && second.buyingPower >= required
      if (!ok) self.ctx.log.warn(`Insufficient balance: need $${required.toFixed(2)}`)
      then(ok)
    })
  })
  return true
}

/**
 * GRID-01, seed error #1: `self._cancel_all_pending_entries(closed_position_side)` — after a take-profit only the
 * closed leg's pending entries are cancelled. The other leg's entry is dropped from the bookkeeping but stays live
 * on the venue, and the averaging orders are placed again: an orphan and a duplicate per level. (The seed had no
 * orphan sweep either.)
 */
export class OneSideCancelGrid extends GridStrategy {
  protected override cancelPendingForCycle(g: SymbolGrid): boolean {
    return oneSideCancel(this, g)
  }

  protected override unknownOrder(): void {}
}

/**
 * GRID-03, seed error #8: `if is_syncing: self._needs_resync = True; return` — position updates (closes included)
 * are dropped while the periodic sync runs; the close is found later by "RECOVERY MODE", a restore.
 */
export class SyncBlocksGrid extends GridStrategy {
  protected needsResync = false

  protected override onPositionReport(g: SymbolGrid, leg: Leg, size: number, avg: number, ts: number, source: 'event' | 'sync' | 'restore', exact?: boolean): boolean {
    return syncBlocksPosition(this, g, leg, size, avg, ts, source, exact) ?? super.onPositionReport(g, leg, size, avg, ts, source, exact)
  }

  protected override applySync(positions: readonly PositionSnapshot[], open: readonly OrderSnapshot[], sentAt: number): void {
    if (!recoveryMode(this)) super.applySync(positions, open, sentAt)
  }
}

/**
 * GRID-04, seed error #2: `new_tp_id = self.client.place_tp_order(...)` and only then `self._tp_orders[side] =
 * new_tp_id` — the take-profit is recorded after the request returns; an update about it that arrives earlier
 * finds nothing, and every decision taken in that window sees a leg without a take-profit.
 */
export class LateTrackingGrid extends GridStrategy {
  /** The seed placed a take-profit on each position update: once per position version. */
  private readonly placedFor = new Map<Leg, number>()

  protected override ensureTp(g: SymbolGrid, leg: Leg): void {
    if (leg.tp) {
      super.ensureTp(g, leg)
      return
    }
    if (this.ctx.clock.now() < leg.tpBlockedUntil || leg.version < leg.tpFilledAt || this.placedFor.get(leg) === leg.version) return
    this.placedFor.set(leg, leg.version)
    const slot = this.newSlot(g, leg, 't', Math.max(0, leg.level), leg.size, 0, 'sending')
    // Not yet recorded: newSlot put it in the model, the seed's code would not have.
    this.slots.delete(slot.cid)
    const price = tpPrice(leg, this.params.tpPct, g.inst.tickSize)
    slot.price = price
    slot.forVersion = leg.version
    this.call(
      'submit',
      this.ctx.orders.submit({clientOrderId: slot.cid, symbol: g.symbol, side: closingSide(leg.side), type: 'limit', qty: slot.qty, limitPrice: price, tif: 'gtc', reduceOnly: true, positionSide: leg.side}, {reason: 'take_profit'}),
      (out) => {
        if (!out.ok) return
        slot.status = 'open'
        slot.venueOrderId = out.receipt.venueOrderId
        // The late tracking write.
        this.slots.set(slot.cid, {g, leg, slot})
        leg.tp = slot
      },
    )
  }
}

/**
 * GRID-05, seed error #3: websocket callbacks stay active during a restore and set `_needs_resync = True` (the
 * event itself is not applied); after the restore a pending resync starts another restore, up to three attempts.
 */
export class ResyncLoopGrid extends GridStrategy {
  protected needsResync = false
  private attempts = 0

  protected override restore(reason: 'start' | 'reconnect'): void {
    if (this.restoring || this.dead) return
    this.restoring = true
    this.metrics.restores.inc()
    this.note('restore_start', {reason})
    const b = this.ctx.broker
    const sentAt = this.ctx.clock.now()
    const since = reason === 'reconnect' && this.disconnectedAt !== undefined ? this.disconnectedAt - this.params.syncIntervalMs : undefined
    void Promise.all([b.positions(), b.openOrders(), since === undefined ? Promise.resolve([]) : b.executionsSince(since)]).then(([p, o, f]) => {
      this.applyRestore(p, o, f, sentAt)
      this.restoring = false
      this.streamDown = false
      if (this.needsResync && this.attempts < 2) {
        this.needsResync = false
        this.attempts++
        this.metrics.resyncLoops.inc()
        this.restore(reason)
        return
      }
      this.needsResync = false
      this.attempts = 0
      this.post('restored', () => {})
    })
  }

  override onEvent(event: Parameters<GridStrategy['onEvent']>[0]): void {
    if (this.restoring) {
      this.needsResync = true
      this.note('dropped_during_restore', {kind: event.kind})
      return
    }
    super.onEvent(event)
  }
}

/**
 * GRID-06, seed error #4: `check_and_reserve_balance()` and `check_reserve_before_averaging()` both query the
 * balance: an averaging order costs two balance calls, logged without the operation's context.
 */
export class DoubleBalanceGrid extends GridStrategy {
  protected override balanceCheck(context: BalanceContext, g: SymbolGrid, detail: string, required: number, then: (ok: boolean, retryAt?: number) => void): void {
    if (!doubleBalanceCheck(this, context, g, detail, required, then)) super.balanceCheck(context, g, detail, required, then)
  }
}

/** GRID-07, seed error #7: `on_price_update()` has no pending-order adjustment. */
export class NoRecalcGrid extends GridStrategy {
  protected override shouldRecalculate(): boolean {
    return false
  }
}

/** GRID-08, seed error #6: `_reference_qty_per_level` is never cleared, only appended. */
export class KeepRefsGrid extends GridStrategy {
  protected override onBothFlat(): void {}
}

/**
 * GRID-02, seed error #5: the state is copied under the lock but written outside it. Here: each save takes its
 * record and hands it to the sink at once, without waiting for the previous write — a slow older write can land
 * after a newer one.
 */
export class UnlockedSaveGrid extends GridStrategy {
  protected override persist(): void {
    if (this.dead || !this.opts.sink) return
    const copy = this.stateRecord()
    void this.opts.sink.write(copy)
  }
}

/** GRID-10: the emergency flag lives in memory only (the seed's flag files were outside the bot's state). */
export class MemoryFlagGrid extends GridStrategy {
  override stateRecord(): GridStateRecord {
    const r = super.stateRecord()
    return {...r, emergency: {...r.emergency, active: false, reason: null, since: null}}
  }
}

/**
 * GRID-10: the seed had its stop criteria only as a manual checklist ("stop implementation and rollback if ...");
 * nothing in the bot acted on them. Here the monitor notices, and the bot trades on.
 */
export class NoEmergencyGrid extends GridStrategy {
  protected override onEmergency(reason: string): void {
    this.ctx.log.warn(`criterion met, no action: ${reason}`)
    this.emergency.active = false
  }
}

/** GRID-09: per-symbol state kept in one module-level map, shared by every account in the process. */
export class SharedStateGrid extends GridStrategy {
  static readonly shared = new Map<string, SymbolGrid>()

  override start(ctx: Parameters<GridStrategy['start']>[0]): void {
    super.start(ctx)
    for (let i = 0; i < this.grids.length; i++) {
      const mine = this.grids[i]
      const shared = SharedStateGrid.shared.get(mine.symbol) ?? mine
      SharedStateGrid.shared.set(mine.symbol, shared)
      this.grids[i] = shared
      this.bySymbol.set(mine.symbol, shared)
    }
    this.gridByIndex = ctx.symbols.map((s) => this.bySymbol.get(s))
  }
}

/** GRID-11: the seed bot as a whole — sync blocks closes, one-side cancel, double balance check, resync loops. */
/**
 * GRID-11: the seed bot as a whole — closes dropped during syncs and found by recovery, one-side cancel without an
 * orphan sweep, two balance queries per averaging order, resync loops around restores.
 */
export class SeedGrid extends ResyncLoopGrid {
  protected override onPositionReport(g: SymbolGrid, leg: Leg, size: number, avg: number, ts: number, source: 'event' | 'sync' | 'restore', exact?: boolean): boolean {
    return syncBlocksPosition(this, g, leg, size, avg, ts, source, exact) ?? super.onPositionReport(g, leg, size, avg, ts, source, exact)
  }

  protected override applySync(positions: readonly PositionSnapshot[], open: readonly OrderSnapshot[], sentAt: number): void {
    if (!recoveryMode(this)) super.applySync(positions, open, sentAt)
  }

  protected override cancelPendingForCycle(g: SymbolGrid): boolean {
    return oneSideCancel(this, g)
  }

  protected override unknownOrder(): void {}

  protected override balanceCheck(context: BalanceContext, g: SymbolGrid, detail: string, required: number, then: (ok: boolean, retryAt?: number) => void): void {
    if (!doubleBalanceCheck(this, context, g, detail, required, then)) super.balanceCheck(context, g, detail, required, then)
  }
}
