/**
 * Start-up after a crash, between loading the durable state and the first decision: every order the store holds
 * that was not final is looked up at the venue BY ITS CLIENT ORDER ID (never re-sent blindly), fills the process
 * missed are taken from the venue's execution reports (never inferred from elapsed time), venue orders the store
 * does not know are adopted, cancelled or flagged by policy, and positions are compared with the venue's.
 *
 * Works on the order records of `pipeline-state.ts` (`NS.orders`), which any strategy can use for its orders.
 */
import type {Fill} from '../core/fill.js'
import type {OrderSnapshot} from '../core/order.js'
import {isRetryable} from '../broker/errors.js'
import type {BrokerPort} from '../broker/port.js'
import {NS, type OrderRecord, type RecordStatus} from './pipeline-state.js'
import type {StateStore, StoreWriter} from './store.js'
import {QTY_EPS, qtyEq} from '../core/quantity.js'

const FINAL: ReadonlySet<RecordStatus> = new Set(['filled', 'canceled', 'rejected', 'expired', 'lost'])
const QUERY_ATTEMPTS = 3

export function isFinalRecord(status: RecordStatus): boolean {
  return FINAL.has(status)
}

export type UnknownOrderPolicy = 'adopt' | 'cancel' | 'flag'

export interface StartupReconcileOptions {
  readonly broker: BrokerPort
  readonly store: StateStore
  readonly writer: StoreWriter
  readonly now: () => number
  /** A venue order whose client id the store does not know (default 'flag'). */
  readonly unknownOrders?: UnknownOrderPolicy
}

export interface StartupReport {
  /** Orders looked up by client id. */
  readonly queried: number
  /** Orders whose status the venue's answer changed. */
  readonly updated: readonly string[]
  /** Intents the venue never received: safe to send again with the SAME client id. */
  readonly lost: readonly string[]
  /** Executions the process had not seen, taken from the venue's reports. */
  readonly missedFills: number
  readonly unknownOrders: readonly string[]
  /** Symbols where the position built from the records differs from the venue's. */
  readonly positionDiffs: readonly {readonly symbol: string; readonly recorded: number; readonly venue: number}[]
}

/**
 * Adds an execution to its order record once (by execution id); returns false for a repeat. A filled order whose
 * executions now add up to its quantity is settled.
 */
export function applyExecution(writer: StoreWriter, store: StateStore, fill: Fill, now: number): boolean {
  const rec = store.get(NS.orders, fill.clientOrderId)
  if (!rec || rec.execs[fill.execId]) return false
  const filledQty = rec.filledQty + fill.qty
  const avgFillPrice = (rec.avgFillPrice * rec.filledQty + fill.price * fill.qty) / filledQty
  writer.set(NS.orders, rec.clientOrderId, {
    ...rec,
    filledQty,
    avgFillPrice,
    execs: {...rec.execs, [fill.execId]: {qty: fill.qty, price: fill.price, fee: fill.fee, ts: fill.ts}},
    settled: rec.settled || (rec.status === 'filled' && filledQty >= rec.qty - QTY_EPS),
    updatedAt: now,
  })
  return true
}

/**
 * Applies the venue's view of one order (status, venue id) to its record. A final state never goes back; a final
 * order is settled once every execution the venue reports for it is in the record (the order event can arrive
 * before the last execution event: until then the record is not settled and a restart looks it up again).
 */
export function applyOrderSnapshot(writer: StoreWriter, store: StateStore, snap: OrderSnapshot, now: number): boolean {
  const rec = store.get(NS.orders, snap.clientOrderId)
  if (!rec || snap.status === 'initialized') return false
  const keep = isFinalRecord(rec.status) && rec.status !== 'lost'
  const status = keep ? rec.status : (snap.status as RecordStatus)
  const settled = rec.settled || (isFinalRecord(status) && status !== 'lost' && Math.abs(snap.filledQty - rec.filledQty) < QTY_EPS)
  if (status === rec.status && rec.venueOrderId === snap.venueOrderId && settled === rec.settled) return false
  writer.set(NS.orders, rec.clientOrderId, {...rec, status, venueOrderId: snap.venueOrderId, settled, updatedAt: now})
  return true
}

/** Net position per symbol from the order records' executions. */
export function recordedPositions(store: StateStore): Map<string, number> {
  const out = new Map<string, number>()
  for (const r of store.values(NS.orders)) {
    if (r.filledQty === 0) continue
    out.set(r.symbol, (out.get(r.symbol) ?? 0) + (r.side === 'buy' ? r.filledQty : -r.filledQty))
  }
  return out
}

async function query<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      // A failed query says nothing about the order; only its answer may decide.
      if (!isRetryable(err) || attempt >= QUERY_ATTEMPTS) throw err
    }
  }
}

export async function reconcileAtStartup(o: StartupReconcileOptions): Promise<StartupReport> {
  const {broker, store, writer} = o
  // Every order not known to be settled: open ones, and final ones that may still miss an execution — a rejection
  // after a partial fill too (Bybit reports PartiallyFilled then Rejected). Only an order the venue refused without
  // ever taking it (no venue id) can have none.
  const open = store.values(NS.orders).filter((r) => !r.settled && !(r.status === 'rejected' && r.venueOrderId === undefined))
  const updated: string[] = []
  const lost: string[] = []
  const answers = new Map<string, OrderSnapshot>()
  for (const rec of open) {
    const snap = await query(() => broker.getOrder({clientOrderId: rec.clientOrderId}))
    if (snap) {
      answers.set(rec.clientOrderId, snap)
      if (applyOrderSnapshot(writer, store, snap, o.now())) updated.push(rec.clientOrderId)
    } else if (rec.status === 'intent' || rec.status === 'submitted') {
      // The intent is on disk, the venue never saw the request: it died before leaving (or was refused unseen).
      writer.set(NS.orders, rec.clientOrderId, {...store.get(NS.orders, rec.clientOrderId)!, status: 'lost', updatedAt: o.now()})
      lost.push(rec.clientOrderId)
    }
  }
  // Fills of those orders, from the earliest one's creation on: the venue's reports, never elapsed time.
  let missedFills = 0
  const since = open.reduce((m, r) => Math.min(m, r.createdAt), Infinity)
  if (Number.isFinite(since)) {
    const fills = await query(() => broker.executionsSince(since))
    for (const f of fills) if (applyExecution(writer, store, f, o.now())) missedFills++
  }
  for (const snap of answers.values()) applyOrderSnapshot(writer, store, snap, o.now()) // settles what is now complete
  const unknownOrders: string[] = []
  const policy = o.unknownOrders ?? 'flag'
  for (const v of await query(() => broker.openOrders())) {
    if (store.has(NS.orders, v.clientOrderId)) continue
    unknownOrders.push(v.clientOrderId)
    if (policy === 'adopt') writer.set(NS.orders, v.clientOrderId, adoptRecord(v, o.now()))
    else if (policy === 'cancel') await query(() => broker.cancelOrder({venueOrderId: v.venueOrderId}))
    writer.set(NS.flags, `unknown_order:${v.clientOrderId}`, {symbol: v.symbol, kind: 'unknown_order', detail: `${policy}: ${v.side} ${v.qty} ${v.status}`, at: o.now()})
  }
  const recorded = recordedPositions(store)
  const positionDiffs: {symbol: string; recorded: number; venue: number}[] = []
  const venue = new Map<string, number>()
  for (const p of await query(() => broker.positions())) venue.set(p.symbol, (venue.get(p.symbol) ?? 0) + (p.side === 'short' ? -p.qty : p.qty))
  for (const s of new Set([...recorded.keys(), ...venue.keys()])) {
    const a = recorded.get(s) ?? 0
    const b = venue.get(s) ?? 0
    if (!qtyEq(a, b)) positionDiffs.push({symbol: s, recorded: a, venue: b})
  }
  return {queried: open.length, updated, lost, missedFills, unknownOrders, positionDiffs}
}

function adoptRecord(v: OrderSnapshot, now: number): OrderRecord {
  return {
    clientOrderId: v.clientOrderId,
    symbol: v.symbol,
    side: v.side,
    qty: v.qty,
    purpose: 'foreign',
    sourceId: v.clientOrderId,
    reason: 'adopted at start-up',
    status: v.status as RecordStatus,
    filledQty: 0,
    avgFillPrice: 0,
    execs: {},
    venueOrderId: v.venueOrderId,
    createdAt: v.createdAt,
    updatedAt: now,
    remainder: 'keep',
    timedOut: false,
    settled: false,
  }
}
