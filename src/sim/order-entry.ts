/**
 * Order entry at the venue: a submit, cancel or amend as handled when the request arrives. A new order is checked
 * (validation.ts), its cash or margin held (margin.ts), booked and acknowledged, then meets the market at once
 * where it can (matcher.ts) or rests on the book (fills.ts).
 */
import type {Instrument} from '../core/instrument.js'
import {isConditional, type OrderRequest} from '../core/order.js'
import {isTerminal} from '../core/order-state.js'
import {DuplicateClientOrderIdError, InvalidOrderError, OrderNotFoundError} from '../broker/errors.js'
import type {AmendRequest, OrderRef, SubmitReceipt} from '../broker/port.js'
import type {EventLoop} from '../engine/event-loop.js'
import type {SimConfig} from './config.js'
import type {Fills} from './fills.js'
import type {Margin} from './margin.js'
import type {Matcher} from './matcher.js'
import {marketable} from './matching.js'
import {type OrderBook, type SimOrder} from './order-book.js'
import {QTY_EPS} from '../core/quantity.js'
import type {PriceFeed} from './price-feed.js'
import type {MarketTape} from './tape.js'
import type {RequestRules} from './validation.js'

export class OrderEntry {
  constructor(
    private readonly loop: EventLoop,
    private readonly venue: string,
    private readonly fillAt: SimConfig['fillAt'],
    private readonly instruments: readonly Instrument[],
    private readonly symIndex: ReadonlyMap<string, number>,
    private readonly tape: MarketTape,
    private readonly book: OrderBook,
    private readonly rules: RequestRules,
    private readonly margin: Margin,
    private readonly fills: Fills,
    private readonly matcher: Matcher,
    private readonly feed: PriceFeed,
  ) {}

  accept(req: OrderRequest): SubmitReceipt {
    const now = this.loop.clock.now()
    if (this.book.hasClientId(req.clientOrderId)) {
      throw new DuplicateClientOrderIdError(`client order id ${req.clientOrderId} already used on ${this.venue}`, this.venue, 'duplicate_client_order_id')
    }
    const sym = this.symIndex.get(req.symbol)
    if (sym === undefined) throw new InvalidOrderError(`unknown symbol ${req.symbol}`, this.venue, 'unknown_symbol')
    const inst = this.instruments[sym]
    this.rules.validate(req, inst)

    const activeFrom = this.rules.activeFrom(req, now)
    const reserved = this.margin.reserve(req, inst, sym)
    const last = this.tape.last
    const o: SimOrder = {
      req,
      sym,
      venueOrderId: this.book.newVenueOrderId(),
      status: 'accepted',
      filledQty: 0,
      avgFillPrice: 0,
      createdAt: now,
      updatedAt: now,
      reason: undefined,
      arrivedAt: now,
      activeFrom,
      expiresAt: this.fills.expiry(req, activeFrom),
      triggered: !isConditional(req.type),
      marketableOnArrival: marketable(req, last[sym]),
      reserved,
      feesCharged: 0,
      feesAtRate: 0,
    }
    this.book.register(o)
    this.fills.emitOrder(o)

    if (req.postOnly && o.marketableOnArrival && last[sym] > 0) {
      this.fills.finish(o, 'canceled', 'post-only order would take liquidity')
    } else if (activeFrom === now && this.feed.midBar(sym)) {
      this.matcher.matchOnArrival(o)
    } else if (req.type === 'market' && this.fillAt === 'close' && last[sym] > 0 && activeFrom === now) {
      this.matcher.fillAtLast(o)
    } else {
      this.fills.rest(o)
    }
    return {clientOrderId: req.clientOrderId, venueOrderId: o.venueOrderId, ts: now}
  }

  cancel(ref: OrderRef): void {
    const o = this.book.find(ref)
    if (!o) throw new OrderNotFoundError(`order ${describe(ref)} not found on ${this.venue}`, this.venue, 'order_not_found')
    if (isTerminal(o.status)) {
      throw new OrderNotFoundError(`order ${o.req.clientOrderId} is already ${o.status}`, this.venue, 'order_not_open')
    }
    this.fills.finish(o, 'canceled', 'canceled by request')
    this.book.prune(o.sym)
  }

  amend(ref: OrderRef, changes: AmendRequest): void {
    const o = this.book.find(ref)
    if (!o || isTerminal(o.status)) throw new OrderNotFoundError(`order ${describe(ref)} is not open on ${this.venue}`, this.venue, 'order_not_open')
    const next: OrderRequest = {...o.req, ...definedOnly(changes)}
    if (next.qty <= o.filledQty + QTY_EPS) throw new InvalidOrderError(`amend of ${o.req.clientOrderId}: quantity ${next.qty} is not above the ${o.filledQty} already filled; cancel instead`, this.venue, 'amend_qty')
    this.rules.validate(next, this.instruments[o.sym])
    // The new hold is checked with the old one released; a refused amend leaves the order as it was.
    const held = o.reserved
    this.fills.release(o)
    try {
      o.reserved = this.margin.reserve({...next, qty: next.qty - o.filledQty}, this.instruments[o.sym], o.sym, o)
    } catch (err) {
      o.reserved = held
      this.fills.hold(held)
      throw err
    }
    // A new price re-enters the book: it takes liquidity if it is marketable now.
    if (next.limitPrice !== o.req.limitPrice) o.marketableOnArrival = marketable(next, this.tape.last[o.sym])
    o.req = next
    o.updatedAt = this.loop.clock.now()
    this.fills.emitOrder(o)
  }
}

function describe(ref: OrderRef): string {
  return 'venueOrderId' in ref ? `venue id ${ref.venueOrderId}` : `client id ${ref.clientOrderId}`
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
