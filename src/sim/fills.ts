/**
 * What happens to an accepted order after matching decided it: fills booked in the ledger with their fees, the
 * order's hold released as it fills or ends, cancels, resting on the book and a DAY order's expiry at the session
 * close; each reported on the event wire (order, execution, position, account).
 */
import type {Fill} from '../core/fill.js'
import type {Instrument} from '../core/instrument.js'
import type {AccountSnapshot, Ledger} from '../core/ledger.js'
import type {OrderRequest} from '../core/order.js'
import {isTerminal, transition} from '../core/order-state.js'
import type {EventLoop} from '../engine/event-loop.js'
import type {SimConfig} from './config.js'
import {sessionOf} from '../core/calendar/index.js'
import {type OrderBook, orderSnapshot, type SimOrder} from './order-book.js'
import {QTY_EPS} from '../core/quantity.js'
import type {MarketTape} from './tape.js'
import type {EventWire} from './wire.js'

export class Fills {
  /** Every execution, in venue order: the venue's own record, for reconciliation and the report. */
  readonly executions: Fill[] = []
  /** Cash or margin held for open orders, in all. */
  private held = 0
  /** Open perpetual positions (legs apart): while there are none, nothing can be liquidated. */
  perpPositions = 0
  private execSeq = 0

  constructor(
    private readonly loop: EventLoop,
    private readonly instruments: readonly Instrument[],
    private readonly fees: SimConfig['fees'],
    private readonly marketHours: boolean,
    private readonly ledger: Ledger,
    private readonly tape: MarketTape,
    private readonly book: OrderBook,
    private readonly wire: EventWire,
    private readonly idPrefix: string,
  ) {}

  /** When a DAY order ends: at the close of the session it becomes active in (venues with market hours). */
  expiry(req: OrderRequest, activeFrom: number): number {
    if (req.tif !== 'day' || !this.marketHours) return Infinity
    return sessionOf(activeFrom)?.close ?? Infinity
  }

  /** Books `qty` of `o` at `price` and reports it. */
  fill(o: SimOrder, qty: number, price: number, liquidity: 'maker' | 'taker'): void {
    const now = this.loop.clock.now()
    const inst = this.instruments[o.sym]
    const fees = this.fees
    const rate = liquidity === 'maker' ? fees.makerRate : fees.takerRate
    const atRate = qty * price * rate + (inst.assetClass === 'us_equity' ? qty * fees.perShare : 0)
    // The per-order minimum: what an order has paid in all is max(minimum, its fees at the rates).
    const fee = fees.minPerOrder > 0 ? Math.max(fees.minPerOrder, o.feesAtRate + atRate) - o.feesCharged : atRate
    o.feesAtRate += atRate
    o.feesCharged += fee
    const fill: Fill = {
      execId: `${this.idPrefix}E${++this.execSeq}`,
      clientOrderId: o.req.clientOrderId,
      venueOrderId: o.venueOrderId,
      symbol: o.req.symbol,
      side: o.req.side,
      positionSide: o.req.positionSide ?? 'net',
      qty,
      price,
      fee,
      liquidity,
      ts: now,
    }
    const wasOpen = this.ledger.positions.qty(fill.symbol, fill.positionSide) !== 0
    // Release the share of the hold this fill used before the ledger spends it.
    const share = o.req.qty - o.filledQty > 0 ? (o.reserved * qty) / (o.req.qty - o.filledQty) : o.reserved
    o.reserved -= share
    this.held -= share
    this.ledger.applyFill(fill)
    this.executions.push(fill)
    if (inst.contract === 'linear_perpetual') {
      const isOpen = this.ledger.positions.qty(fill.symbol, fill.positionSide) !== 0
      if (isOpen && !wasOpen) this.perpPositions++
      else if (!isOpen && wasOpen) this.perpPositions--
    }
    o.avgFillPrice = (o.avgFillPrice * o.filledQty + price * qty) / (o.filledQty + qty)
    o.filledQty += qty
    o.updatedAt = now
    const full = o.filledQty >= o.req.qty - QTY_EPS
    o.status = transition(o.status, full ? 'filled' : 'partially_filled', o.req.clientOrderId)
    if (full) this.release(o)
    this.wire.emit({kind: 'execution', ts: now, fill})
    this.emitOrder(o)
    this.wire.emit({kind: 'position', ts: now, position: this.ledger.positions.get(fill.symbol, fill.positionSide).snapshot()})
    this.wire.emit({kind: 'account', ts: now, account: this.accountSnapshot()})
  }

  /** Ends an order that is not filled in full (its book is pruned by the caller). */
  finish(o: SimOrder, status: 'canceled' | 'expired', reason: string): void {
    o.status = transition(o.status, status, o.req.clientOrderId)
    o.reason = reason
    o.updatedAt = this.loop.clock.now()
    this.release(o)
    this.emitOrder(o)
  }

  /** Puts an order on the book; a DAY order gets its expiry. */
  rest(o: SimOrder): void {
    this.book.add(o)
    if (Number.isFinite(o.expiresAt)) this.loop.at(o.expiresAt, () => this.expire(o))
  }

  /** Cash or margin held for open orders, in all. */
  get reservedCash(): number {
    return this.held
  }

  /** Holds `amount` of cash or margin for an open order (margin.ts checks that it is free). */
  hold(amount: number): void {
    this.held += amount
  }

  /** Releases what is still held for `o`. */
  release(o: SimOrder): void {
    this.held -= o.reserved
    o.reserved = 0
  }

  emitOrder(o: SimOrder): void {
    this.wire.emit({kind: 'order', ts: this.loop.clock.now(), order: orderSnapshot(o)})
  }

  accountSnapshot(): AccountSnapshot {
    return this.ledger.snapshotAtMarks(this.loop.clock.now(), this.held)
  }

  /**
   * Expires a DAY order at the session close, but not before the bar that covers the close has been matched:
   * bars are processed when they end, so a daily bar (or the 15:59 minute bar) ends at or after the close.
   */
  private expire(o: SimOrder, final = false): void {
    if (isTerminal(o.status)) return
    // Time-true bars: the print at the close instant comes after the timers of that instant; the order meets it first.
    if (this.tape.timeTrue) {
      if (!final) this.loop.at(o.expiresAt + 1, () => this.expire(o, true))
      else {
        this.finish(o, 'expired', 'day order expired at the session close')
        this.book.prune(o.sym)
      }
      return
    }
    const tf = this.tape.barTf[o.sym]
    const lastEnd = this.tape.barTs[o.sym] + tf
    if (!final && tf > 0 && lastEnd <= o.expiresAt) {
      const coveringEnd = this.tape.barTs[o.sym] + tf * Math.ceil((o.expiresAt - this.tape.barTs[o.sym]) / tf)
      this.loop.at(Math.max(coveringEnd, lastEnd) + 1, () => this.expire(o, true))
      return
    }
    this.finish(o, 'expired', 'day order expired at the session close')
    this.book.prune(o.sym)
  }
}
