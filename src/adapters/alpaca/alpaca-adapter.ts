/**
 * The broker port and market feed for Alpaca, on a VenueTransport. Pure function of (transport traffic, clock,
 * scheduler): no SDK, no wall clock, no raw timers, so a recorded session replays through the same code.
 *
 * - Requests: core requests → Alpaca bodies (order-body.ts); every answer decoded with the zod decoders; a 4xx/5xx
 *   answer → mapAlpacaError. A payload that does not decode is reported (onDecodeError + a `decode_error` event)
 *   and never defaulted.
 * - Unknown outcome: a submit (or amend) whose answer never came (RequestTimeoutError) or that got a 5xx is
 *   resolved by querying its client order id (GET /v2/orders:by_client_order_id) before anything else; the order
 *   is never sent a second time from here.
 * - Amend: Alpaca replaces the order with a new one (new id). Replacements are named `<engine id>.r<n>`; the
 *   adapter reports every venue order of the chain under the engine's client order id, with the live venue id.
 * - Stream: `trade_updates` → order and execution events; each execution applied once (by execution id, and by
 *   order id + cumulative quantity, see FillIndex). After each batch of fills, positions and account are read over
 *   REST and reported as `position` / `account` events (the stream carries neither).
 * - Reconnect: on `reconnected` the stream is not trusted until a REST reconcile (fills since the last known
 *   execution, open orders, the orders it knew as open) has reported what was missed, each execution once; frames
 *   that arrive meanwhile wait and are applied after it.
 */
import {resolveByClientOrderId} from '../unknown-outcome.js'
import type {BrokerEvent} from '../../core/events.js'
import type {Fill} from '../../core/fill.js'
import {defaultInstrument, type Instrument, type PositionMode} from '../../core/instrument.js'
import type {AccountSnapshot} from '../../core/ledger.js'
import type {OrderRequest, OrderSnapshot} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'
import {
  type BrokerError, FinalError, OrderNotFoundError, RequestTimeoutError, VenueUnavailableError,
} from '../../broker/errors.js'
import type {FeedBar, MarketFeed} from '../../broker/market-feed.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, VenueTransport} from '../../broker/transport.js'
import type {Clock} from '../../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../../core/time/scheduler.js'
import {type Decoded, type DecodeFailure, decodeErrorEvent} from '../decode.js'
import {decodeAlpacaFillActivities, type AlpacaFillActivity} from './decode-activities.js'
import {decodeAlpacaDataMessage} from './decode-market-stream.js'
import {
  ALPACA_VENUE, decodeAlpacaAccount, decodeAlpacaBars, decodeAlpacaClock, decodeAlpacaErrorBody, decodeAlpacaOrder, decodeAlpacaOrders,
  decodeAlpacaPositions,
} from './decode-rest.js'
import {decodeAlpacaStreamFrame} from './decode-stream.js'
import {mapAlpacaError} from './errors.js'
import {FillIndex} from './fill-index.js'
import {alpacaOrderBody, alpacaReplaceBody, nextReplacementId} from './order-body.js'
import {OrderIdentity, TERMINAL, type TrackedOrder} from './order-identity.js'
import {AlpacaAccountSchema} from './schemas.js'

export interface AdapterDeps {
  readonly transport: VenueTransport
  readonly clock: Clock
  readonly scheduler: Scheduler
  readonly instruments?: readonly Instrument[]
  readonly onDecodeError?: (e: {where: string; raw: unknown; issue: string}) => void
  /** Background work that failed and will be retried (reconcile, position refresh); never carries a secret. */
  readonly onError?: (e: {where: string; error: unknown}) => void
}

/** The stream names the adapter asks the transport for. */
export const ALPACA_TRADE_STREAM = 'trade_updates'
export const ALPACA_BAR_STREAM = 'bars'

const MINUTE = 60_000
const PAGE = 100
const ORDER_PAGE = 500
/** Fills are fetched from a little before the last known one: the boundary is deduplicated, nothing is missed. */
const FILL_LOOKBACK_MS = 1_000
const MAX_REPLACE_HOPS = 20
const RECONCILE_BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000]

interface VenueOrder {
  readonly snap: OrderSnapshot
  readonly raw: Record<string, unknown>
}

function field(raw: unknown, key: string): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const v = (raw as Record<string, unknown>)[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function refText(ref: OrderRef): string {
  return 'venueOrderId' in ref ? `venue id ${ref.venueOrderId}` : `client id ${ref.clientOrderId}`
}

export class AlpacaAdapter implements BrokerPort, MarketFeed {
  readonly venue = ALPACA_VENUE
  readonly positionMode: PositionMode = 'netting'

  private readonly deps: AdapterDeps
  private readonly instruments = new Map<string, Instrument>()
  private readonly handlers: BrokerEventHandler[] = []
  private readonly ids = new OrderIdentity()
  private readonly fills = new FillIndex()
  private readonly unsubs: Unsubscribe[] = []
  private readonly timers = new Set<TimerHandle>()
  private lastExecTs: number | undefined
  private connectedAt: number | undefined
  /** False from a stream drop until the reconcile after the reconnect has run. */
  private trusted = true
  private readonly held: RawFrame[] = []
  private reconciling = false
  private reconcileAgain = false
  private readonly dirty = new Set<string>()
  private refreshing = false
  private readonly barHandlers = new Map<string, Set<(bar: FeedBar) => void>>()
  private readonly lastBar = new Map<string, number>()
  private closed = false

  constructor(deps: AdapterDeps) {
    this.deps = deps
    for (const i of deps.instruments ?? []) this.instruments.set(i.symbol, i)
    this.unsubs.push(deps.transport.onFrame((f) => this.onFrame(f)))
    this.unsubs.push(deps.transport.onConnection((e) => this.onConnection(e)))
  }

  // ---------------------------------------------------------------- lifecycle

  /** Connection test (GET /v2/account), then the trade_updates subscription. Fails with a mapped error, no secret. */
  async connect(): Promise<void> {
    const res = await this.call('GET /v2/account')
    if (res.status !== 200) throw this.mapped(res)
    const parsed = AlpacaAccountSchema.safeParse(res.body)
    const d = decodeAlpacaAccount(res.body, this.deps.clock.now())
    if (!d.ok || !parsed.success) throw this.undecodable(d.ok ? {channel: 'alpaca:rest:account', reason: 'account schema', raw: res.body} : d.error)
    if (parsed.data.account_blocked || parsed.data.trading_blocked) {
      throw new FinalError(`alpaca: account ${parsed.data.account_blocked ? 'is blocked' : 'has trading blocked'} (status ${parsed.data.status}); see the Alpaca dashboard`, this.venue, 'account_blocked')
    }
    this.connectedAt = this.deps.clock.now()
    await this.deps.transport.subscribe({stream: ALPACA_TRADE_STREAM, topics: ['trade_updates']})
  }

  /** The venue's clock (GET /v2/clock `timestamp`), epoch ms. */
  async venueTime(): Promise<number> {
    const res = await this.call('GET /v2/clock')
    if (res.status !== 200) throw this.mapped(res)
    return this.value(decodeAlpacaClock(res.body)).ts
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const t of this.timers) t.cancel()
    this.timers.clear()
    for (const u of this.unsubs.splice(0)) u()
    await this.deps.transport.close()
  }

  instrument(symbol: string): Instrument {
    return this.instruments.get(symbol) ?? defaultInstrument(symbol, symbol.includes('/') ? 'crypto_spot' : 'us_equity', this.venue)
  }

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    this.handlers.push(handler)
    return () => {
      const i = this.handlers.indexOf(handler)
      if (i >= 0) this.handlers.splice(i, 1)
    }
  }

  // ---------------------------------------------------------------- orders

  async submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    const body = alpacaOrderBody(req)
    this.ids.track(req.clientOrderId)
    let res: RawResponse
    try {
      res = await this.call('POST /v2/orders', body)
    } catch (err) {
      if (err instanceof RequestTimeoutError) return this.resolveSubmit(req, err)
      throw err
    }
    if (res.status === 200 || res.status === 201) {
      const d = decodeAlpacaOrder(res.body, 'alpaca:rest:POST /v2/orders')
      if (!d.ok) {
        this.decodeFailed(d.error)
        return this.resolveSubmit(req, new RequestTimeoutError(`alpaca: the answer to ${req.clientOrderId} did not decode (${d.error.reason}); querying the client order id`, this.venue))
      }
      const s = this.bind(d.value, res.body)
      return {clientOrderId: req.clientOrderId, venueOrderId: s.venueOrderId, ts: s.createdAt}
    }
    // A 5xx does not say whether the order was taken: ask before anything else.
    if (res.status >= 500) return this.resolveSubmit(req, this.mapped(res))
    throw this.mapped(res)
  }

  /** Unknown outcome: the venue's answer to "do you have this client order id?" decides. */
  protected resolveSubmit(req: OrderRequest, cause: BrokerError): Promise<SubmitReceipt> {
    return resolveByClientOrderId(req, cause, (ref) => this.getOrder(ref))
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    let venueId = await this.liveVenueId(ref)
    for (let attempt = 0; ; attempt++) {
      const res = await this.call('DELETE /v2/orders/{order_id}', {}, {order_id: venueId})
      if (res.status === 204 || res.status === 200) return
      if (res.status === 404) throw new OrderNotFoundError(`alpaca: order ${refText(ref)} not found; nothing to cancel`, this.venue, this.errorCode(res))
      if (res.status === 422) {
        // Not cancelable: final, or replaced by a newer order this adapter had not heard of yet.
        const live = attempt === 0 ? await this.fetchOrder({venueOrderId: venueId}) : undefined
        if (live && live.snap.venueOrderId !== venueId && !TERMINAL.has(live.snap.status)) {
          venueId = live.snap.venueOrderId
          continue
        }
        throw new OrderNotFoundError(`alpaca: order ${refText(ref)} is not open (${this.errorText(res)}); nothing to cancel`, this.venue, this.errorCode(res))
      }
      throw this.mapped(res)
    }
  }

  async amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    const t = await this.liveTracked(ref)
    const venueId = t.venueId!
    const nextCid = nextReplacementId(t.cid, t.venueCid)
    const body = alpacaReplaceBody(changes, nextCid)
    // Known before the request leaves, so stream events of the replacement find the engine's order.
    this.ids.expect(t, nextCid)
    let res: RawResponse
    try {
      res = await this.call('PATCH /v2/orders/{order_id}', body, {order_id: venueId})
    } catch (err) {
      if (err instanceof RequestTimeoutError && (await this.replacementExists(t, nextCid))) return
      throw err
    }
    if (res.status === 200 || res.status === 201) {
      const d = decodeAlpacaOrder(res.body, 'alpaca:rest:PATCH /v2/orders')
      if (!d.ok) {
        this.decodeFailed(d.error)
        if (await this.replacementExists(t, nextCid)) return
        throw this.undecodable(d.error)
      }
      this.bind(d.value, res.body)
      t.venueCid = nextCid
      return
    }
    if (res.status >= 500 && (await this.replacementExists(t, nextCid))) return
    if (res.status === 404) throw new OrderNotFoundError(`alpaca: order ${refText(ref)} not found; nothing to amend`, this.venue, this.errorCode(res))
    throw this.mapped(res)
  }

  private async replacementExists(t: TrackedOrder, nextCid: string): Promise<boolean> {
    let res: RawResponse
    try {
      res = await this.call('GET /v2/orders:by_client_order_id', {client_order_id: nextCid})
    } catch {
      return false
    }
    if (res.status !== 200) return false
    const d = decodeAlpacaOrder(res.body)
    if (!d.ok) return false
    this.bind(d.value, res.body)
    t.venueCid = nextCid
    return true
  }

  async getOrder(ref: OrderRef): Promise<OrderSnapshot | undefined> {
    const o = await this.fetchOrder(ref)
    return o ? this.bind(o.snap, o.raw) : undefined
  }

  /** The venue's order for `ref`, following replacements to the live one. */
  private async fetchOrder(ref: OrderRef): Promise<VenueOrder | undefined> {
    let res: RawResponse
    if ('venueOrderId' in ref) {
      res = await this.call('GET /v2/orders/{order_id}', {}, {order_id: ref.venueOrderId})
    } else {
      const venueCid = this.ids.get(ref.clientOrderId)?.venueCid ?? ref.clientOrderId
      res = await this.call('GET /v2/orders:by_client_order_id', {client_order_id: venueCid})
    }
    if (res.status === 404) return undefined
    if (res.status !== 200) throw this.mapped(res)
    let o = this.venueOrder(res.body)
    for (let hop = 0; field(o.raw, 'status') === 'replaced' && hop < MAX_REPLACE_HOPS; hop++) {
      const next = field(o.raw, 'replaced_by')
      if (!next) break
      this.bind(o.snap, o.raw)
      const r = await this.call('GET /v2/orders/{order_id}', {}, {order_id: next})
      if (r.status === 404) break
      if (r.status !== 200) throw this.mapped(r)
      o = this.venueOrder(r.body)
    }
    return o
  }

  private venueOrder(body: unknown): VenueOrder {
    return {snap: this.value(decodeAlpacaOrder(body)), raw: body as Record<string, unknown>}
  }

  async openOrders(symbol?: string): Promise<OrderSnapshot[]> {
    return (await this.fetchOpen(symbol)).map((o) => this.bind(o.snap, o.raw))
  }

  private async fetchOpen(symbol?: string): Promise<VenueOrder[]> {
    const out: VenueOrder[] = []
    const params: Record<string, unknown> = {status: 'open', limit: ORDER_PAGE, direction: 'asc', ...(symbol ? {symbols: symbol} : {})}
    for (;;) {
      const res = await this.call('GET /v2/orders', params)
      if (res.status !== 200) throw this.mapped(res)
      const list = this.value(decodeAlpacaOrders(res.body))
      const raws = res.body as Record<string, unknown>[]
      list.forEach((snap, i) => out.push({snap, raw: raws[i]}))
      if (list.length < ORDER_PAGE) break
      const after = field(raws.at(-1), 'submitted_at') ?? field(raws.at(-1), 'created_at')
      if (!after || after === params.after) break
      params.after = after
    }
    return symbol === undefined ? out : out.filter((o) => o.snap.symbol === symbol)
  }

  async positions(): Promise<PositionSnapshot[]> {
    const res = await this.call('GET /v2/positions')
    if (res.status !== 200) throw this.mapped(res)
    return this.value(decodeAlpacaPositions(res.body, this.deps.clock.now()))
  }

  async account(): Promise<AccountSnapshot> {
    const res = await this.call('GET /v2/account')
    if (res.status !== 200) throw this.mapped(res)
    return this.value(decodeAlpacaAccount(res.body, this.deps.clock.now()))
  }

  async executionsSince(since: number): Promise<Fill[]> {
    const out: Fill[] = []
    for (const a of await this.fillActivities(since)) {
      if (a.ts < since) continue
      out.push(await this.toFill(a, this.fills.known(a.execId, FillIndex.cumKey(a.venueOrderId, a.cumQty)) ?? a.execId))
    }
    return out
  }

  /** FILL activities at or after `since`, oldest first (all pages). */
  private async fillActivities(since: number): Promise<AlpacaFillActivity[]> {
    const out: AlpacaFillActivity[] = []
    const params: Record<string, unknown> = {after: iso(since - 1), direction: 'asc', page_size: PAGE}
    for (;;) {
      const res = await this.call('GET /v2/account/activities/{activity_type}', params, {activity_type: 'FILL'})
      if (res.status !== 200) throw this.mapped(res)
      const page = this.value(decodeAlpacaFillActivities(res.body))
      out.push(...page)
      if (page.length < PAGE) break
      params.page_token = page.at(-1)!.activityId
    }
    // Same-millisecond fills may come in any order (Alpaca-API#170): cumulative quantity orders them within an order.
    return out.map((a, i) => ({a, i})).sort((x, y) => x.a.ts - y.a.ts || (x.a.venueOrderId === y.a.venueOrderId ? x.a.cumQty - y.a.cumQty : x.i - y.i)).map((x) => x.a)
  }

  private async toFill(a: AlpacaFillActivity, execId: string): Promise<Fill> {
    const cid = await this.cidOfVenueOrder(a.venueOrderId)
    return {execId, clientOrderId: cid, venueOrderId: a.venueOrderId, symbol: a.symbol, side: a.side, positionSide: 'net', qty: a.qty, price: a.price, fee: 0, liquidity: 'taker', ts: a.ts}
  }

  private async cidOfVenueOrder(venueId: string): Promise<string> {
    const known = this.ids.cidOf(venueId)
    if (known !== undefined) return known
    const res = await this.call('GET /v2/orders/{order_id}', {}, {order_id: venueId})
    if (res.status !== 200) throw this.mapped(res)
    const o = this.venueOrder(res.body)
    return this.bind(o.snap, o.raw).clientOrderId
  }

  // ---------------------------------------------------------------- order identity

  private bind(snap: OrderSnapshot, raw: unknown): OrderSnapshot {
    return this.ids.bind(snap, raw)
  }

  /** The live venue order of `ref`: from what the adapter knows, else asked of the venue. */
  private async liveTracked(ref: OrderRef): Promise<TrackedOrder> {
    const cid = 'venueOrderId' in ref ? this.ids.cidOf(ref.venueOrderId) : ref.clientOrderId
    const t = cid !== undefined ? this.ids.get(cid) : undefined
    if (t?.venueId !== undefined) return t
    const o = await this.fetchOrder(ref)
    if (!o) throw new OrderNotFoundError(`alpaca: order ${refText(ref)} not found`, this.venue, 'order_not_found')
    const s = this.bind(o.snap, o.raw)
    return this.ids.get(s.clientOrderId)!
  }

  private async liveVenueId(ref: OrderRef): Promise<string> {
    return (await this.liveTracked(ref)).venueId!
  }

  // ---------------------------------------------------------------- events

  protected emit(e: BrokerEvent): void {
    for (let i = 0; i < this.handlers.length; i++) this.handlers[i](e)
  }

  /** Reports an order state unless the engine already has a newer one (a stale frame after a reconcile). */
  private emitOrder(s: OrderSnapshot, ts: number, onlyIfChanged = false): void {
    const t = this.ids.track(s.clientOrderId)
    const last = t.last
    if (last && s.updatedAt < last.updatedAt) return
    if (onlyIfChanged && last && sameState(last, s)) return
    t.last = s
    if (TERMINAL.has(s.status) && !(last && TERMINAL.has(last.status))) this.ids.finishedOrder(t.cid)
    this.emit({kind: 'order', ts, order: s})
  }

  /** Reports an execution the first time it is seen; false for a repeat. */
  private emitExecution(f: Fill, cumQty: number): boolean {
    if (!this.firstSight(f.execId, FillIndex.cumKey(f.venueOrderId, cumQty))) return false
    if (this.lastExecTs === undefined || f.ts > this.lastExecTs) this.lastExecTs = f.ts
    this.emit({kind: 'execution', ts: f.ts, fill: f})
    this.dirty.add(f.symbol)
    return true
  }

  /** Whether this execution is new, recording it if so: by execution id, and by order id + cumulative quantity. */
  protected firstSight(execId: string, cumKey: string): boolean {
    if (this.fills.known(execId, cumKey) !== undefined) return false
    this.fills.add(execId, cumKey)
    return true
  }

  private onFrame(frame: RawFrame): void {
    if (this.closed) return
    if (frame.stream === ALPACA_TRADE_STREAM) {
      if (!this.trusted) this.held.push(frame)
      else this.applyTradeFrame(frame.data)
    } else if (frame.stream === ALPACA_BAR_STREAM) {
      this.applyDataMessage(frame.data)
    }
  }

  private applyTradeFrame(raw: unknown): void {
    const messages = decodeAlpacaStreamFrame(raw, this.deps.clock.now())
    let order: OrderSnapshot | undefined
    let orderTs = 0
    let exec: Fill | undefined
    for (const m of messages) {
      if (m.kind === 'decode_error') this.reportDecode({channel: m.channel, reason: m.reason, raw: m.raw}, m)
      else if (m.kind === 'order') {
        order = m.order
        orderTs = m.ts
      } else if (m.kind === 'execution') exec = m.fill
    }
    if (!order) return
    const data = (raw as {data: {event: string; order: Record<string, unknown>}}).data
    const s = this.bind(order, data.order)
    // The replaced order's life goes on in its replacement (reported under the same engine id).
    if (data.event === 'replaced' || field(data.order, 'status') === 'replaced') return
    if (exec) {
      const fill: Fill = {...exec, clientOrderId: s.clientOrderId}
      if (!this.emitExecution(fill, order.filledQty)) return
    }
    this.emitOrder(s, orderTs)
    if (exec) this.refreshSoon()
  }

  private onConnection(e: ConnectionEvent): void {
    if (this.closed || e.stream !== ALPACA_TRADE_STREAM) {
      if (!this.closed && e.stream === ALPACA_BAR_STREAM && e.kind === 'reconnected') void this.fillBarGap()
      return
    }
    if (e.kind === 'disconnected') {
      if (this.trusted) {
        this.trusted = false
        this.emit({kind: 'connection', ts: this.deps.clock.now(), status: 'disconnected'})
      }
    } else if (e.kind === 'reconnected') {
      this.trusted = false
      this.startReconcile()
    }
  }

  // ---------------------------------------------------------------- reconcile

  private startReconcile(): void {
    if (this.reconciling) {
      this.reconcileAgain = true
      return
    }
    this.reconciling = true
    void this.reconcileLoop()
  }

  private async reconcileLoop(): Promise<void> {
    for (let attempt = 0; !this.closed; ) {
      this.reconcileAgain = false
      try {
        await this.reconcile()
      } catch (err) {
        this.deps.onError?.({where: 'alpaca: reconcile after reconnect', error: err})
        await this.sleep(RECONCILE_BACKOFF_MS[Math.min(attempt++, RECONCILE_BACKOFF_MS.length - 1)])
        continue
      }
      if (this.reconcileAgain) continue
      // What arrived on the stream meanwhile, in order; repeats of what the reconcile reported are dropped.
      while (this.held.length > 0 && !this.closed) this.applyTradeFrame(this.held.shift()!.data)
      this.trusted = true
      this.reconciling = false
      this.emit({kind: 'connection', ts: this.deps.clock.now(), status: 'connected'})
      return
    }
    this.reconciling = false
  }

  /**
   * Over REST, what the stream may have missed: fills since the last known execution, the open orders, and the
   * orders the engine knew as open that are not open any more. Reports new executions (each once, oldest
   * first), then every order whose state changed, then positions and account.
   */
  protected async reconcile(): Promise<void> {
    const since = (this.lastExecTs ?? this.connectedAt ?? 0) - FILL_LOOKBACK_MS
    const activities = await this.fillActivities(since)
    const states = new Map<string, VenueOrder>()
    for (const o of await this.fetchOpen()) states.set(o.snap.venueOrderId, o)
    // Orders not known to be finished (also those sent during the gap, never reported yet) that are not open now.
    const wasOpen = [...this.ids.all()].filter((t) => t.venueId !== undefined && !(t.last && TERMINAL.has(t.last.status)) && !states.has(t.venueId))
    for (const t of wasOpen) {
      const o = await this.fetchOrder({venueOrderId: t.venueId!})
      if (o) states.set(o.snap.venueOrderId, o)
    }
    const fills: {fill: Fill; cum: number}[] = []
    for (const a of activities) {
      const known = this.fills.known(a.execId, FillIndex.cumKey(a.venueOrderId, a.cumQty))
      fills.push({fill: await this.toFill(a, known ?? a.execId), cum: a.cumQty})
      if (known === undefined && !states.has(a.venueOrderId)) {
        const o = await this.fetchOrder({venueOrderId: a.venueOrderId})
        if (o) states.set(o.snap.venueOrderId, o)
      }
    }
    for (const {fill, cum} of fills) this.emitExecution(fill, cum)
    const snaps = [...states.values()].map((o) => this.bind(o.snap, o.raw)).sort((a, b) => a.updatedAt - b.updatedAt)
    for (const s of snaps) this.emitOrder(s, s.updatedAt, true)
    if (this.dirty.size > 0) await this.refresh()
  }

  // ---------------------------------------------------------------- positions and account after fills

  private refreshSoon(): void {
    if (!this.refreshing) void this.refresh()
  }

  /** Reads positions and account once per batch of fills and reports them; a failure waits for the next fill. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return
    this.refreshing = true
    try {
      while (this.dirty.size > 0 && !this.closed) {
        const symbols = [...this.dirty].sort()
        this.dirty.clear()
        try {
          const positions = await this.positions()
          const account = await this.account()
          for (const symbol of symbols) {
            const p = positions.find((x) => x.symbol === symbol) ?? {symbol, side: 'net' as const, qty: 0, avgPrice: 0, realizedPnl: 0, ts: account.ts}
            this.emit({kind: 'position', ts: p.ts, position: p})
          }
          this.emit({kind: 'account', ts: account.ts, account})
        } catch (err) {
          for (const s of symbols) this.dirty.add(s)
          this.deps.onError?.({where: 'alpaca: positions and account after fills', error: err})
          return
        }
      }
    } finally {
      this.refreshing = false
    }
  }

  // ---------------------------------------------------------------- market feed

  async subscribeBars(symbols: readonly string[], tfMs: number, handler: (bar: FeedBar) => void): Promise<Unsubscribe> {
    if (tfMs !== MINUTE) throw new FinalError(`alpaca: the bar stream carries 1-minute bars; subscribe with tfMs ${MINUTE} and aggregate (asked ${tfMs})`, this.venue, 'timeframe')
    for (const s of symbols) {
      let set = this.barHandlers.get(s)
      if (!set) this.barHandlers.set(s, (set = new Set()))
      set.add(handler)
    }
    await this.deps.transport.subscribe({stream: ALPACA_BAR_STREAM, topics: [...symbols]})
    return () => {
      for (const s of symbols) this.barHandlers.get(s)?.delete(handler)
    }
  }

  private applyDataMessage(raw: unknown): void {
    for (const m of decodeAlpacaDataMessage(raw, this.deps.clock.now())) {
      if (m.kind === 'decode_error') this.reportDecode({channel: m.channel, reason: m.reason, raw: m.raw}, m)
      else if (m.kind === 'bar') this.deliverBar({...m.bar, tfMs: MINUTE})
    }
  }

  private deliverBar(bar: FeedBar): void {
    const handlers = this.barHandlers.get(bar.symbol)
    if (!handlers || handlers.size === 0) return
    const last = this.lastBar.get(bar.symbol)
    if (last !== undefined && bar.ts <= last) return
    this.lastBar.set(bar.symbol, bar.ts)
    for (const h of [...handlers]) h(bar)
  }

  /** After a market-data reconnect: the closed bars the stream missed, from GET /v2/stocks/bars. */
  private async fillBarGap(): Promise<void> {
    const symbols = [...this.barHandlers.keys()].filter((s) => this.lastBar.has(s) && this.barHandlers.get(s)!.size > 0).sort()
    if (symbols.length === 0) return
    const from = Math.min(...symbols.map((s) => this.lastBar.get(s)!)) + MINUTE
    const now = this.deps.clock.now()
    try {
      const params: Record<string, unknown> = {symbols: symbols.join(','), timeframe: '1Min', start: iso(from), limit: 10_000}
      const bars = []
      for (;;) {
        const res = await this.call('GET /v2/stocks/bars', params)
        if (res.status !== 200) throw this.mapped(res)
        const page = this.value(decodeAlpacaBars(res.body))
        bars.push(...page.items)
        if (!page.next) break
        params.page_token = page.next
      }
      bars.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
      for (const b of bars) if (b.ts + MINUTE <= now) this.deliverBar({symbol: b.symbol, ts: b.ts, tfMs: MINUTE, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume})
    } catch (err) {
      this.deps.onError?.({where: 'alpaca: bars missed during a market-data reconnect', error: err})
    }
  }

  // ---------------------------------------------------------------- plumbing

  private call(endpoint: string, params: Record<string, unknown> = {}, path?: Record<string, string>): Promise<RawResponse> {
    return this.deps.transport.request({endpoint, params, ...(path ? {path} : {})})
  }

  private mapped(res: RawResponse): BrokerError {
    return mapAlpacaError({status: res.status, body: res.body, headers: res.headers})
  }

  private errorText(res: RawResponse): string {
    const d = decodeAlpacaErrorBody(res.body)
    return d.ok ? d.value.message.replace(/[\r\n\t]+/g, ' ').slice(0, 200) : `HTTP ${res.status}`
  }

  private errorCode(res: RawResponse): string {
    const d = decodeAlpacaErrorBody(res.body)
    return d.ok && d.value.code !== undefined ? String(d.value.code) : `http_${res.status}`
  }

  /** The decoded value, or: the failure reported, and a retryable error thrown to the caller. */
  private value<T>(d: Decoded<T>): T {
    if (d.ok) return d.value
    throw this.undecodable(d.error)
  }

  private undecodable(f: DecodeFailure): BrokerError {
    this.decodeFailed(f)
    return new VenueUnavailableError(`alpaca: the venue's answer did not decode (${f.channel}: ${f.reason}); reported as a decode_error event`, this.venue, 'decode_error')
  }

  private decodeFailed(f: DecodeFailure): void {
    this.reportDecode(f, decodeErrorEvent(f, this.deps.clock.now()))
  }

  private reportDecode(f: DecodeFailure, event: BrokerEvent): void {
    this.deps.onDecodeError?.({where: f.channel, raw: f.raw, issue: f.reason})
    this.emit(event)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const h = this.deps.scheduler.after(ms, () => {
        this.timers.delete(h)
        resolve()
      })
      this.timers.add(h)
    })
  }
}

function sameState(a: OrderSnapshot, b: OrderSnapshot): boolean {
  return a.status === b.status && a.filledQty === b.filledQty && a.venueOrderId === b.venueOrderId && a.qty === b.qty && a.limitPrice === b.limitPrice && a.stopPrice === b.stopPrice
}
