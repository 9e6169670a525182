/**
 * The engine's record of its own orders, fed by venue events and query answers.
 *
 * An order is tracked BEFORE its request is sent (GRID-04), so any event about it finds it. Status changes go
 * through the state machine; reports that arrive late (an ack after the fill) are recognised as stale and
 * ignored rather than treated as errors, while a genuinely illegal move is recorded as a violation. Fills are
 * applied once per execution id and the filled quantity never shrinks nor exceeds the order's quantity.
 */
import {ExecutionDeduper, type Fill} from '../core/fill.js'
import type {OrderRequest, OrderSnapshot, OrderStatus} from '../core/order.js'
import {sameQty} from '../core/position.js'
import {canTransition, isTerminal, STATUS_RANK} from '../core/order-state.js'

export interface TrackedOrder {
  /** The order as the venue last confirmed it (amends adopt the venue's quantity and prices). */
  request: OrderRequest
  venueOrderId: string | undefined
  status: OrderStatus
  /** The larger of the venue's cumulative report and the sum of the executions applied. */
  filledQty: number
  avgFillPrice: number
  /**
   * Sum of the executions applied, and their notional. Kept apart from the cumulative reports because both
   * channels describe the same quantity: adding an execution to a report that already counted it would double it.
   */
  execQty: number
  execNotional: number
  /** Venue time of the newest report applied, so an older report cannot undo an amend. */
  venueUpdatedAt: number
  updatedAt: number
  reason: string | undefined
}

export interface Violation {
  readonly ts: number
  readonly rule: string
  readonly detail: string
}


export class OrderTracker {
  private readonly byClient = new Map<string, TrackedOrder>()
  private readonly byVenue = new Map<string, TrackedOrder>()
  private readonly deduper = new ExecutionDeduper()
  readonly violations: Violation[] = []
  private openCount = 0
  private readonly openBySymbol = new Map<string, number>()
  /** Terminal orders in the order they ended; the oldest are forgotten past `retainTerminal` (ALP-08). */
  private readonly ended: string[] = []
  private endedHead = 0

  constructor(private readonly retainTerminal = 10_000) {}

  /** Starts tracking an order that is about to be sent. */
  track(request: OrderRequest, ts: number): TrackedOrder {
    const existing = this.byClient.get(request.clientOrderId)
    if (existing) return existing
    const order: TrackedOrder = {request, venueOrderId: undefined, status: 'initialized', filledQty: 0, avgFillPrice: 0, execQty: 0, execNotional: 0, venueUpdatedAt: -Infinity, updatedAt: ts, reason: undefined}
    this.byClient.set(request.clientOrderId, order)
    this.openCount++
    this.openBySymbol.set(request.symbol, (this.openBySymbol.get(request.symbol) ?? 0) + 1)
    return order
  }

  get(clientOrderId: string): TrackedOrder | undefined {
    return this.byClient.get(clientOrderId)
  }

  byVenueId(venueOrderId: string): TrackedOrder | undefined {
    return this.byVenue.get(venueOrderId)
  }

  /** Orders not yet in a terminal state. */
  get open(): number {
    return this.openCount
  }

  openFor(symbol: string): number {
    return this.openBySymbol.get(symbol) ?? 0
  }

  *openOrders(): IterableIterator<TrackedOrder> {
    for (const o of this.byClient.values()) if (!isTerminal(o.status)) yield o
  }

  all(): IterableIterator<TrackedOrder> {
    return this.byClient.values()
  }

  markSubmitted(clientOrderId: string, ts: number): void {
    this.setStatus(this.byClient.get(clientOrderId), 'submitted', ts)
  }

  /** The venue accepted the request and gave its id. */
  markAccepted(clientOrderId: string, venueOrderId: string, ts: number): void {
    const o = this.byClient.get(clientOrderId)
    if (!o) return
    this.bindVenueId(o, venueOrderId)
    // An ack proves the request went out, so an order never marked submitted passes through 'submitted'.
    if (o.status === 'initialized') this.setStatus(o, 'submitted', ts)
    if (o.status === 'submitted') this.setStatus(o, 'accepted', ts)
  }

  markRejected(clientOrderId: string, reason: string, ts: number): void {
    const o = this.byClient.get(clientOrderId)
    if (!o || isTerminal(o.status)) return
    o.reason = reason
    this.setStatus(o, 'rejected', ts)
  }

  /** Applies an order report from the venue (event or query answer). Returns true if it changed the order. */
  applySnapshot(s: OrderSnapshot, ts: number): boolean {
    const o = this.byClient.get(s.clientOrderId) ?? (s.venueOrderId ? this.byVenue.get(s.venueOrderId) : undefined)
    if (!o) return false
    this.bindVenueId(o, s.venueOrderId)
    let changed = false
    if (s.updatedAt >= o.venueUpdatedAt) {
      o.venueUpdatedAt = s.updatedAt
      const r = o.request
      if (!isTerminal(o.status) && (s.qty !== r.qty || s.limitPrice !== r.limitPrice || s.stopPrice !== r.stopPrice)) {
        o.request = {...r, qty: s.qty, limitPrice: s.limitPrice, stopPrice: s.stopPrice}
        changed = true
      }
    }
    if (s.filledQty > o.filledQty) {
      if (s.filledQty > o.request.qty && !sameQty(s.filledQty, o.request.qty)) this.violate(ts, 'fill_exceeds_qty', `${o.request.clientOrderId} filled ${s.filledQty} of ${o.request.qty}`)
      o.filledQty = Math.min(s.filledQty, o.request.qty)
      o.avgFillPrice = s.avgFillPrice
      changed = true
    }
    if (s.status !== o.status && this.setStatus(o, s.status, ts, s.reason)) changed = true
    return changed
  }

  /**
   * Applies one execution. Returns false for an execution id seen before (a duplicate frame, or the same fill
   * seen by the stream and by a poll).
   */
  applyFill(fill: Fill, ts: number): boolean {
    if (!this.deduper.firstTime(fill.execId)) return false
    const o = this.byClient.get(fill.clientOrderId) ?? this.byVenue.get(fill.venueOrderId)
    if (!o) return true
    this.bindVenueId(o, fill.venueOrderId)
    o.execQty += fill.qty
    o.execNotional += fill.price * fill.qty
    if (o.execQty > o.request.qty && !sameQty(o.execQty, o.request.qty)) {
      this.violate(ts, 'fill_exceeds_qty', `${o.request.clientOrderId}: fill ${fill.execId} takes it to ${o.execQty} of ${o.request.qty}`)
    }
    o.updatedAt = ts
    // A report may already have counted this execution (order event before execution event): never add twice.
    if (o.execQty > o.filledQty) {
      o.avgFillPrice = o.execNotional / o.execQty
      o.filledQty = Math.min(o.execQty, o.request.qty)
    }
    const next: OrderStatus = o.filledQty >= o.request.qty || sameQty(o.filledQty, o.request.qty) ? 'filled' : 'partially_filled'
    if (next !== o.status) this.setStatus(o, next, ts)
    return true
  }

  private bindVenueId(o: TrackedOrder, venueOrderId: string | undefined): void {
    if (!venueOrderId || o.venueOrderId === venueOrderId) return
    o.venueOrderId = venueOrderId
    this.byVenue.set(venueOrderId, o)
  }

  private setStatus(o: TrackedOrder | undefined, to: OrderStatus, ts: number, reason?: string): boolean {
    if (!o || o.status === to) return false
    if (!canTransition(o.status, to)) {
      // A late report of an earlier stage (ack after fill, partial after cancel) is stale, not an error.
      if (isTerminal(o.status) || STATUS_RANK[to] <= STATUS_RANK[o.status]) return false
      this.violate(ts, 'illegal_transition', `${o.request.clientOrderId}: ${o.status} → ${to}`)
      return false
    }
    const wasTerminal = isTerminal(o.status)
    o.status = to
    o.updatedAt = ts
    if (reason) o.reason = reason
    if (!wasTerminal && isTerminal(to)) this.retire(o)
    return true
  }

  private retire(o: TrackedOrder): void {
    this.openCount--
    const sym = o.request.symbol
    const n = (this.openBySymbol.get(sym) ?? 1) - 1
    if (n === 0) this.openBySymbol.delete(sym)
    else this.openBySymbol.set(sym, n)
    this.ended.push(o.request.clientOrderId)
    if (this.ended.length - this.endedHead > this.retainTerminal) {
      const id = this.ended[this.endedHead++]
      const old = this.byClient.get(id)
      if (old && isTerminal(old.status)) {
        this.byClient.delete(id)
        if (old.venueOrderId) this.byVenue.delete(old.venueOrderId)
      }
      if (this.endedHead > 4096 && this.endedHead * 2 > this.ended.length) {
        this.ended.splice(0, this.endedHead)
        this.endedHead = 0
      }
    }
  }

  private violate(ts: number, rule: string, detail: string): void {
    this.violations.push({ts, rule, detail})
  }
}
