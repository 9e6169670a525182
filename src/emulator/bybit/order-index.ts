/**
 * What the protocol remembers about orders, beside the simulator's own state: which orderLinkId a client gave
 * (orders placed without one get an internal id the client never sees), each order's latest snapshot from the event
 * stream (for the history list and execution payloads), fees per order, and stable sequence numbers.
 */
import type {OrderRef} from '../../broker/port.js'
import type {BrokerEvent} from '../../core/events.js'
import type {OrderRequest, OrderSnapshot} from '../../core/order.js'

/** Internal ids start with '~', which Bybit's orderLinkId alphabet excludes: they never meet a client's id. */
const GENERATED = '~emu-'

export class OrderIndex {
  private readonly symbolById = new Map<string, string>()
  private readonly idByLink = new Map<string, string>()
  private readonly linkById = new Map<string, string>()
  private readonly snaps = new Map<string, OrderSnapshot>()
  private readonly fees = new Map<string, number>()
  private readonly seqs = new Map<string, number>()
  private readonly execSeqs = new Map<string, number>()
  private generated = 0
  private execCount = 0

  generatedLinkId(): string {
    return `${GENERATED}${++this.generated}`
  }

  /** The orderLinkId a client sees: '' for an order placed without one. */
  linkIdOf(clientOrderId: string): string {
    return clientOrderId.startsWith(GENERATED) ? '' : clientOrderId
  }

  created(req: OrderRequest, orderId: string): void {
    this.note(orderId, req.clientOrderId, req.symbol)
  }

  onEvent(e: BrokerEvent): void {
    if (e.kind === 'order') {
      this.note(e.order.venueOrderId, e.order.clientOrderId, e.order.symbol)
      this.snaps.set(e.order.venueOrderId, e.order)
    } else if (e.kind === 'execution') {
      this.fees.set(e.fill.venueOrderId, (this.fees.get(e.fill.venueOrderId) ?? 0) + e.fill.fee)
      this.execSeq(e.fill.execId)
    }
  }

  private note(orderId: string, link: string, symbol: string): void {
    if (!this.seqs.has(orderId)) this.seqs.set(orderId, this.seqs.size + 1)
    this.symbolById.set(orderId, symbol)
    this.idByLink.set(link, orderId)
    this.linkById.set(orderId, link)
  }

  symbolOf(ref: OrderRef): string | undefined {
    const id = 'venueOrderId' in ref ? ref.venueOrderId : this.idByLink.get(ref.clientOrderId)
    return id === undefined ? undefined : this.symbolById.get(id)
  }

  /** The {orderId, orderLinkId} result of cancel and amend. */
  ackOf(ref: OrderRef): {orderId: string; orderLinkId: string} {
    if ('venueOrderId' in ref) return {orderId: ref.venueOrderId, orderLinkId: this.linkIdOf(this.linkById.get(ref.venueOrderId) ?? '')}
    return {orderId: this.idByLink.get(ref.clientOrderId) ?? '', orderLinkId: this.linkIdOf(ref.clientOrderId)}
  }

  snapshots(): OrderSnapshot[] {
    return [...this.snaps.values()]
  }

  snapshotOf(orderId: string): OrderSnapshot | undefined {
    return this.snaps.get(orderId)
  }

  feesOf(orderId: string): number {
    return this.fees.get(orderId) ?? 0
  }

  seqOf(orderId: string): number {
    return this.seqs.get(orderId) ?? 0
  }

  /** A stable sequence number per execution (Bybit's `seq`). */
  execSeq(execId: string): number {
    let n = this.execSeqs.get(execId)
    if (n === undefined) this.execSeqs.set(execId, (n = ++this.execCount))
    return n
  }
}
