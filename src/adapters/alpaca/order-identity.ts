/**
 * Which engine order a venue order belongs to. Alpaca replaces an order on amend (a new order with its own id and
 * client order id, `replaces` the old one, which ends `replaced`, `replaced_by` the new one); the engine keeps one
 * client order id for the whole chain. This map learns the chain from every order payload it sees and names the
 * live venue order of each engine order. Finished orders are forgotten after RETAIN_FINISHED newer ones finished,
 * so memory stays flat in long sessions (ALP-08).
 */
import type {OrderSnapshot, OrderStatus} from '../../core/order.js'
import {engineClientOrderId} from './order-body.js'

export interface TrackedOrder {
  /** The engine's client order id. */
  readonly cid: string
  /** The live venue order's client order id (`cid`, or `cid.r<n>` after replacements). */
  venueCid: string
  /** The live venue order's id. */
  venueId?: string
  /** The last order state reported to the engine. */
  last?: OrderSnapshot
  /** Every venue id and client id of its chain (forgotten together). */
  readonly ids: Set<string>
}

export const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired'])

const RETAIN_FINISHED = 10_000

function field(raw: unknown, key: string): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const v = (raw as Record<string, unknown>)[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

export class OrderIdentity {
  private readonly orders = new Map<string, TrackedOrder>()
  private readonly cidByVenueId = new Map<string, string>()
  private readonly cidByVenueCid = new Map<string, string>()
  /** Venue ids known to have been replaced by a newer order. */
  private readonly replaced = new Set<string>()
  private readonly finished: string[] = []
  private finishedHead = 0

  get(cid: string): TrackedOrder | undefined {
    return this.orders.get(cid)
  }

  all(): IterableIterator<TrackedOrder> {
    return this.orders.values()
  }

  /** The engine order of a venue order id, when known. */
  cidOf(venueId: string): string | undefined {
    return this.cidByVenueId.get(venueId)
  }

  /** Starts tracking an engine order (before its request leaves, so its events find it). */
  track(cid: string): TrackedOrder {
    let t = this.orders.get(cid)
    if (!t) {
      t = {cid, venueCid: cid, ids: new Set([cid])}
      this.orders.set(cid, t)
      this.cidByVenueCid.set(cid, cid)
    }
    return t
  }

  /** A replacement about to be asked for under `venueCid`: its events must find the engine order. */
  expect(t: TrackedOrder, venueCid: string): void {
    this.cidByVenueCid.set(venueCid, t.cid)
    t.ids.add(venueCid)
  }

  /**
   * Learns what a venue order says about identity (its id, client id, place in a replacement chain) and returns it
   * in engine terms: the engine's client order id, the venue's id of this order. `raw` is the order payload the
   * snapshot was decoded from (it carries `replaces` / `replaced_by`, which the core snapshot does not).
   */
  bind(snap: OrderSnapshot, raw: unknown): OrderSnapshot {
    const venueCid = snap.clientOrderId
    const id = snap.venueOrderId
    const replaces = field(raw, 'replaces')
    const replacedBy = field(raw, 'replaced_by')
    const cid = this.cidByVenueId.get(id) ?? this.cidByVenueCid.get(venueCid) ?? (replaces ? this.cidByVenueId.get(replaces) : undefined) ?? engineClientOrderId(venueCid)
    this.cidByVenueId.set(id, cid)
    this.cidByVenueCid.set(venueCid, cid)
    const t = this.track(cid)
    t.ids.add(id)
    t.ids.add(venueCid)
    if (field(raw, 'status') === 'replaced') {
      this.replaced.add(id)
      if (replacedBy) {
        this.cidByVenueId.set(replacedBy, cid)
        t.ids.add(replacedBy)
        if (t.venueId === undefined || t.venueId === id) t.venueId = replacedBy
      }
    } else {
      if (replaces) this.replaced.add(replaces)
      if (!this.replaced.has(id) && (t.venueId === undefined || t.venueId === id || t.venueId === replaces || this.replaced.has(t.venueId))) {
        t.venueId = id
        t.venueCid = venueCid
      }
    }
    return venueCid === cid ? snap : {...snap, clientOrderId: cid}
  }

  /** Notes an order reported finished; the oldest finished ones beyond the retention are forgotten. */
  finishedOrder(cid: string): void {
    this.finished.push(cid)
    while (this.finished.length - this.finishedHead > RETAIN_FINISHED) {
      const old = this.orders.get(this.finished[this.finishedHead++])
      if (!old || !old.last || !TERMINAL.has(old.last.status)) continue
      this.orders.delete(old.cid)
      for (const id of old.ids) {
        this.cidByVenueId.delete(id)
        this.cidByVenueCid.delete(id)
        this.replaced.delete(id)
      }
    }
    if (this.finishedHead > 1_024 && this.finishedHead * 2 > this.finished.length) {
      this.finished.splice(0, this.finishedHead)
      this.finishedHead = 0
    }
  }
}
