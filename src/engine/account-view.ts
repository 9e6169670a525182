/**
 * What the engine knows about its account, built only from what the venue reported: orders (through the
 * tracker), positions and the last account report. Strategies read it instead of asking the venue for every
 * decision.
 *
 * Positions move with executions (each applied once) and are set by the venue's own position reports: a report is
 * the venue's truth as of its time, so it replaces the position, and the executions applied since (newer than the
 * report) are laid on top again. That is how the view recovers from executions the stream lost (a dropped frame, an
 * outage) — the next report carries them — and from executions that arrive after their report (they are in it
 * already). Executions may also arrive out of order: a reduction bigger than the leg (its opening fill is late or
 * lost) takes the leg to flat and keeps the rest as owed, which the late opening fill pays first; the next report
 * settles it either way. Nothing here throws on the venue's word (issue 12: a PositionError from the view aborted
 * grid runs after a reconnect with executions dropped or reordered).
 */
import type {BrokerEvent} from '../core/events.js'
import type {Fill} from '../core/fill.js'
import type {AccountSnapshot} from '../core/ledger.js'
import type {PositionSide} from '../core/order.js'
import {type AnyPosition, PositionBook, type PositionSnapshot, sameQty} from '../core/position.js'
import {OrderTracker, type TrackerLimits} from '../broker/order-tracker.js'

/** Per position: the newest venue report applied, and what executions did since. */
interface Reported {
  ts: number
  /** Reduction beyond the leg, waiting for the (late) opening fill that pays it (hedge legs). */
  owed: number
  /** Executions applied after the report, re-applied when a newer report resets the position (bounded). */
  after: Fill[]
}

/** Executions kept per position for re-applying over a report: a report comes with every fill on venues that send them. */
const MAX_AFTER = 1024

export class AccountView {
  readonly orders: OrderTracker
  readonly positions = new PositionBook()
  account: AccountSnapshot | undefined
  /** Executions seen twice (stream duplicate, or stream and poll) and ignored. */
  duplicateFills = 0
  /** Reductions that found the position short (an execution late or lost): the next venue report settles them. */
  positionGaps = 0
  private readonly reported = new Map<string, Reported>()

  /** `limits`: how much of a long session the order tracker remembers (defaults in `TrackerLimits`). */
  constructor(readonly initialCash: number, limits?: TrackerLimits) {
    this.orders = new OrderTracker(limits)
  }

  /** Applies one venue event; returns false when it was a duplicate execution. */
  apply(event: BrokerEvent, receivedAt: number): boolean {
    switch (event.kind) {
      case 'order':
        this.orders.applySnapshot(event.order, receivedAt)
        return true
      case 'execution': {
        if (!this.orders.applyFill(event.fill, receivedAt)) {
          this.duplicateFills++
          return false
        }
        this.applyExecution(event.fill)
        return true
      }
      case 'position':
        this.applyReport(event.position)
        return true
      case 'account':
        if (!this.account || event.account.ts >= this.account.ts) this.account = event.account
        return true
      default:
        return true
    }
  }

  private applyExecution(f: Fill): void {
    const r = this.reportOf(f.symbol, f.positionSide)
    // The venue's report of that time already counts it (the report overtook the execution).
    if (f.ts <= r.ts) return
    r.after.push(f)
    if (r.after.length > MAX_AFTER) r.after.shift()
    this.move(this.positions.get(f.symbol, f.positionSide), r, f)
  }

  private applyReport(p: PositionSnapshot): void {
    const r = this.reportOf(p.symbol, p.side)
    if (p.ts < r.ts) return
    r.ts = p.ts
    r.owed = 0
    this.positions.reset(p.symbol, p.side, p.qty, p.avgPrice, p.ts)
    r.after = r.after.filter((f) => f.ts > p.ts)
    const pos = this.positions.get(p.symbol, p.side)
    for (const f of r.after) this.move(pos, r, f)
  }

  /** An execution moves its position; a hedge leg never goes below flat (the excess is owed, see above). */
  private move(pos: AnyPosition, r: Reported, f: Fill): void {
    if (!('side' in pos)) {
      pos.apply(f.side, f.qty, f.price, f.ts)
      return
    }
    let qty = f.qty
    if (f.side === pos.openingSide) {
      const paid = Math.min(r.owed, qty)
      r.owed = sameQty(paid, r.owed) ? 0 : r.owed - paid
      qty = sameQty(paid, qty) ? 0 : qty - paid
    } else if (qty > pos.qty && !sameQty(qty, pos.qty)) {
      this.positionGaps++
      r.owed += qty - pos.qty
      qty = pos.qty
    }
    if (qty > 0) pos.apply(f.side, qty, f.price, f.ts)
    else pos.updatedAt = Math.max(pos.updatedAt, f.ts)
  }

  private reportOf(symbol: string, side: PositionSide): Reported {
    const key = `${symbol}\u0000${side}`
    let r = this.reported.get(key)
    if (!r) this.reported.set(key, (r = {ts: -Infinity, owed: 0, after: []}))
    return r
  }

  position(symbol: string, side: PositionSide = 'net'): number {
    return this.positions.qty(symbol, side)
  }

  /** Cash as last reported by the venue (the initial cash before any report). */
  get cash(): number {
    return this.account?.cash ?? this.initialCash
  }

  get buyingPower(): number {
    return this.account?.buyingPower ?? this.initialCash
  }

  get equity(): number {
    return this.account?.equity ?? this.initialCash
  }

  /** Open orders for a symbol (tracked, not terminal). */
  hasOpenOrder(symbol: string): boolean {
    return this.orders.openFor(symbol) > 0
  }
}
