/**
 * The engine's record of its own orders, fed by venue events and query answers.
 *
 * An order is tracked BEFORE its request is sent (GRID-04), so any event about it finds it. Status changes go
 * through the state machine; reports that arrive late (an ack after the fill) are recognised as stale and
 * ignored rather than treated as errors, while a genuinely illegal move is recorded as a violation. The venue's
 * final word is always taken: an order rejected, cancelled or expired after a partial fill ends in that state with
 * its filled quantity kept, and executions that arrive after it still count. Fills are
 * applied once per execution id and the filled quantity never shrinks nor exceeds the order's quantity.
 *
 * Long sessions stay bounded (ALP-08): a terminal order is kept whole for the next `retainTerminal` orders to
 * end, then only its id is remembered (a generational set), so a late report about it is still recognised as
 * stale and a second intent with its id is still refused; execution ids are remembered the same way.
 */
import {ExecutionDeduper, type Fill} from '../core/fill.js'
import {GenerationalSet} from '../core/generational-set.js'
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
  /** The venue's (or our) reason for a rejection or cancellation. */
  reason: string | undefined
  /** Why the order was sent ('entry', 'stop_loss', ...), as given to the gateway; the trade list's exit reason. */
  intent: string | undefined
  /**
   * The largest quantity an amend sent may have given the order at the venue while its answer is pending or was
   * lost (a timeout): fills up to it are the venue's, not an overfill (issue 12: a take-profit amended from 0.05 to
   * 0.15 whose order event was dropped filled 0.15, flagged as `fill_exceeds_qty`).
   */
  amendQty?: number
  /** Engine time the last amend the venue accepted was sent: an order report of before then cannot undo it. */
  amendedSince?: number
  /** Engine time the amend in flight was sent. */
  amendSentAt?: number
}

/** How much of a long session the tracker remembers (ALP-08). */
export interface TrackerLimits {
  /** Terminal orders kept whole (newest first); default 10 000. */
  readonly retainTerminal?: number
  /** Ids of retired orders remembered: at least this many, at most twice; default 100 000. */
  readonly retiredIds?: number
  /** Execution ids remembered: at least this many, at most twice; default 200 000. */
  readonly executionIds?: number
}

/** Sizes of what the tracker keeps, for long-run checks. */
export interface TrackerFootprint {
  readonly tracked: number
  readonly byVenue: number
  readonly endedQueue: number
  readonly retiredIds: number
  readonly executionIds: number
  readonly violations: number
}

/** Violations kept in detail; later ones are only counted (`violationCount`). */
const MAX_VIOLATIONS = 10_000

export interface Violation {
  readonly ts: number
  readonly rule: string
  readonly detail: string
}


export class OrderTracker {
  private readonly byClient = new Map<string, TrackedOrder>()
  private readonly byVenue = new Map<string, TrackedOrder>()
  private readonly deduper: ExecutionDeduper
  /** Ids of terminal orders no longer kept whole, whose every execution had been applied. */
  private readonly retired: GenerationalSet
  readonly violations: Violation[] = []
  violationCount = 0
  /** Reports (order or execution) about a retired order, ignored as stale. */
  staleRetired = 0
  private openCount = 0
  private readonly openBySymbol = new Map<string, number>()
  /** Terminal orders in the order they ended; the oldest are retired past `retainTerminal` (ALP-08). */
  private readonly ended: string[] = []
  private endedHead = 0
  private readonly retainTerminal: number

  /** A number is `retainTerminal` (kept for existing callers). */
  constructor(limits: number | TrackerLimits = {}) {
    const l: TrackerLimits = typeof limits === 'number' ? {retainTerminal: limits} : limits
    this.retainTerminal = l.retainTerminal ?? 10_000
    this.retired = new GenerationalSet(l.retiredIds ?? 100_000)
    this.deduper = new ExecutionDeduper(l.executionIds ?? 200_000)
  }

  /** Starts tracking an order that is about to be sent. */
  track(request: OrderRequest, ts: number): TrackedOrder {
    const existing = this.byClient.get(request.clientOrderId)
    if (existing) return existing
    const order: TrackedOrder = {request, venueOrderId: undefined, status: 'initialized', filledQty: 0, avgFillPrice: 0, execQty: 0, execNotional: 0, venueUpdatedAt: -Infinity, updatedAt: ts, reason: undefined, intent: undefined}
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

  /** Tracked now, or retired (ended long ago): either way the id has been used. */
  knows(clientOrderId: string): boolean {
    return this.byClient.has(clientOrderId) || this.retired.has(clientOrderId)
  }

  footprint(): TrackerFootprint {
    return {
      tracked: this.byClient.size,
      byVenue: this.byVenue.size,
      endedQueue: this.ended.length,
      retiredIds: this.retired.size,
      executionIds: this.deduper.size,
      violations: this.violations.length,
    }
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

  /** An amend is on its way: until its answer, the order may be as large as it asks. */
  amendSent(ref: {clientOrderId?: string; venueOrderId?: string}, changes: {qty?: number}, ts?: number): void {
    const o = this.find(ref)
    if (o && ts !== undefined) o.amendSentAt = ts
    if (!o || changes.qty === undefined || changes.qty <= o.request.qty) return
    o.amendQty = Math.max(o.amendQty ?? 0, changes.qty)
  }

  /** The venue accepted an amend: the order is what it asked (a later report still wins, see applySnapshot). */
  amended(ref: {clientOrderId?: string; venueOrderId?: string}, changes: {qty?: number; limitPrice?: number; stopPrice?: number}): void {
    const o = this.find(ref)
    if (!o) return
    if (o.amendSentAt !== undefined) o.amendedSince = Math.max(o.amendedSince ?? -Infinity, o.amendSentAt)
    if (!isTerminal(o.status)) o.request = {...o.request, ...(changes.qty !== undefined ? {qty: changes.qty} : {}), ...(changes.limitPrice !== undefined ? {limitPrice: changes.limitPrice} : {}), ...(changes.stopPrice !== undefined ? {stopPrice: changes.stopPrice} : {})}
    if (o.amendQty !== undefined && o.amendQty <= o.request.qty) o.amendQty = undefined
  }

  /** The venue refused an amend for good: the order kept its quantity. (A timeout leaves the outcome open.) */
  amendRefused(ref: {clientOrderId?: string; venueOrderId?: string}): void {
    const o = this.find(ref)
    if (o) o.amendQty = undefined
  }

  private find(ref: {clientOrderId?: string; venueOrderId?: string}): TrackedOrder | undefined {
    return (ref.clientOrderId ? this.byClient.get(ref.clientOrderId) : undefined) ?? (ref.venueOrderId ? this.byVenue.get(ref.venueOrderId) : undefined)
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
    if (!o) {
      if (this.retired.has(s.clientOrderId)) this.staleRetired++
      return false
    }
    this.bindVenueId(o, s.venueOrderId)
    let changed = false
    if (s.updatedAt >= o.venueUpdatedAt) {
      o.venueUpdatedAt = s.updatedAt
      const r = o.request
      // A report the venue made before an amend it accepted was sent (reordered, late) does not undo the amend:
      // the tracker would measure the amended quantity's fills against the old one (simtest seed 117115).
      const predatesAmend = o.amendedSince !== undefined && s.updatedAt < o.amendedSince
      if (!isTerminal(o.status) && !predatesAmend && (s.qty !== r.qty || s.limitPrice !== r.limitPrice || s.stopPrice !== r.stopPrice)) {
        o.request = {...r, qty: s.qty, limitPrice: s.limitPrice, stopPrice: s.stopPrice}
        changed = true
      }
    }
    if (s.filledQty > o.filledQty) {
      const cap = capOf(o)
      if (s.filledQty > cap && !sameQty(s.filledQty, cap)) this.violate(ts, 'fill_exceeds_qty', `${o.request.clientOrderId} filled ${s.filledQty} of ${cap}`)
      o.filledQty = Math.min(s.filledQty, cap)
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
    if (!o) {
      // A retired order had every execution applied before it retired: this one repeats an old fill whose id has
      // left the deduper's window. Applying it would count the fill twice.
      if (this.retired.has(fill.clientOrderId)) {
        this.staleRetired++
        return false
      }
      return true
    }
    this.bindVenueId(o, fill.venueOrderId)
    o.execQty += fill.qty
    o.execNotional += fill.price * fill.qty
    const cap = capOf(o)
    if (o.execQty > cap && !sameQty(o.execQty, cap)) {
      this.violate(ts, 'fill_exceeds_qty', `${o.request.clientOrderId}: fill ${fill.execId} takes it to ${o.execQty} of ${cap}`)
    }
    o.updatedAt = ts
    // A report may already have counted this execution (order event before execution event): never add twice.
    if (o.execQty > o.filledQty) {
      o.avgFillPrice = o.execNotional / o.execQty
      o.filledQty = Math.min(o.execQty, cap)
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
        // Only an order whose executions are all in is remembered as retired; one still missing an execution
        // (its final report overtook it) is simply forgotten, so that execution still counts when it comes.
        if (old.execQty >= old.filledQty || sameQty(old.execQty, old.filledQty)) this.retired.add(id)
      }
      if (this.endedHead > 4096 && this.endedHead * 2 > this.ended.length) {
        this.ended.splice(0, this.endedHead)
        this.endedHead = 0
      }
    }
  }

  private violate(ts: number, rule: string, detail: string): void {
    this.violationCount++
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push({ts, rule, detail})
  }
}

/** Most an order may fill: its quantity, or what an amend in flight (or of unknown outcome) may have made it. */
function capOf(o: TrackedOrder): number {
  return Math.max(o.request.qty, o.amendQty ?? 0)
}
