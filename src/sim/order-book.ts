/**
 * The venue's orders: every order it has known (by venue id and by client id, in the order received) and the
 * resting orders of each symbol. Storage only; what trades them is the matcher's job (matcher.ts).
 */
import type {OrderRequest, OrderSnapshot, OrderStatus} from '../core/order.js'
import {isTerminal} from '../core/order-state.js'
import type {OrderRef} from '../broker/port.js'

/** One order as the venue keeps it. */
export interface SimOrder {
  req: OrderRequest
  readonly sym: number
  readonly venueOrderId: string
  status: OrderStatus
  filledQty: number
  avgFillPrice: number
  readonly createdAt: number
  updatedAt: number
  reason: string | undefined
  /** Venue time the order reached the book; it may trade against bars whose interval ends after this. */
  arrivedAt: number
  /** Queued outside market hours: not active before this time. */
  activeFrom: number
  expiresAt: number
  /** Stop and stop-limit orders: whether the stop has been hit. */
  triggered: boolean
  /** Whether the order could take liquidity when it arrived (taker) or rested first (maker). */
  marketableOnArrival: boolean
  /** Cash or margin held for the unfilled part, released as it fills or ends. */
  reserved: number
  /** Fees charged so far, and what the rates alone came to (the per-order minimum tops the first up). */
  feesCharged: number
  feesAtRate: number
}

/** Quantities closer than this are equal (lot sizes are far coarser). */

export class OrderBook {
  /** Orders as the venue knows them, by venue id (insertion order: the order the venue received them). */
  readonly orders = new Map<string, SimOrder>()
  private readonly byClientId = new Map<string, SimOrder>()
  /** Resting orders per symbol index; ended ones linger until the next prune. */
  private readonly books: SimOrder[][]
  /** Live orders on the books. */
  restingCount = 0
  private orderSeq = 0

  constructor(symbols: number, private readonly idPrefix: string) {
    this.books = Array.from({length: symbols}, () => [])
  }

  /** The resting orders of symbol index `sym` (ended ones included until pruned). */
  bookOf(sym: number): SimOrder[] {
    return this.books[sym]
  }

  get symbols(): number {
    return this.books.length
  }

  /** The sequence number the next venue order id will carry. */
  get nextSeq(): number {
    return this.orderSeq + 1
  }

  /** A fresh venue order id. */
  newVenueOrderId(): string {
    return `${this.idPrefix}${++this.orderSeq}`
  }

  hasClientId(clientOrderId: string): boolean {
    return this.byClientId.has(clientOrderId)
  }

  register(o: SimOrder): void {
    this.orders.set(o.venueOrderId, o)
    this.byClientId.set(o.req.clientOrderId, o)
  }

  find(ref: OrderRef): SimOrder | undefined {
    return 'venueOrderId' in ref ? this.orders.get(ref.venueOrderId) : this.byClientId.get(ref.clientOrderId)
  }

  /** Puts an order on its symbol's book. */
  add(o: SimOrder): void {
    this.books[o.sym].push(o)
    this.restingCount++
  }

  /** Drops ended orders from a symbol's book. */
  prune(sym: number): void {
    const book = this.books[sym]
    const kept = book.filter((o) => !isTerminal(o.status))
    this.restingCount -= book.length - kept.length
    this.books[sym] = kept
  }

  /** Quantity promised to open sells (other than `except`, an order being amended). */
  heldForSells(sym: number, except?: SimOrder): number {
    let held = 0
    for (const o of this.books[sym]) if (o !== except && o.req.side === 'sell' && !isTerminal(o.status)) held += o.req.qty - o.filledQty
    return held
  }
}

/** Built field by field (no spread): one of these is made for every order event. */
export function orderSnapshot(o: SimOrder): OrderSnapshot {
  const r = o.req
  const snap: {-readonly [K in keyof OrderSnapshot]: OrderSnapshot[K]} = {
    clientOrderId: r.clientOrderId,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    qty: r.qty,
    tif: r.tif,
    venueOrderId: o.venueOrderId,
    status: o.status,
    filledQty: o.filledQty,
    avgFillPrice: o.avgFillPrice,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  }
  if (r.limitPrice !== undefined) snap.limitPrice = r.limitPrice
  if (r.stopPrice !== undefined) snap.stopPrice = r.stopPrice
  if (r.reduceOnly !== undefined) snap.reduceOnly = r.reduceOnly
  if (r.postOnly !== undefined) snap.postOnly = r.postOnly
  if (r.positionSide !== undefined) snap.positionSide = r.positionSide
  if (o.reason) snap.reason = o.reason
  return snap
}
