/**
 * Alpaca's view of the simulator's orders. The simulator keeps one order (one id) through an amend; Alpaca replaces
 * it with a new order (new id, new client order id, `replaces`), and the old one ends as `replaced`. So each
 * simulator order has a chain of Alpaca orders, the last one live. Executions get Alpaca's ids (a uuid per
 * execution, activity ids `<time>::<uuid>`) the first time they are seen, from the event stream or from a REST
 * query, whichever comes first, so both channels always name a fill the same way.
 */
import type {Fill} from '../../core/fill.js'
import type {OrderSnapshot, OrderStatus} from '../../core/order.js'
import {activityId, alpacaStatus, counterUuid, type FillFacts} from './payloads.js'
import {QTY_EPS} from '../../core/quantity.js'

export interface OrderRecord {
  readonly id: string
  readonly clientOrderId: string
  readonly simId: string
  readonly assetClass: string
  readonly createdAt: number
  /** The order's parameters and the simulator's last word on it. */
  snap: OrderSnapshot
  /** What the trade_updates stream has said so far (undefined: nothing yet). */
  reported?: {status: OrderStatus; execQty: number; notional: number}
  filledAt?: number
  canceledAt?: number
  expiredAt?: number
  failedAt?: number
  /** Set when a newer Alpaca order replaced this one. */
  replacedAt?: number
  replacedBy?: string
  replaces?: string
  /** The client order id a PATCH in flight asked for. */
  pendingReplace?: string
}

/** Kinds of counter ids, so order, execution, event and asset ids never collide. */
const ORDER = 1
const EXECUTION = 2
const ASSET = 3
const ACCOUNT = 4
const EVENT = 5
const CLIENT = 6

export class OrderRecords {
  private readonly byId = new Map<string, OrderRecord>()
  private readonly byClient = new Map<string, OrderRecord>()
  private readonly live = new Map<string, OrderRecord>()
  private readonly fills = new Map<string, FillFacts & {execId: string}>()
  private readonly cumBySim = new Map<string, number>()
  private readonly assets = new Map<string, string>()
  private seq = 0
  readonly accountId = counterUuid(ACCOUNT, 1)

  constructor(private readonly assetClassOf: (symbol: string) => string) {}

  private next(kind: number): string {
    return counterUuid(kind, ++this.seq)
  }

  eventId(): string {
    return this.next(EVENT)
  }

  /** A generated client order id, for orders sent without one. */
  generatedClientId(): string {
    return this.next(CLIENT)
  }

  assetId(symbol: string): string {
    let id = this.assets.get(symbol)
    if (!id) this.assets.set(symbol, (id = this.next(ASSET)))
    return id
  }

  get(id: string): OrderRecord | undefined {
    return this.byId.get(id)
  }

  byClientId(cid: string): OrderRecord | undefined {
    return this.byClient.get(cid)
  }

  usesClientId(cid: string): boolean {
    return this.byClient.has(cid)
  }

  all(): OrderRecord[] {
    return [...this.byId.values()]
  }

  liveOf(simId: string): OrderRecord | undefined {
    return this.live.get(simId)
  }

  /** The live Alpaca order of a simulator order, created on first sight (its client id is the simulator's). */
  recordFor(s: OrderSnapshot): OrderRecord {
    const known = this.live.get(s.venueOrderId)
    if (known) return known
    const rec: OrderRecord = {id: this.next(ORDER), clientOrderId: s.clientOrderId, simId: s.venueOrderId, assetClass: this.assetClassOf(s.symbol), createdAt: s.createdAt, snap: s}
    this.add(rec)
    return rec
  }

  /** Ends `rec` as replaced by a new Alpaca order with `params` and `clientOrderId`; returns the new one. */
  replace(rec: OrderRecord, params: OrderSnapshot, clientOrderId: string, now: number): OrderRecord {
    const next: OrderRecord = {
      id: this.next(ORDER), clientOrderId, simId: rec.simId, assetClass: rec.assetClass, createdAt: now, snap: {...params, updatedAt: now},
      replaces: rec.id,
      ...(rec.reported ? {reported: {...rec.reported, status: 'accepted' as OrderStatus}} : {}),
    }
    rec.replacedAt = now
    rec.replacedBy = next.id
    rec.pendingReplace = undefined
    rec.snap = {...rec.snap, updatedAt: now}
    this.add(next)
    return next
  }

  private add(rec: OrderRecord): void {
    this.byId.set(rec.id, rec)
    this.byClient.set(rec.clientOrderId, rec)
    this.live.set(rec.simId, rec)
  }

  /**
   * Alpaca's facts of a simulator execution, fixed the first time it is seen: execution id, activity id, the
   * Alpaca order live at that moment, cumulative and remaining quantity.
   */
  fillFacts(fill: Fill, orderQty: number): FillFacts & {execId: string} {
    const known = this.fills.get(fill.execId)
    if (known) return known
    const rec = this.live.get(fill.venueOrderId)
    const cum = (this.cumBySim.get(fill.venueOrderId) ?? 0) + fill.qty
    this.cumBySim.set(fill.venueOrderId, cum)
    const execId = this.next(EXECUTION)
    const leaves = Math.max(0, orderQty - cum)
    const facts = {
      execId,
      activityId: activityId(fill.ts, execId),
      orderId: rec?.id ?? fill.venueOrderId,
      symbol: fill.symbol,
      side: fill.side,
      qty: fill.qty,
      price: fill.price,
      cumQty: cum,
      leavesQty: leaves < QTY_EPS ? 0 : leaves,
      orderStatus: leaves < QTY_EPS ? 'filled' : 'partially_filled',
      ts: fill.ts,
    }
    this.fills.set(fill.execId, facts)
    return facts
  }

  /** The Alpaca status of a record given the simulator's snapshot (a replaced order says so). */
  statusOf(rec: OrderRecord, s: OrderSnapshot): string {
    return rec.replacedBy ? 'replaced' : alpacaStatus(s.status)
  }
}
