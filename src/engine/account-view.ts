/**
 * What the engine knows about its account, built only from what the venue reported: orders (through the
 * tracker), positions (from executions, each applied once) and the last account report. Strategies read it
 * instead of asking the venue for every decision.
 */
import type {BrokerEvent} from '../core/events.js'
import type {AccountSnapshot} from '../core/ledger.js'
import type {PositionSide} from '../core/order.js'
import {PositionBook} from '../core/position.js'
import {OrderTracker, type TrackerLimits} from '../broker/order-tracker.js'

export class AccountView {
  readonly orders: OrderTracker
  readonly positions = new PositionBook()
  account: AccountSnapshot | undefined
  /** Executions seen twice (stream duplicate, or stream and poll) and ignored. */
  duplicateFills = 0

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
        const f = event.fill
        this.positions.get(f.symbol, f.positionSide).apply(f.side, f.qty, f.price, f.ts)
        return true
      }
      case 'account':
        if (!this.account || event.account.ts >= this.account.ts) this.account = event.account
        return true
      default:
        return true
    }
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
