/**
 * Merging the venue's reports into the model: position reports by venue time (events, sync and restore answers
 * alike), order reports into their slots, late reports of ended orders, orphans, and the answer to a question
 * about one order.
 */
import {QTY_EPS} from '../../src/core/quantity.js'
import type {OrderSnapshot} from '../../src/core/order.js'
import {isTerminal} from '../../src/core/order-state.js'
import type {MergePolicy, PositionSource} from './hooks.js'
import type {Leg, Slot, SymbolGrid} from './model.js'
import {parseGridId} from './order-ids.js'
import {errorText, type GridRuntime} from './runtime.js'

export class VenueMerge implements MergePolicy {
  /** Orphans whose cancel was sent (bounded). */
  readonly orphanCancels = new Set<string>()

  constructor(private readonly rt: GridRuntime) {}

  /**
   * Position reports from events, syncs and restores all land here. `exact`: `ts` is the venue time of the last
   * fill (a restore that could not tell passes false, and the close latency is not measured).
   */
  onPositionReport(g: SymbolGrid, leg: Leg, size: number, avg: number, ts: number, source: PositionSource, exact = source !== 'restore'): boolean {
    return this.applyPosition(g, leg, size, avg, ts, source, exact)
  }

  /**
   * Merges a position report by venue time: an event older than what we know (or than an adopted query answer,
   * which already contained it) is stale; a query answer is adopted when it is at least as new as local state.
   */
  private applyPosition(g: SymbolGrid, leg: Leg, size: number, avg: number, ts: number, source: PositionSource, exact: boolean): boolean {
    if (source === 'event' && (ts < leg.version || ts <= leg.floor)) return false
    if (source === 'sync' && ts < leg.version) return false
    if (source !== 'event') leg.floor = Math.max(leg.floor, ts)
    leg.version = Math.max(leg.version, ts)
    this.rt.parts.store.dropUnreported(leg, leg.version)
    const was = leg.size
    if (size === was && avg === leg.avg) return false
    leg.size = size
    leg.avg = avg
    this.rt.dirty = true
    if (was > 0 && size === 0) this.legClosed(g, leg, ts, exact)
    else if (was === 0 && size > 0) this.legOpened(g, leg)
    return true
  }

  private legOpened(g: SymbolGrid, leg: Leg): void {
    if (leg.level < 0) leg.level = 0
    if (!(leg.lastEntryPrice > 0)) leg.lastEntryPrice = leg.avg
    leg.wantOpen = false
    if (g.maxLevel < leg.level) g.maxLevel = leg.level
    this.rt.metrics.maxLevel.max(leg.level)
  }

  /** A leg went flat (its take-profit filled, usually): start a cycle. */
  legClosed(g: SymbolGrid, leg: Leg, ts: number, timed: boolean): void {
    const rt = this.rt
    const now = rt.now()
    if (timed) rt.metrics.tpCloseLatency.observe(now - ts)
    rt.metrics.cycles.inc()
    g.cycle++
    if (g.phase !== 'idle') g.phase = 'cycling'
    leg.level = -1
    leg.lastEntryPrice = 0
    leg.recalcAnchor = undefined
    leg.closedAt = ts
    leg.wantOpen = rt.params.reopen === 'closed'
    rt.ctx.log.info(`grid: ${g.symbol} ${leg.side} leg closed (venue time ${ts}); cancelling every pending entry on both legs before ${leg.wantOpen ? 'reopening it' : 'going on'}`, {symbol: g.symbol, side: leg.side, cycle: g.cycle})
    rt.ctx.record('grid_close', {symbol: g.symbol, side: leg.side, venueTs: ts, cycle: g.cycle})
    rt.note('close', {symbol: g.symbol, side: leg.side, venueTs: ts, latency: now - ts, cycle: g.cycle})
    if (g.legs.long.size === 0 && g.legs.short.size === 0) rt.hooks.merge.onBothFlat(g)
  }

  /** GRID-08: both legs flat: the reference quantities start afresh at the next use. */
  onBothFlat(g: SymbolGrid): void {
    const had = g.refs.filter((q) => q > 0).length
    g.refs = []
    this.rt.metrics.refClears.inc()
    this.rt.ctx.log.info(`grid: ${g.symbol} both legs flat; cleared ${had} reference quantities`)
    this.rt.note('refs_cleared', {symbol: g.symbol, had})
  }

  onOrderReport(o: OrderSnapshot, source: PositionSource): void {
    const ref = this.rt.parts.slots.live.get(o.clientOrderId)
    if (!ref) {
      this.rt.hooks.merge.unknownOrder(o, source)
      return
    }
    const {g, leg, slot} = ref
    if (o.venueOrderId) slot.venueOrderId = o.venueOrderId
    if (o.filledQty > slot.filledQty + QTY_EPS) {
      slot.filledQty = o.filledQty
      slot.avgFillPrice = o.avgFillPrice
    }
    if (isTerminal(o.status)) {
      if (slot.role === 't' && slot.filledQty > QTY_EPS) leg.tpFilledAt = Math.max(leg.tpFilledAt, o.updatedAt)
      this.rt.parts.slots.slotEnded(g, leg, slot, o.status)
      return
    }
    if (slot.status === 'sending' || slot.status === 'unknown') {
      slot.status = 'open'
      this.acked(leg, slot, o.createdAt, source)
    }
    if (slot.status === 'open') {
      slot.qty = o.qty
      if (o.limitPrice !== undefined) slot.price = o.limitPrice
    }
  }

  /** A grid order the model does not hold: a late report of an ended one, or an orphan to cancel. */
  unknownOrder(o: OrderSnapshot, source: string): void {
    const tag = parseGridId(o.clientOrderId)
    if (!tag || !this.rt.bySymbol.has(o.symbol)) return
    const ended = this.rt.parts.slots.finished.get(o.clientOrderId)
    if (ended) {
      // Fills reported after we saw the order end (a cancel confirmed before the fill's report arrived).
      if (o.filledQty > ended.slot.filledQty + QTY_EPS) {
        ended.slot.filledQty = o.filledQty
        if (ended.slot.role === 'e' && ended.leg.size > 0) ended.leg.level = Math.max(ended.leg.level, ended.slot.level)
      }
      return
    }
    if (isTerminal(o.status)) return
    const tracked = this.rt.ctx.account.orders.get(o.clientOrderId)
    if (tracked && isTerminal(tracked.status)) return
    this.cancelOrphan(o, source)
  }

  private cancelOrphan(o: OrderSnapshot, source: string): void {
    const rt = this.rt
    if (this.orphanCancels.has(o.clientOrderId)) return
    if (this.orphanCancels.size > 1000) this.orphanCancels.clear()
    this.orphanCancels.add(o.clientOrderId)
    rt.metrics.orphans.inc()
    rt.ctx.log.warn(`grid: orphan order ${o.clientOrderId} (${o.side} ${o.qty} @ ${o.limitPrice ?? 'market'}) is open on the venue but no longer part of the grid (seen by ${source}); cancelling it`)
    rt.note('orphan', {cid: o.clientOrderId, source})
    rt.call('cancel-orphan', rt.ctx.orders.cancel({clientOrderId: o.clientOrderId}), () => {})
  }

  acked(leg: Leg, slot: Slot, venueTs: number, via: string): void {
    if (slot.role === 'r' && leg.closedAt !== undefined) {
      this.rt.metrics.reopenLatency.observe(venueTs - leg.closedAt)
      leg.closedAt = undefined
    }
    this.rt.note('acked', {cid: slot.cid, role: slot.role, via})
  }

  /** Asks the venue about one order and applies the answer (a failed cancel or amend, a lost report). */
  resolveSlot(g: SymbolGrid, leg: Leg, slot: Slot): void {
    const rt = this.rt
    const {slots, orders} = rt.parts
    rt.call(
      'get-order',
      rt.ctx.broker.getOrder({clientOrderId: slot.cid}),
      (snap) => {
        if (slot.status === 'done') return
        if (!snap) {
          if (slot.status !== 'sending' && slot.status !== 'checking') slots.slotEnded(g, leg, slot, 'rejected')
          return
        }
        rt.ctx.account.orders.applySnapshot(snap, rt.now())
        if (snap.filledQty > slot.filledQty + QTY_EPS) {
          slot.filledQty = snap.filledQty
          slot.avgFillPrice = snap.avgFillPrice
        }
        if (isTerminal(snap.status)) {
          // As for an order report: no new take-profit until the position report covers this fill.
          if (slot.role === 't' && slot.filledQty > QTY_EPS) leg.tpFilledAt = Math.max(leg.tpFilledAt, snap.updatedAt)
          slots.slotEnded(g, leg, slot, snap.status)
        } else if (slot.status !== 'amending') slot.status = 'open'
      },
      (err) => {
        if (slot.status === 'cancelling') {
          // A refused cancel waits for this answer: ask again (at the rate limit's reset), never cancel blindly.
          const at = rt.retryAfter(err)
          rt.ctx.log.warn(`grid: querying order ${slot.cid} after a refused cancel failed (${errorText(err)}); asking again at ${at}`)
          if (!rt.dead) rt.timers.push(rt.ctx.scheduler.at(at, () => rt.post('get-order', () => slot.status === 'cancelling' && this.resolveSlot(g, leg, slot))))
          return
        }
        orders.backOff(slot, err)
        rt.ctx.log.warn(`grid: querying order ${slot.cid} failed (${errorText(err)}); trying again from ${slot.notBefore}`)
      },
    )
  }
}
