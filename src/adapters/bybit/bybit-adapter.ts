/**
 * The Bybit v5 adapter: the broker port and the market feed of one Bybit account (linear perpetuals, hedge mode by
 * default), on a VenueTransport. It is a function of the transport's traffic, the injected clock and scheduler:
 * no SDK, no wall clock, no raw timers, so a journal of that traffic replays it exactly.
 *
 * - Orders: positionIdx 1 / 2 for the long / short leg (0 in one-way mode), reduce-only where asked (take-profits),
 *   orderLinkId = the engine's client order id (≤ 36 characters of [A-Za-z0-9_-], checked before sending). Every
 *   order is tracked before its request leaves, so a stream event that overtakes the answer finds it.
 * - Every answer and frame is decoded by the zod decoders of this folder; a payload that does not fit is reported
 *   (`onDecodeError` with the raw payload; stream frames also as `decode_error` events) and never replaced by a
 *   default. A REST payload that does not fit fails its call with BybitPayloadError.
 * - retCode ≠ 0 and HTTP refusals are mapped by `mapBybitError` (rate limits keep X-Bapi-Limit-Reset-Timestamp).
 * - Unknown outcome of a create (no answer, a timeout or server-error retCode, an answer that does not decode): the
 *   orderLinkId is looked up (GET /v5/order/realtime, then /v5/order/history) before anything else; found → the
 *   receipt, not found → the original retryable error (resending with the same orderLinkId is safe). A duplicate
 *   refusal (110072) is looked up too: the same order already there (an earlier attempt of this request) is the
 *   receipt, a different one is DuplicateClientOrderIdError. The adapter never sends a second create.
 * - Private stream (order, execution, position, wallet): events in the venue's order; each execution id applied
 *   once (stream, REST and duplicates alike). After the transport reports `reconnected`, frames wait while a REST
 *   reconcile (executions since the last one known, open orders, orders that were open and are no longer, positions,
 *   wallet; a leg that went flat in the gap is read by its symbol, since Bybit lists only held legs by settle coin)
 *   emits what was missed; then the waiting frames are applied and a `connection: connected` event says
 *   the stream is trusted again. A failed reconcile is retried on the scheduler.
 * - Account: the wallet has no fee total, so `fees` is the sum of the execution fees this adapter applied since it
 *   was created.
 * - Bars: `subscribeBars` goes to the public feed (`feed`, shareable between accounts; default: one on this
 *   adapter's own transport).
 */
import {resolveByClientOrderId} from '../unknown-outcome.js'
import type {Fill} from '../../core/fill.js'
import {ExecutionDeduper} from '../../core/fill.js'
import type {BrokerEvent} from '../../core/events.js'
import type {Instrument, PositionMode} from '../../core/instrument.js'
import type {AccountSnapshot} from '../../core/ledger.js'
import {hasLimitPrice, type OrderRequest, type OrderSnapshot, type PositionSide} from '../../core/order.js'
import {isTerminal} from '../../core/order-state.js'
import type {PositionSnapshot} from '../../core/position.js'
import {
  type BrokerError, DuplicateClientOrderIdError, FinalError, InvalidOrderError, NetworkError, OrderNotFoundError, RateLimitError,
  RequestTimeoutError, RetryableError,
} from '../../broker/errors.js'
import type {FeedBar, MarketFeed} from '../../broker/market-feed.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, VenueTransport} from '../../broker/transport.js'
import type {Clock} from '../../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../../core/time/scheduler.js'
import type {Decoded, DecodeFailure, Page} from '../decode.js'
import {
  type BybitDecodeContext, bybitInstrument, decodeBybitExecutions, decodeBybitInstruments, decodeBybitOrderAck, decodeBybitOrders,
  decodeBybitPositions, decodeBybitResponse, decodeBybitWallet,
} from './decode-rest.js'
import {decodeBybitFrame} from './decode-ws.js'
import {mapBybitError} from './errors.js'
import {amendParams, bybitCreateParams, orderLinkIdProblem, refParams} from './order-params.js'
import {BybitPublicFeed, type DecodeErrorReport} from './public-feed.js'
import {decodeBybitServerTime} from './server-time.js'
import {POSITION_MODE_NOT_MODIFIED, SWITCH_MODE_ENDPOINT, switchModeParams, switchRefused} from './position-mode.js'

export interface AdapterDeps {
  readonly transport: VenueTransport
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** The instruments traded; without them `connect()` loads the linear perpetuals from instruments-info. */
  readonly instruments?: readonly Instrument[]
  readonly onDecodeError?: (e: DecodeErrorReport) => void
}

export interface BybitAdapterOptions extends AdapterDeps {
  /**
   * The position mode the session trades perpetuals in. Given (the live wiring always gives it), `connect()` sets it
   * on the account through POST /v5/position/switch-mode for every perpetual that is not in it yet. Absent: 'hedge'
   * is assumed and the account is not touched.
   */
  readonly positionMode?: PositionMode
  /** Per-symbol modes over `positionMode` (Bybit sets the mode per symbol), also set at `connect()`. */
  readonly symbolPositionModes?: Readonly<Record<string, PositionMode>>
  /** The coin whose wallet and positions are read. Default USDT. */
  readonly settleCoin?: string
  /** Default UNIFIED. */
  readonly accountType?: string
  /** Leverage and maintenance margin rate for instruments loaded from instruments-info. Defaults 10 and 0.005. */
  readonly leverage?: number
  readonly maintenanceMarginRate?: number
  /** A shared public feed (GRID-09); default: a BybitPublicFeed on this adapter's transport. */
  readonly feed?: MarketFeed
  /** How far back `executionsSince` looks at most (Bybit keeps its window to 7 days per query). Default 7 days. */
  readonly executionLookbackMs?: number
  /** First wait before retrying a failed reconcile; doubles up to a minute. Default 1 s. */
  readonly reconcileRetryMs?: number
}

/** A venue answer that did not fit its schema (reported through onDecodeError with the raw payload). */
export class BybitPayloadError extends FinalError {
  override name = 'BybitPayloadError'
}

const VENUE = 'bybit'
const CATEGORY = 'linear'
export const PRIVATE_TOPICS = ['order', 'execution', 'position', 'wallet'] as const
const PRIVATE_STREAM = 'private'
const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS
const MAX_PAGES = 100
const MAX_RETRY_MS = 60_000
const MAX_FINISHED = 10_000

interface Tracked {
  readonly symbol: string
  readonly leg: PositionSide
  orderId?: string
  /** The request this adapter sent, to recognise its own order behind a duplicate refusal. */
  req?: OrderRequest
  /** The last snapshot emitted. */
  last?: OrderSnapshot
}

type StreamState = 'idle' | 'live' | 'gap' | 'reconciling'

type Answer<T> = {readonly ok: true; readonly value: T; readonly time: number | undefined} | {readonly ok: false; readonly error: BrokerError; readonly undecodable?: true}

export class BybitAdapter implements BrokerPort, MarketFeed {
  readonly venue = VENUE
  readonly positionMode: PositionMode
  private readonly transport: VenueTransport
  private readonly clock: Clock
  private readonly scheduler: Scheduler
  private readonly settleCoin: string
  private readonly accountType: string
  private readonly ctx: BybitDecodeContext
  private readonly feed: MarketFeed
  private readonly ownFeed: BybitPublicFeed | undefined
  private readonly instruments = new Map<string, Instrument>()
  private readonly handlers: BrokerEventHandler[] = []
  /** Orders by orderLinkId (or `#<orderId>` for orders placed without one). */
  private readonly orders = new Map<string, Tracked>()
  private readonly keyByOrderId = new Map<string, string>()
  /** Keys of finished orders, oldest first. */
  private readonly finished: string[] = []
  private readonly positionsSeen = new Map<string, PositionSnapshot>()
  private readonly deduper = new ExecutionDeduper()
  private readonly unsubs: Unsubscribe[] = []
  private feesPaid = 0
  /** Venue time of the newest execution applied, or of the connection test: where a reconcile starts looking. */
  private execHorizon: number | undefined
  private state: StreamState = 'idle'
  private generation = 0
  private readonly waiting: unknown[] = []
  private retryTimer: TimerHandle | undefined
  private retryMs: number

  constructor(private readonly opts: BybitAdapterOptions) {
    this.transport = opts.transport
    this.clock = opts.clock
    this.scheduler = opts.scheduler
    this.positionMode = opts.positionMode ?? 'hedge'
    this.settleCoin = opts.settleCoin ?? 'USDT'
    this.accountType = opts.accountType ?? 'UNIFIED'
    this.retryMs = opts.reconcileRetryMs ?? 1000
    this.ctx = {positionMode: this.positionMode, legOf: (id, link) => this.legOf(id, link), settleCoin: this.settleCoin, accountType: this.accountType}
    for (const i of opts.instruments ?? []) this.instruments.set(i.symbol, i)
    this.ownFeed = opts.feed ? undefined : new BybitPublicFeed({transport: opts.transport, clock: opts.clock, ...(opts.onDecodeError ? {onDecodeError: opts.onDecodeError} : {})})
    this.feed = opts.feed ?? this.ownFeed!
    this.unsubs.push(
      opts.transport.onFrame((f) => this.onFrame(f)),
      opts.transport.onConnection((e) => this.onConnection(e)),
    )
  }

  // ---------------------------------------------------------------- session

  /** Connection test (wallet balance), instruments if none were given, then the private stream. Mapped errors only. */
  async connect(): Promise<void> {
    const wallet = await this.call('GET /v5/account/wallet-balance', {accountType: this.accountType}, (r, t, c) => decodeBybitWallet(r, t ?? this.clock.now(), this.ctx, c))
    this.execHorizon ??= wallet.time ?? this.clock.now()
    if (this.instruments.size === 0) await this.loadInstruments()
    if (this.opts.positionMode !== undefined || this.opts.symbolPositionModes !== undefined) await this.ensurePositionModes()
    await this.transport.subscribe({stream: PRIVATE_STREAM, topics: PRIVATE_TOPICS})
    if (this.state === 'idle') this.state = 'live'
  }

  /** The mode orders on `symbol` follow (positionIdx 0, or 1 / 2). */
  positionModeOf(symbol: string): PositionMode {
    return this.opts.symbolPositionModes?.[symbol] ?? this.positionMode
  }

  /**
   * Puts each perpetual in the mode the session asks for: switch-mode per symbol; 110025 says it already is. A
   * refusal (a position or open orders in the other mode) stops the connect with one line naming the fix.
   */
  private async ensurePositionModes(): Promise<void> {
    for (const inst of this.instruments.values()) {
      if (inst.contract !== 'linear_perpetual') continue
      const mode = this.positionModeOf(inst.symbol)
      const res = await this.transport.request({endpoint: SWITCH_MODE_ENDPOINT, params: switchModeParams(CATEGORY, inst.symbol, mode)})
      const reply = res.status === 200 ? decodeBybitResponse(res.body, 'bybit:rest:/v5/position/switch-mode', (r) => ({ok: true as const, value: r})) : undefined
      if (reply?.ok) continue
      if (reply && 'rejected' in reply && reply.envelope.retCode === POSITION_MODE_NOT_MODIFIED) continue
      const a = this.answer(res, SWITCH_MODE_ENDPOINT, (r) => ({ok: true as const, value: r}))
      if (a.ok) continue
      if (a.error.retryable) throw a.error
      throw switchRefused(inst.symbol, mode, a.error.message)
    }
  }

  /** The venue's clock (GET /v5/market/time), for the session's clock origin. */
  async venueTime(): Promise<number> {
    const {value} = await this.call('GET /v5/market/time', {}, (r, _t, c) => decodeBybitServerTime(r, c))
    return value
  }

  async close(): Promise<void> {
    this.generation++
    this.retryTimer?.cancel()
    for (const u of this.unsubs.splice(0)) u()
    this.ownFeed?.close()
    await this.transport.close()
  }

  instrument(symbol: string): Instrument {
    const i = this.instruments.get(symbol)
    if (!i) throw new InvalidOrderError(`bybit: ${symbol} is not among this session's instruments (${[...this.instruments.keys()].join(', ') || 'none loaded'})`, VENUE, 'unknown_symbol')
    return i
  }

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    this.handlers.push(handler)
    return () => {
      const i = this.handlers.indexOf(handler)
      if (i >= 0) this.handlers.splice(i, 1)
    }
  }

  subscribeBars(symbols: readonly string[], tfMs: number, handler: (bar: FeedBar) => void): Promise<Unsubscribe> {
    return this.feed.subscribeBars(symbols, tfMs, handler)
  }

  // ---------------------------------------------------------------- orders

  async submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    const problem = orderLinkIdProblem(req.clientOrderId)
    if (problem) throw new InvalidOrderError(`bybit: client order id ${JSON.stringify(req.clientOrderId)} ${problem}; it is sent as the orderLinkId`, VENUE, 'order_link_id')
    if (req.tif === 'day') throw new InvalidOrderError(`bybit: ${req.clientOrderId}: DAY orders are not offered; use GTC, IOC or FOK`, VENUE, 'tif')
    const inst = this.instrument(req.symbol)
    const params = bybitCreateParams(req, inst, CATEGORY)
    const key = req.clientOrderId
    const known = this.orders.get(key)
    // Tracked before the request leaves: an event that overtakes the answer finds its order.
    if (!known) this.orders.set(key, {symbol: req.symbol, leg: req.positionSide ?? 'net', req})
    let res: RawResponse
    try {
      res = await this.transport.request({endpoint: 'POST /v5/order/create', params})
    } catch (err) {
      if (err instanceof RequestTimeoutError || err instanceof NetworkError) return this.resolveUnknownCreate(req, err)
      throw err
    }
    const answer = this.answer(res, 'POST /v5/order/create', (r, _t, c) => decodeBybitOrderAck(r, c))
    if (answer.ok) {
      this.noteOrderId(key, answer.value.orderId)
      return {clientOrderId: req.clientOrderId, venueOrderId: answer.value.orderId, ts: answer.time ?? this.clock.now()}
    }
    const err = answer.error
    if (answer.undecodable) return this.resolveUnknownCreate(req, err)
    if (err instanceof DuplicateClientOrderIdError) {
      // Whose order holds the id is for the venue to say: forget what this request assumed about it.
      if (!known) this.orders.delete(key)
      const found = await this.findOrder({clientOrderId: req.clientOrderId}).catch(() => undefined)
      if (found && sameOrder(found, req)) return {clientOrderId: req.clientOrderId, venueOrderId: found.venueOrderId, ts: found.createdAt}
      throw err
    }
    if (err instanceof RetryableError && !(err instanceof RateLimitError)) return this.resolveUnknownCreate(req, err)
    // A definite refusal: nothing was created (unless the id was already ours).
    if (!known) this.orders.delete(key)
    throw err
  }

  /**
   * The create may or may not have reached the venue: look the orderLinkId up before anything else. Found → its
   * receipt; not found (or the lookup failed too) → the original error, and the order stays tracked in case it
   * shows up later.
   */
  protected resolveUnknownCreate(req: OrderRequest, cause: BrokerError): Promise<SubmitReceipt> {
    return resolveByClientOrderId(req, cause, (ref) => this.findOrder(ref))
  }

  async cancelOrder(ref: OrderRef): Promise<void> {
    const symbol = await this.symbolOf(ref)
    await this.call('POST /v5/order/cancel', {category: CATEGORY, symbol, ...refParams(ref)}, (r, _t, c) => decodeBybitOrderAck(r, c))
  }

  async amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    const symbol = await this.symbolOf(ref)
    const fields = amendParams(changes, this.instrument(symbol))
    if (Object.keys(fields).length === 0) throw new InvalidOrderError('bybit: an amend needs a new qty, limit price or stop price', VENUE, 'amend_empty')
    await this.call('POST /v5/order/amend', {category: CATEGORY, symbol, ...refParams(ref), ...fields}, (r, _t, c) => decodeBybitOrderAck(r, c))
  }

  // ---------------------------------------------------------------- queries

  getOrder(ref: OrderRef): Promise<OrderSnapshot | undefined> {
    return this.findOrder(ref)
  }

  async openOrders(symbol?: string): Promise<OrderSnapshot[]> {
    const {items} = await this.allPages('GET /v5/order/realtime', {category: CATEGORY, ...(symbol ? {symbol} : {settleCoin: this.settleCoin}), openOnly: 0, limit: 50}, (r, _t, c) => decodeBybitOrders(r, c))
    for (const o of items) this.track(o)
    return items.filter((o) => !isTerminal(o.status))
  }

  async positions(): Promise<PositionSnapshot[]> {
    return (await this.allLegs()).filter((p) => p.qty !== 0)
  }

  async account(): Promise<AccountSnapshot> {
    const {value} = await this.call('GET /v5/account/wallet-balance', {accountType: this.accountType}, (r, t, c) => decodeBybitWallet(r, t ?? this.clock.now(), this.ctx, c))
    return {...value, fees: this.feesPaid}
  }

  /**
   * Executions with venue time >= `since`, oldest first (funding settlements left out). Bybit answers at most 7 days
   * per query: the range is walked in 7-day windows, starting no earlier than `executionLookbackMs` ago.
   */
  async executionsSince(since: number): Promise<Fill[]> {
    const now = this.clock.now()
    let start = Math.max(since, now - (this.opts.executionLookbackMs ?? WEEK_MS))
    const out: Fill[] = []
    do {
      const end = start + WEEK_MS - 1
      const {items} = await this.allPages('GET /v5/execution/list', {category: CATEGORY, startTime: start, endTime: end, limit: 100}, (r, _t, c) => decodeBybitExecutions(r, this.ctx, c))
      // Newest first within a window: reversed, the venue's own order.
      for (let i = items.length - 1; i >= 0; i--) if (items[i].ts >= since) out.push(items[i])
      start = end + 1
    } while (start <= now)
    return stableByTime(out)
  }

  /** The instruments-info linear perpetuals, made core Instruments with the configured leverage and margin rate. */
  async loadInstruments(): Promise<Instrument[]> {
    const {items} = await this.allPages('GET /v5/market/instruments-info', {category: CATEGORY, limit: 1000}, (r, _t, c) => decodeBybitInstruments(r, c))
    const account = {leverage: this.opts.leverage ?? 10, maintenanceMarginRate: this.opts.maintenanceMarginRate ?? 0.005}
    const out: Instrument[] = []
    for (const info of items) {
      if (info.contractType !== 'LinearPerpetual' || (info.settleCoin ?? info.quoteCoin) !== this.settleCoin) continue
      const inst = bybitInstrument(info, account)
      if (inst.ok) {
        this.instruments.set(inst.value.symbol, inst.value)
        out.push(inst.value)
      } else {
        this.report(inst.error)
      }
    }
    return out
  }

  // ---------------------------------------------------------------- the private stream

  private onFrame(frame: RawFrame): void {
    if (frame.stream !== PRIVATE_STREAM) return
    if (this.state === 'reconciling') this.waiting.push(frame.data)
    else this.applyFrame(frame.data)
  }

  private onConnection(e: ConnectionEvent): void {
    if (e.stream !== PRIVATE_STREAM) return
    if (e.kind === 'disconnected') {
      this.generation++
      this.retryTimer?.cancel()
      if (this.state !== 'idle') this.state = 'gap'
      this.emit({kind: 'connection', ts: this.clock.now(), status: 'disconnected'})
    } else if (e.kind === 'reconnected') {
      this.state = 'reconciling'
      this.retryMs = this.opts.reconcileRetryMs ?? 1000
      void this.reconcile(++this.generation)
    }
  }

  private applyFrame(raw: unknown): void {
    for (const m of decodeBybitFrame(raw, this.clock.now(), this.ctx)) {
      switch (m.kind) {
        case 'decode_error':
          this.opts.onDecodeError?.({where: m.channel, raw: m.raw, issue: m.reason})
          this.emit(m)
          break
        case 'order':
          this.emitOrder(m.order)
          break
        case 'execution':
          this.applyExecution(m.fill)
          break
        case 'position':
          this.emitPosition(m.position)
          break
        case 'account':
          this.emit({kind: 'account', ts: m.ts, account: {...m.account, fees: this.feesPaid}})
          break
        default:
          // Acks, trade-API replies, execution.fast hints and funding settlements carry no port event.
          break
      }
    }
  }

  /**
   * What the stream missed, from REST, before its frames are trusted again: executions since the last one known,
   * open orders, the orders that were open and are not any more, every position leg, and the wallet.
   */
  private async reconcile(gen: number): Promise<void> {
    try {
      const fills = await this.executionsSince(this.execHorizon ?? this.clock.now())
      const open = await this.openOrders()
      const openKeys = new Set(open.map(orderKey))
      const ended: OrderSnapshot[] = []
      for (const [key, t] of [...this.orders]) {
        if (openKeys.has(key) || (t.last && isTerminal(t.last.status))) continue
        const found = await this.findOrder(t.orderId ? {venueOrderId: t.orderId} : {clientOrderId: key})
        if (found) ended.push(found)
      }
      const legs = await this.allLegs()
      // Listed by settle coin, Bybit leaves flat legs out: a leg that closed in the gap is read by its symbol.
      const gone = new Set([...this.positionsSeen.values()].filter((p) => p.qty !== 0 && !legs.some((l) => l.symbol === p.symbol && l.side === p.side)).map((p) => p.symbol))
      for (const symbol of gone) {
        const {items} = await this.allPages('GET /v5/position/list', {category: CATEGORY, symbol}, (r, _t, c) => decodeBybitPositions(r, c))
        legs.push(...items.filter((l) => !legs.some((x) => x.symbol === l.symbol && x.side === l.side)))
      }
      const wallet = await this.call('GET /v5/account/wallet-balance', {accountType: this.accountType}, (r, t, c) => decodeBybitWallet(r, t ?? this.clock.now(), this.ctx, c))
      if (gen !== this.generation) return
      for (const f of fills) this.applyExecution(f)
      for (const o of [...open, ...ended]) if (this.changed(o)) this.emitOrder(o)
      for (const p of legs) this.emitPosition(p)
      this.emit({kind: 'account', ts: wallet.value.ts, account: {...wallet.value, fees: this.feesPaid}})
      this.state = 'live'
      for (const raw of this.waiting.splice(0)) this.applyFrame(raw)
      this.emit({kind: 'connection', ts: this.clock.now(), status: 'connected'})
    } catch {
      if (gen !== this.generation) return
      const wait = this.retryMs
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2)
      this.retryTimer = this.scheduler.after(wait, () => {
        if (gen === this.generation) void this.reconcile(gen)
      })
    }
  }

  private applyExecution(fill: Fill): void {
    if (!this.deduper.firstTime(fill.execId)) return
    this.feesPaid += fill.fee
    if (this.execHorizon === undefined || fill.ts > this.execHorizon) this.execHorizon = fill.ts
    this.emit({kind: 'execution', ts: fill.ts, fill})
  }

  private emitOrder(o: OrderSnapshot): void {
    const t = this.track(o)
    const wasDone = t.last !== undefined && isTerminal(t.last.status)
    t.last = o
    if (!wasDone && isTerminal(o.status)) this.forgetOldest(orderKey(o))
    this.emit({kind: 'order', ts: o.updatedAt, order: o})
  }

  /** Finished orders are kept for a while (late events, lookups), then forgotten: memory stays flat in long sessions. */
  private forgetOldest(finishedKey: string): void {
    this.finished.push(finishedKey)
    if (this.finished.length <= MAX_FINISHED) return
    const key = this.finished.shift()!
    const t = this.orders.get(key)
    if (!t?.last || !isTerminal(t.last.status)) return
    this.orders.delete(key)
    if (t.orderId !== undefined && this.keyByOrderId.get(t.orderId) === key) this.keyByOrderId.delete(t.orderId)
  }

  /** Position legs are emitted when they differ from the last seen (a reconcile re-reads every leg). */
  private emitPosition(p: PositionSnapshot): void {
    const key = `${p.symbol}\u0000${p.side}`
    const seen = this.positionsSeen.get(key)
    if (seen && seen.qty === p.qty && seen.avgPrice === p.avgPrice && seen.realizedPnl === p.realizedPnl && seen.ts === p.ts) return
    this.positionsSeen.set(key, p)
    this.emit({kind: 'position', ts: p.ts, position: p})
  }

  private changed(o: OrderSnapshot): boolean {
    const last = this.orders.get(orderKey(o))?.last
    return !last || last.status !== o.status || last.filledQty !== o.filledQty || last.updatedAt !== o.updatedAt || last.qty !== o.qty || last.limitPrice !== o.limitPrice || last.stopPrice !== o.stopPrice
  }

  private emit(event: BrokerEvent): void {
    for (const h of [...this.handlers]) h(event)
  }

  // ---------------------------------------------------------------- order bookkeeping

  private track(o: OrderSnapshot): Tracked {
    const key = orderKey(o)
    let t = this.orders.get(key)
    if (!t) this.orders.set(key, (t = {symbol: o.symbol, leg: o.positionSide ?? 'net'}))
    this.noteOrderId(key, o.venueOrderId)
    return t
  }

  private noteOrderId(key: string, orderId: string): void {
    const t = this.orders.get(key)
    if (t) t.orderId = orderId
    this.keyByOrderId.set(orderId, key)
  }

  private legOf(orderId: string, orderLinkId: string): PositionSide | undefined {
    return this.orders.get(orderLinkId || `#${orderId}`)?.leg ?? this.orders.get(this.keyByOrderId.get(orderId) ?? '')?.leg
  }

  /** The symbol of an order: known to this adapter, or looked up at the venue (OrderNotFoundError when it has none). */
  private async symbolOf(ref: OrderRef): Promise<string> {
    const key = 'venueOrderId' in ref ? this.keyByOrderId.get(ref.venueOrderId) : ref.clientOrderId
    const t = key !== undefined ? this.orders.get(key) : undefined
    if (t) return t.symbol
    const found = await this.findOrder(ref)
    if (!found) throw new OrderNotFoundError(`bybit: order ${describeRef(ref)} is not known to the venue`, VENUE, '110001')
    return found.symbol
  }

  /** One order by id: the realtime list first (open and recent), then the history. */
  private async findOrder(ref: OrderRef): Promise<OrderSnapshot | undefined> {
    const key = 'venueOrderId' in ref ? this.keyByOrderId.get(ref.venueOrderId) : ref.clientOrderId
    const symbol = key !== undefined ? this.orders.get(key)?.symbol : undefined
    const scope = symbol ? {symbol} : {settleCoin: this.settleCoin}
    for (const endpoint of ['GET /v5/order/realtime', 'GET /v5/order/history']) {
      const {value} = await this.call(endpoint, {category: CATEGORY, ...scope, ...refParams(ref)}, (r, _t, c) => decodeBybitOrders(r, c))
      const hit = value.items.find((o) => ('venueOrderId' in ref ? o.venueOrderId === ref.venueOrderId : o.clientOrderId === ref.clientOrderId))
      if (hit) {
        this.track(hit)
        return hit
      }
    }
    return undefined
  }

  /** Every position leg of the settle coin, flat legs included. */
  private async allLegs(): Promise<PositionSnapshot[]> {
    const {items} = await this.allPages('GET /v5/position/list', {category: CATEGORY, settleCoin: this.settleCoin, limit: 200}, (r, _t, c) => decodeBybitPositions(r, c))
    return items
  }

  // ---------------------------------------------------------------- REST plumbing

  private async call<T>(endpoint: string, params: Record<string, unknown>, decodeResult: (result: unknown, time: number | undefined, channel: string) => Decoded<T>): Promise<{value: T; time: number | undefined}> {
    const res = await this.transport.request({endpoint, params})
    const a = this.answer(res, endpoint, decodeResult)
    if (!a.ok) throw a.error
    return a
  }

  private async allPages<T>(endpoint: string, params: Record<string, unknown>, decodePage: (result: unknown, time: number | undefined, channel: string) => Decoded<Page<T>>): Promise<{items: T[]}> {
    const items: T[] = []
    let cursor: string | undefined
    for (let n = 0; n < MAX_PAGES; n++) {
      const {value} = await this.call(endpoint, cursor ? {...params, cursor} : params, decodePage)
      items.push(...value.items)
      if (!value.next || value.items.length === 0) return {items}
      cursor = value.next
    }
    throw new BybitPayloadError(`bybit: ${endpoint} still had pages after ${MAX_PAGES}; narrow the query`, VENUE, 'pages')
  }

  /** An answer: the decoded result, a refusal mapped to the taxonomy, or a payload that did not fit (reported). */
  private answer<T>(res: RawResponse, endpoint: string, decodeResult: (result: unknown, time: number | undefined, channel: string) => Decoded<T>): Answer<T> {
    const now = this.clock.now()
    if (res.status !== 200) return {ok: false, error: mapBybitError({code: res.status, body: res.body, headers: res.headers}, {now})}
    const channel = `bybit:rest:${endpoint.slice(endpoint.indexOf(' ') + 1)}`
    const reply = decodeBybitResponse(res.body, channel, decodeResult)
    if (reply.ok) return {ok: true, value: reply.value, time: reply.time}
    if ('rejected' in reply) return {ok: false, error: mapBybitError({retCode: reply.envelope.retCode, retMsg: reply.envelope.retMsg, headers: res.headers}, {now})}
    this.report(reply.error)
    return {ok: false, undecodable: true, error: new BybitPayloadError(`bybit: the answer to ${endpoint} does not fit its schema (${reply.error.reason}); reported with the raw payload`, VENUE, 'decode')}
  }

  private report(f: DecodeFailure): void {
    this.opts.onDecodeError?.({where: f.channel, raw: f.raw, issue: f.reason})
  }
}

function orderKey(o: Pick<OrderSnapshot, 'clientOrderId' | 'venueOrderId'>): string {
  return o.clientOrderId || `#${o.venueOrderId}`
}

function describeRef(ref: OrderRef): string {
  return 'venueOrderId' in ref ? `orderId ${ref.venueOrderId}` : `orderLinkId ${ref.clientOrderId}`
}

/** The venue's order is the one `req` asked for (an earlier attempt of the same request). */
function sameOrder(o: OrderSnapshot, req: OrderRequest): boolean {
  const near = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined) || (a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)))
  return o.symbol === req.symbol && o.side === req.side && o.type === req.type && near(o.qty, req.qty) &&
    near(o.limitPrice, hasLimitPrice(req.type) ? req.limitPrice : undefined) && (o.positionSide ?? 'net') === (req.positionSide ?? 'net')
}

/** Sorted by time, keeping the venue's order within an instant. */
function stableByTime(fills: Fill[]): Fill[] {
  return fills.map((f, i) => [f, i] as const).sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1]).map(([f]) => f)
}
