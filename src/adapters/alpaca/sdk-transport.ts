/**
 * The VenueTransport on `@alpacahq/alpaca-trade-api` 4: the only module that imports the SDK (lazily). It signs
 * requests and runs the websockets; everything it hands up is the venue's own data:
 *
 * - REST: each endpoint goes through the SDK's generated `*Raw` method (retry and client rate limiting off: the
 *   resilience layer above owns them), and the answer is the HTTP status, the rate-limit headers and the body
 *   parsed from the response text (never the SDK's camelCased model). A 4xx/5xx is an answer too.
 * - No answer: `RequestTimeoutError` when the request may have reached the venue (deadline, connection reset
 *   after sending), `NetworkError` when it certainly did not leave (connection refused, unknown host).
 * - Streams: the SDK's TradingStream (`trade_updates`) and StockDataStream (minute bars), with the endpoints
 *   overridable (`wsUrl`, `dataWsUrl`). Frames are tapped where the SDK has parsed them, before its own mapping:
 *   trading frames are the JSON verbatim; market-data frames are MessagePack, whose timestamps become RFC 3339
 *   text with every digit the venue sent. Trade updates are subscribed once before connect(); the SDK re-sends the
 *   subscription after each reconnect, and `reconnected` is reported when the venue confirms it.
 * - No credential appears in a frame, answer or error (messages are built from status, code and venue text only,
 *   and scrubbed of the key and secret).
 */
import type {Unsubscribe} from '../../broker/port.js'
import {AuthenticationError, type BrokerError, NetworkError, RequestTimeoutError} from '../../broker/errors.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../broker/transport.js'
import {safeText} from '../sdk-errors.js'
import {mapAlpacaError} from './errors.js'

type Sdk = typeof import('@alpacahq/alpaca-trade-api')

export interface SdkTransportOptions {
  readonly credentials: {readonly key: string; readonly secret: string}
  /** Trading REST base, e.g. https://paper-api.alpaca.markets or the emulator's http://127.0.0.1:port. */
  readonly baseUrl?: string
  /** trade_updates stream: a full URL, or a base (…/stream is appended when it has no path). */
  readonly wsUrl?: string
  /** Market-data REST base (default: baseUrl unless that is an Alpaca trading host, else https://data.alpaca.markets). */
  readonly dataUrl?: string
  /** Market-data stream: a full URL, or a base (…/v2/iex is used when it has no path or /stream); default: wsUrl's host unless Alpaca's. */
  readonly dataWsUrl?: string
  /** Paper (default) or live trading hosts, when no baseUrl is given. */
  readonly paper?: boolean
  readonly testnet?: boolean
  readonly demo?: boolean
  /** Per-request deadline, and the wait for a stream subscription to be confirmed (default 10 s). */
  readonly requestTimeoutMs?: number
  /** Stream reconnect backoff: first delay and cap (defaults 1 s and 30 s). */
  readonly reconnect?: {readonly initialMs?: number; readonly maxMs?: number}
}

const ALPACA_TRADE_STREAM = 'trade_updates'
const ALPACA_BAR_STREAM = 'bars'

const DEFAULT_TIMEOUT_MS = 10_000
const HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id', 'retry-after']
/** Failures that happen before a request is on the wire. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL', 'ERR_TLS_CERT_ALTNAME_INVALID'])

export async function createAlpacaSdkTransport(opts: SdkTransportOptions): Promise<VenueTransport> {
  const sdk = await import('@alpacahq/alpaca-trade-api')
  return new AlpacaSdkTransport(sdk, opts)
}

// ---------------------------------------------------------------- parameter mapping

type Kind = 'string' | 'number' | 'boolean' | 'date'
type ParamSpec = Readonly<Record<string, readonly [camel: string, kind: Kind]>>

/** Venue field names → the SDK's request fields; an unknown parameter is a programming error, never dropped. */
function sdkParams(endpoint: string, params: Readonly<Record<string, unknown>>, spec: ParamSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params)) {
    const s = spec[k]
    if (!s) throw new TypeError(`alpaca transport: ${endpoint} takes no parameter "${k}" (known: ${Object.keys(spec).join(', ')})`)
    if (v === undefined || v === null) continue
    const [name, kind] = s
    out[name] = kind === 'date' ? new Date(String(v)) : kind === 'number' ? Number(v) : kind === 'boolean' ? Boolean(v) : String(v)
  }
  return out
}

const ORDER_FIELDS: ParamSpec = {
  symbol: ['symbol', 'string'], qty: ['qty', 'string'], notional: ['notional', 'string'], side: ['side', 'string'], type: ['type', 'string'],
  time_in_force: ['timeInForce', 'string'], limit_price: ['limitPrice', 'string'], stop_price: ['stopPrice', 'string'],
  trail_price: ['trailPrice', 'string'], trail_percent: ['trailPercent', 'string'], extended_hours: ['extendedHours', 'boolean'],
  client_order_id: ['clientOrderId', 'string'], order_class: ['orderClass', 'string'], position_intent: ['positionIntent', 'string'],
}
const REPLACE_FIELDS: ParamSpec = {
  qty: ['qty', 'string'], time_in_force: ['timeInForce', 'string'], limit_price: ['limitPrice', 'string'], stop_price: ['stopPrice', 'string'],
  trail: ['trail', 'string'], client_order_id: ['clientOrderId', 'string'],
}
const LIST_ORDERS: ParamSpec = {
  status: ['status', 'string'], limit: ['limit', 'number'], after: ['after', 'string'], until: ['until', 'string'], direction: ['direction', 'string'],
  nested: ['nested', 'boolean'], symbols: ['symbols', 'string'], side: ['side', 'string'],
}
const ACTIVITIES: ParamSpec = {
  date: ['date', 'date'], after: ['after', 'date'], until: ['until', 'date'], direction: ['direction', 'string'], page_size: ['pageSize', 'number'], page_token: ['pageToken', 'string'],
}
const BARS: ParamSpec = {
  symbols: ['symbols', 'string'], timeframe: ['timeframe', 'string'], start: ['start', 'date'], end: ['end', 'date'], limit: ['limit', 'number'],
  page_token: ['pageToken', 'string'], feed: ['feed', 'string'], sort: ['sort', 'string'], adjustment: ['adjustment', 'string'],
}
const NONE: ParamSpec = {}
const BY_CLIENT_ID: ParamSpec = {client_order_id: ['clientOrderId', 'string']}

function pathParam(req: VenueRequest, name: string): string {
  const v = req.path?.[name]
  if (!v) throw new TypeError(`alpaca transport: ${req.endpoint} needs the path parameter ${name}`)
  return v
}

interface RawCall {
  raw: Response
}

// ---------------------------------------------------------------- JSON-safe frames

interface Rfc3339Like {
  toRFC3339(): string
}

function isTimestamp(v: object): v is Rfc3339Like {
  return typeof (v as Partial<Rfc3339Like>).toRFC3339 === 'function'
}

/** The SDK's MessagePack decode as plain JSON values: timestamps as RFC 3339 text (all digits), 64-bit ints kept exact. */
function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (v === null || typeof v !== 'object') return v
  if (v instanceof Date) return v.toISOString()
  if (isTimestamp(v)) return v.toRFC3339()
  if (Array.isArray(v)) return v.map(jsonSafe)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x)
  return out
}

/**
 * Alpaca serves trading and market data from different hosts; an emulator (or a proxy) serves both from one. A
 * market-data URL is used when given, or else the trading URL; but an Alpaca host that is not a market-data host
 * (paper-api, api) means the SDK's own market-data default.
 */
function marketDataUrl(url: string | undefined, dataHost: RegExp): string | undefined {
  if (!url) return undefined
  const host = new URL(url).hostname
  return /(^|\.)alpaca\.markets$/i.test(host) && !dataHost.test(host) ? undefined : url
}

function streamUrl(url: string, defaultPath: string): string {
  const u = new URL(url)
  if (u.pathname === '' || u.pathname === '/') u.pathname = defaultPath
  return u.toString()
}

// ---------------------------------------------------------------- the transport

class AlpacaSdkTransport implements VenueTransport {
  readonly venue = 'alpaca'
  private readonly secrets: readonly string[]
  private readonly timeoutMs: number
  private readonly routes: Record<string, (req: VenueRequest) => Promise<RawCall>>
  private readonly frameHandlers = new Set<(f: RawFrame) => void>()
  private readonly connHandlers = new Set<(e: ConnectionEvent) => void>()
  private readonly trading: StreamState
  private readonly data: StreamState
  private closed = false

  constructor(private readonly sdk: Sdk, private readonly opts: SdkTransportOptions) {
    const {key, secret} = opts.credentials
    this.secrets = [key, secret]
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS
    const common = {keyId: key, secret, timeoutMs: this.timeoutMs}
    const tradingConfig = new sdk.trading.Configuration({...common, paper: opts.paper ?? true, ...(opts.baseUrl ? {basePath: opts.baseUrl.replace(/\/+$/, '')} : {})})
    const dataUrl = marketDataUrl(opts.dataUrl ?? opts.baseUrl, /^data(\.sandbox)?\.alpaca\.markets$/)
    const dataConfig = new sdk.marketData.Configuration({...common, ...(dataUrl ? {basePath: dataUrl.replace(/\/+$/, '')} : {})})
    const accounts = new sdk.trading.AccountsApi(tradingConfig)
    const orders = new sdk.trading.OrdersApi(tradingConfig)
    const positions = new sdk.trading.PositionsApi(tradingConfig)
    const activities = new sdk.trading.AccountActivitiesApi(tradingConfig)
    const clock = new sdk.trading.ClockApi(tradingConfig)
    const stocks = new sdk.marketData.StockApi(dataConfig)
    const p = (req: VenueRequest, spec: ParamSpec) => sdkParams(req.endpoint, req.params, spec) as never
    this.routes = {
      'GET /v2/account': (r) => (p(r, NONE), accounts.getAccountRaw()),
      'GET /v2/clock': (r) => (p(r, NONE), clock.legacyClockRaw()),
      'POST /v2/orders': (r) => orders.postOrderRaw({postOrderRequest: p(r, ORDER_FIELDS)}),
      'GET /v2/orders': (r) => orders.getAllOrdersRaw(p(r, LIST_ORDERS)),
      'GET /v2/orders/{order_id}': (r) => (p(r, NONE), orders.getOrderByOrderIDRaw({orderId: pathParam(r, 'order_id')})),
      'GET /v2/orders:by_client_order_id': (r) => orders.getOrderByClientOrderIdRaw(p(r, BY_CLIENT_ID)),
      'DELETE /v2/orders/{order_id}': (r) => (p(r, NONE), orders.deleteOrderByOrderIDRaw({orderId: pathParam(r, 'order_id')})),
      'PATCH /v2/orders/{order_id}': (r) => orders.patchOrderByOrderIdRaw({orderId: pathParam(r, 'order_id'), patchOrderRequest: p(r, REPLACE_FIELDS)}),
      'GET /v2/positions': (r) => (p(r, NONE), positions.getAllOpenPositionsRaw()),
      'GET /v2/positions/{symbol_or_asset_id}': (r) => (p(r, NONE), positions.getOpenPositionRaw({symbolOrAssetId: pathParam(r, 'symbol_or_asset_id')})),
      'GET /v2/account/activities/{activity_type}': (r) =>
        activities.getAccountActivitiesByActivityTypeRaw({...(p(r, ACTIVITIES) as object), activityType: pathParam(r, 'activity_type')}),
      'GET /v2/stocks/bars': (r) => stocks.stockBarsRaw(p(r, BARS)),
    }
    const reconnect = {initialMs: opts.reconnect?.initialMs ?? 1_000, maxMs: opts.reconnect?.maxMs ?? 30_000}
    this.trading = new StreamState(ALPACA_TRADE_STREAM, () => this.makeTradingStream(reconnect), this)
    this.data = new StreamState(ALPACA_BAR_STREAM, () => this.makeDataStream(reconnect), this)
  }

  // ---------------------------------------------------------------- REST

  async request(req: VenueRequest): Promise<RawResponse> {
    const route = this.routes[req.endpoint]
    if (!route) throw new TypeError(`alpaca transport: no route for ${req.endpoint}; add it to sdk-transport.ts`)
    let response: Response
    try {
      response = (await route(req)).raw
    } catch (err) {
      const answered = this.answerOf(err)
      if (!answered) throw this.noAnswer(req.endpoint, err)
      response = answered
    }
    return this.read(req.endpoint, response)
  }

  /** The HTTP response inside the SDK's ApiError (a non-2xx answer), if there is one. */
  private answerOf(err: unknown): Response | undefined {
    if (err instanceof this.sdk.errors.ResponseError) return err.response
    return undefined
  }

  private async read(endpoint: string, response: Response): Promise<RawResponse> {
    const headers: Record<string, string> = {}
    for (const h of HEADERS) {
      const v = response.headers.get(h)
      if (v !== null) headers[h] = v
    }
    let text: string
    try {
      text = response.bodyUsed ? '' : await response.text()
    } catch (err) {
      throw this.noAnswer(endpoint, err)
    }
    let body: unknown = null
    if (text !== '') {
      try {
        body = JSON.parse(text)
      } catch {
        body = text // not JSON (a proxy's error page): kept as it came, for the decoder to refuse
      }
    }
    return {status: response.status, headers, body}
  }

  /** A failure without an answer: did the request possibly reach the venue? */
  private noAnswer(endpoint: string, err: unknown): BrokerError | Error {
    if (err instanceof this.sdk.trading.RequiredError || err instanceof TypeError && !(err as {cause?: unknown}).cause) {
      return new TypeError(safeText(`alpaca transport: ${endpoint}: ${(err as Error).message}`, this.secrets))
    }
    const {names, codes, messages} = causes(err)
    const detail = safeText(codes[0] ?? messages.find((m) => m && !/^fetch failed$/i.test(m)) ?? names[0] ?? 'no answer', this.secrets)
    if (names.includes('TimeoutError')) {
      return new RequestTimeoutError(`alpaca: ${endpoint}: no answer within ${this.timeoutMs} ms; the outcome is unknown, query the client order id`, this.venue, 'timeout')
    }
    if (codes.some((c) => NOT_SENT.has(c))) {
      return new NetworkError(`alpaca: ${endpoint}: could not reach the venue (${detail}); the request did not leave, retry with the same client order id`, this.venue, codes[0])
    }
    return new RequestTimeoutError(`alpaca: ${endpoint}: the connection ended before the answer (${detail}); the outcome is unknown, query the client order id`, this.venue, codes[0] ?? 'no_answer')
  }

  // ---------------------------------------------------------------- streams

  subscribe(sub: StreamSubscription): Promise<void> {
    if (this.closed) return Promise.reject(new NetworkError('alpaca: transport closed', this.venue, 'closed'))
    if (sub.stream === ALPACA_TRADE_STREAM) return this.trading.subscribe(sub.topics)
    if (sub.stream === ALPACA_BAR_STREAM) return this.data.subscribe(sub.topics)
    return Promise.reject(new TypeError(`alpaca transport: unknown stream ${sub.stream} (use ${ALPACA_TRADE_STREAM} or ${ALPACA_BAR_STREAM})`))
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    this.frameHandlers.add(handler)
    return () => this.frameHandlers.delete(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    this.connHandlers.add(handler)
    return () => this.connHandlers.delete(handler)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.trading.close()
    this.data.close()
  }

  get isClosed(): boolean {
    return this.closed
  }

  frame(f: RawFrame): void {
    if (this.closed) return
    for (const h of [...this.frameHandlers]) h(f)
  }

  connection(e: ConnectionEvent): void {
    if (this.closed) return
    for (const h of [...this.connHandlers]) h(e)
  }

  get timeout(): number {
    return this.timeoutMs
  }

  authError(frame: unknown): BrokerError {
    return mapAlpacaError(frame, {secrets: this.secrets})
  }

  private streamOptions(reconnect: {initialMs: number; maxMs: number}) {
    return {
      credentials: {keyId: this.opts.credentials.key, secret: this.opts.credentials.secret},
      reconnect: true,
      maxReconnectAttempts: this.sdk.streaming.UNLIMITED_RECONNECT_ATTEMPTS,
      initialReconnectMs: reconnect.initialMs,
      maxReconnectMs: reconnect.maxMs,
    }
  }

  private makeTradingStream(reconnect: {initialMs: number; maxMs: number}): SdkStream {
    const state = this.trading
    const url = this.opts.wsUrl ? streamUrl(this.opts.wsUrl, '/stream') : undefined
    class Tapped extends this.sdk.streaming.TradingStream {
      protected override handleMessage(message: unknown): void {
        state.onMessage(message)
        super.handleMessage(message)
      }
    }
    const s = new Tapped({...this.streamOptions(reconnect), paper: this.opts.paper ?? true, ...(url ? {url} : {})})
    return {
      stream: s,
      listen: () => s.subscribeTradeUpdates(),
      confirms: (m) => isRecord(m) && m.stream === 'listening' && Array.isArray((m.data as {streams?: unknown})?.streams) && ((m.data as {streams: unknown[]}).streams.includes('trade_updates')),
      refusal: (m) => (isRecord(m) && m.stream === 'authorization' && isRecord(m.data) && m.data.status === 'unauthorized' ? this.authError(m) : undefined),
    }
  }

  private makeDataStream(reconnect: {initialMs: number; maxMs: number}): SdkStream {
    const state = this.data
    const given = marketDataUrl(this.opts.dataWsUrl ?? this.opts.wsUrl, /^stream\.data(\.sandbox)?\.alpaca\.markets$/)
    // A base URL, or the trading stream's (/stream), means the market-data stream of the same host.
    const url = given ? streamUrl(/^\/(stream)?$/.test(new URL(given).pathname) ? new URL(given).origin : given, '/v2/iex') : undefined
    class Tapped extends this.sdk.streaming.StockDataStream {
      protected override handleMessage(message: unknown): void {
        state.onMessage(jsonSafe(message))
        super.handleMessage(message)
      }
    }
    const s = new Tapped({...this.streamOptions(reconnect), feed: 'iex', ...(url ? {url} : {})})
    return {
      stream: s,
      listen: (topics) => s.subscribeForBars([...topics]),
      confirms: (m, topics) => Array.isArray(m) && m.some((f) => isRecord(f) && f.T === 'subscription' && Array.isArray(f.bars) && topics.every((t) => (f.bars as unknown[]).includes(t))),
      refusal: (m) => {
        if (!Array.isArray(m)) return undefined
        const e = m.find((f) => isRecord(f) && f.T === 'error' && (f.code === 401 || f.code === 402 || f.code === 404))
        return e ? new AuthenticationError(`alpaca: market-data stream refused the credentials (${safeText(String(e.code), this.secrets)} ${safeText(String(e.msg ?? ''), this.secrets)}); check APCA key id and secret`, this.venue, String(e.code)) : undefined
      },
    }
  }
}

interface SdkStreamLike {
  connect(): void
  disconnect(): void
  onStateChange(fn: (state: string) => void): unknown
}

interface SdkStream {
  readonly stream: SdkStreamLike
  /** Asks for `topics` (the SDK sends it now if authenticated, else after authentication, and after each reconnect). */
  listen(topics: readonly string[]): void
  /** Whether this message confirms `topics`. */
  confirms(message: unknown, topics: readonly string[]): boolean
  /** The error when this message refuses the credentials. */
  refusal(message: unknown): BrokerError | undefined
}

interface Waiter {
  readonly topics: readonly string[]
  readonly resolve: () => void
  readonly reject: (e: unknown) => void
  readonly timer: ReturnType<typeof setTimeout>
}

/** One SDK stream: connects on the first subscription, confirms subscriptions, reports drops and reconnects. */
class StreamState {
  private sdkStream: SdkStream | undefined
  private readonly waiters = new Set<Waiter>()
  private confirmed = false
  private down = false
  private opened = false
  private downReason: string | undefined

  constructor(private readonly name: string, private readonly make: () => SdkStream, private readonly owner: AlpacaSdkTransport) {}

  subscribe(topics: readonly string[]): Promise<void> {
    const first = !this.sdkStream
    if (!this.sdkStream) {
      this.sdkStream = this.make()
      this.sdkStream.stream.onStateChange((s) => this.onState(s))
    }
    const s = this.sdkStream
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w)
        const msg = this.opened
          ? `alpaca: ${this.name} stream: the subscription was not confirmed within ${this.owner.timeout} ms`
          : `alpaca: ${this.name} stream: could not connect within ${this.owner.timeout} ms`
        reject(this.opened ? new RequestTimeoutError(msg, 'alpaca', 'stream_timeout') : new NetworkError(msg, 'alpaca', 'stream_connect'))
        // Never confirmed: stop the SDK's reconnect loop; the next subscribe starts afresh.
        if (!this.confirmed && this.waiters.size === 0) this.reset()
      }, this.owner.timeout)
      const w: Waiter = {topics, resolve, reject, timer}
      this.waiters.add(w)
    })
    s.listen(topics)
    if (first) s.stream.connect()
    return done
  }

  onMessage(message: unknown): void {
    if (this.owner.isClosed || !this.sdkStream) return
    this.owner.frame({stream: this.name, data: message})
    const refusal = this.sdkStream.refusal(message)
    if (refusal) {
      // The SDK closes for good after a refusal: the next subscribe starts a new stream.
      this.downReason = 'credentials refused'
      for (const w of this.waiters) this.settle(w, refusal)
      if (!this.confirmed) this.reset()
      return
    }
    let confirms = false
    for (const w of this.waiters) {
      if (this.sdkStream.confirms(message, w.topics)) {
        confirms = true
        this.settle(w)
      }
    }
    if (!confirms && !this.sdkStream.confirms(message, [])) return
    if (!this.confirmed) {
      this.confirmed = true
      this.owner.connection({kind: 'connected', stream: this.name})
    } else if (this.down) {
      this.down = false
      this.owner.connection({kind: 'reconnected', stream: this.name})
    }
  }

  private onState(state: string): void {
    if (state === 'connected') this.opened = true
    if (state === 'disconnected' && this.confirmed && !this.down && !this.owner.isClosed) {
      this.down = true
      this.owner.connection({kind: 'disconnected', stream: this.name, reason: this.downReason ?? 'socket closed'})
      this.downReason = undefined
    }
  }

  private reset(): void {
    const s = this.sdkStream
    this.sdkStream = undefined
    this.opened = false
    s?.stream.disconnect()
  }

  private settle(w: Waiter, err?: unknown): void {
    clearTimeout(w.timer)
    this.waiters.delete(w)
    if (err) w.reject(err)
    else w.resolve()
  }

  close(): void {
    for (const w of this.waiters) this.settle(w, new NetworkError(`alpaca: ${this.name} stream closed before the subscription was confirmed`, 'alpaca', 'closed'))
    this.sdkStream?.stream.disconnect()
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Names, codes and messages along an error's cause chain (fetch wraps the socket error twice). */
function causes(err: unknown): {names: string[]; codes: string[]; messages: string[]} {
  const names: string[] = []
  const codes: string[] = []
  const messages: string[] = []
  let e: unknown = err
  for (let depth = 0; depth < 6 && typeof e === 'object' && e !== null; depth++) {
    const r = e as {name?: unknown; code?: unknown; message?: unknown; cause?: unknown}
    if (typeof r.name === 'string') names.push(r.name)
    if (typeof r.code === 'string') codes.push(r.code)
    if (typeof r.message === 'string') messages.push(r.message)
    e = r.cause
  }
  return {names, codes, messages}
}
