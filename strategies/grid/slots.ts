/**
 * Slot bookkeeping: every live grid order by client order id (in here BEFORE its request leaves, GRID-04), the
 * recently ended ones (so late reports about them are recognised), the order numbers, and the one place a slot
 * is made.
 */
import {QTY_EPS} from '../../src/core/quantity.js'
import type {OrderStatus} from '../../src/core/order.js'
import type {Leg, LegSide, Slot, SlotStatus, SymbolGrid} from './model.js'
import {idKey, idLeg, type Role} from './order-ids.js'
import {type GridRuntime} from './runtime.js'

export interface SlotRef {
  readonly g: SymbolGrid
  readonly leg: Leg
  readonly slot: Slot
}

/** What differs between slots at birth; the rest starts the same for every slot. */
export interface SlotInit {
  readonly cid: string
  readonly role: Role
  readonly side: LegSide
  readonly level: number
  readonly qty: number
  readonly price: number
  readonly status: SlotStatus
  readonly createdAt: number
  readonly placedAtMarket: number
  readonly cycle: number
  /** An order adopted from the venue brings what it has filled so far, and its venue id. */
  readonly filledQty?: number
  readonly avgFillPrice?: number
  readonly venueOrderId?: string
}

/** The one factory of the slot literal (new decisions, orders adopted at a restore, slots loaded from a record). */
export function makeSlot(s: SlotInit): Slot {
  return {cid: s.cid, role: s.role, side: s.side, level: s.level, qty: s.qty, price: s.price, status: s.status, filledQty: s.filledQty ?? 0, avgFillPrice: s.avgFillPrice ?? 0, createdAt: s.createdAt, placedAtMarket: s.placedAtMarket, cycle: s.cycle, forVersion: -Infinity, venueOrderId: s.venueOrderId, cancelReason: undefined, notBefore: -Infinity}
}

const FINISHED_KEPT = 512

export class SlotBook {
  /** Every live grid order by client order id. */
  readonly live = new Map<string, SlotRef>()
  /** Recently ended orders (bounded). */
  readonly finished = new Map<string, SlotRef>()
  nextOrderNo = 1

  constructor(private readonly rt: GridRuntime) {}

  /** A new decision's slot, with the next order number; in the model before any request about it leaves (GRID-04). */
  newSlot(g: SymbolGrid, leg: Leg, role: Role, level: number, qty: number, price: number, status: SlotStatus): Slot {
    const ctx = this.rt.ctx
    const cid = ctx.clientOrderId(idKey(g.symbol, this.nextOrderNo++), idLeg(leg.side, role, level))
    const slot = makeSlot({cid, role, side: leg.side, level, qty, price, status, createdAt: ctx.clock.now(), placedAtMarket: g.mark, cycle: g.cycle})
    this.live.set(cid, {g, leg, slot})
    this.rt.dirty = true
    return slot
  }

  /** A slot known from elsewhere (the venue, a state record): tracked and seated in its leg by role. */
  install(g: SymbolGrid, leg: Leg, slot: Slot): void {
    this.live.set(slot.cid, {g, leg, slot})
    if (slot.role === 't') leg.tp = slot
    else if (slot.role === 'e') leg.entry = slot
    else leg.opening = slot
  }

  /** An order number seen on the venue is never handed out again. */
  seen(n: number): void {
    this.nextOrderNo = Math.max(this.nextOrderNo, n + 1)
  }

  slotEnded(g: SymbolGrid, leg: Leg, slot: Slot, status: OrderStatus | 'abandoned'): void {
    if (slot.status === 'done') return
    slot.status = 'done'
    if (slot.filledQty > QTY_EPS) {
      const price = slot.avgFillPrice > 0 ? slot.avgFillPrice : slot.price
      if (slot.role === 'e') {
        leg.level = Math.max(leg.level, slot.level)
        leg.lastEntryPrice = price
        leg.recalcAnchor = undefined
      } else if (slot.role === 'o' || slot.role === 'r') {
        // The fill proves the leg is open, even if its position report is still on the way.
        if (leg.level < 0) leg.level = 0
        leg.lastEntryPrice = price
        leg.wantOpen = false
      }
      if (leg.level > g.maxLevel) g.maxLevel = leg.level
      this.rt.metrics.maxLevel.max(leg.level)
    }
    if (leg.tp === slot) leg.tp = undefined
    if (leg.entry === slot) leg.entry = undefined
    if (leg.opening === slot) leg.opening = undefined
    this.live.delete(slot.cid)
    this.finished.set(slot.cid, {g, leg, slot})
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!)
    this.rt.dirty = true
    this.rt.note('ended', {cid: slot.cid, role: slot.role, status, filled: slot.filledQty})
  }
}
