/**
 * Alpaca's wire protocol over an EmulatedVenue: the Trading API v2 subset the adapter uses, GET /v2/stocks/bars,
 * the `trade_updates` websocket (/stream) and the market-data websocket (/v2/{feed}).
 *
 * REST: auth by the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers (401 `{code: 40110000}` otherwise), 200
 * requests per minute per key through `venue.checkRate` (429 with X-RateLimit-Limit / -Remaining / -Reset, the
 * reset in unix seconds; the headers come with every answer), then the armed fault if any, then the request on
 * the simulator. Queries answer with the simulator's state at arrival; the stream reports the simulator's events.
 *
 * Errors as Alpaca answers them: 403 buying power, 422 invalid order / not cancelable / duplicate
 * `client_order_id must be unique`, 404 not found; a `drop_response` fault does the work and then cuts the
 * connection without an answer.
 */
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {WebSocket} from 'ws'
import {z} from 'zod'
import type {FeedBar} from '../../broker/market-feed.js'
import type {AmendRequest} from '../../broker/port.js'
import {BrokerError, DuplicateClientOrderIdError, InsufficientFundsError, MarketClosedError, OrderNotFoundError, RateLimitError} from '../../broker/errors.js'
import type {BrokerEvent} from '../../core/events.js'
import type {Fill} from '../../core/fill.js'
import type {OrderRequest, OrderSnapshot, OrderStatus} from '../../core/order.js'
import type {EmulatedVenue, EmulatorProtocol, RateRule} from '../venue-api.js'
import {MarketDataSockets} from './market-data-socket.js'
import {type OrderRecord, OrderRecords} from './order-records.js'
import {
  accountJson, assetClassOf, clockJson, dec, errorJson, fillActivityJson, iso, orderJson, positionJson, restBarJson, type OrderFacts,
} from './payloads.js'

export interface AlpacaProtocolOptions {
  /** Requests per window per key (Alpaca: 200 per minute). */
  readonly rateLimit?: {readonly limit: number; readonly windowMs: number}
  /** Longest client_order_id accepted (the current API spec: 128). */
  readonly maxClientOrderId?: number
}

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired'])
const DATA_PATHS = /^\/(v2\/(iex|sip|delayed_sip|test)|v1beta3\/crypto\/[a-z]+)$/

class HttpAnswer {
  constructor(readonly status: number, readonly body: unknown) {}
}

const fail = (status: number, code: number, message: string): never => {
  throw new HttpAnswer(status, errorJson(code, message))
}

// ---------------------------------------------------------------- request bodies

const decimalInput = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^-?(\d+(\.\d*)?|\.\d+)$/.test(v.trim()) ? Number(v) : NaN
  if (!Number.isFinite(n)) {
    ctx.addIssue({code: 'custom', message: `${JSON.stringify(v)} is not a number`})
    return z.NEVER
  }
  return n
})

const OrderBody = z.object({
  symbol: z.string().min(1),
  qty: decimalInput.optional(),
  notional: decimalInput.optional(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']),
  limit_price: decimalInput.optional(),
  stop_price: decimalInput.optional(),
  client_order_id: z.string().optional(),
  extended_hours: z.boolean().optional(),
  order_class: z.string().optional(),
}).passthrough()

const ReplaceBody = z.object({
  qty: decimalInput.optional(),
  limit_price: decimalInput.optional(),
  stop_price: decimalInput.optional(),
  time_in_force: z.string().optional(),
  client_order_id: z.string().optional(),
}).passthrough()

function parseJson(body: string): unknown {
  if (body.trim() === '') return {}
  try {
    return JSON.parse(body)
  } catch {
    return fail(400, 40010000, 'request body format is invalid')
  }
}

function issueText(e: z.ZodError): string {
  const i = e.issues[0]
  return `${i.path.join('.') || 'body'}: ${i.message}`
}

// ---------------------------------------------------------------- the protocol

interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly endpoint: string
  readonly handle: (ctx: Ctx) => Promise<HttpAnswer>
}

interface Ctx {
  readonly params: Record<string, string>
  readonly query: URLSearchParams
  readonly body: string
}

interface TradeConn {
  readonly ws: WebSocket
  authed: boolean
  listening: boolean
}

export class AlpacaProtocol implements EmulatorProtocol {
  private readonly records: OrderRecords
  private readonly routes: Route[]
  private readonly rules: readonly RateRule[]
  private readonly maxCid: number
  private readonly trade = new Set<TradeConn>()
  private readonly data: MarketDataSockets
  private readonly bars = new Map<string, FeedBar[]>()
  private readonly lastClose = new Map<string, number>()
  private readonly netQty = new Map<string, number>()
  /** Executions seen before their order's first event (they wait for it). */
  private readonly early = new Map<string, Fill[]>()

  constructor(private readonly venue: EmulatedVenue, opts: AlpacaProtocolOptions = {}) {
    this.records = new OrderRecords((symbol) => assetClassOf(venue.instrument(symbol)))
    const rl = opts.rateLimit ?? {limit: 200, windowMs: 60_000}
    this.rules = [{bucket: 'account', limit: rl.limit, windowMs: rl.windowMs}]
    this.maxCid = opts.maxClientOrderId ?? 128
    this.data = new MarketDataSockets(venue.credentials)
    venue.broker.subscribe((e) => this.onVenueEvent(e))
    venue.onBar((b) => this.onBar(b))
    const r = (method: string, path: string, handle: (ctx: Ctx) => Promise<HttpAnswer>): Route => {
      const names: string[] = []
      const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`)
      const route: Route = {method, pattern, endpoint: `${method} ${path}`, handle}
      ;(route as {names?: string[]}).names = names
      return route
    }
    this.routes = [
      r('GET', '/v2/account', () => this.account()),
      r('GET', '/v2/clock', async () => new HttpAnswer(200, clockJson(this.venue.now()))),
      r('POST', '/v2/orders', (c) => this.submit(c)),
      r('GET', '/v2/orders', (c) => this.listOrders(c)),
      r('GET', '/v2/orders:by_client_order_id', (c) => this.orderByClientId(c)),
      r('GET', '/v2/orders/{order_id}', (c) => this.orderById(c)),
      r('DELETE', '/v2/orders/{order_id}', (c) => this.cancel(c)),
      r('PATCH', '/v2/orders/{order_id}', (c) => this.replace(c)),
      r('GET', '/v2/positions', () => this.positions()),
      r('GET', '/v2/positions/{symbol_or_asset_id}', (c) => this.position(c)),
      r('GET', '/v2/account/activities/{activity_type}', (c) => this.activities(c, c.params.activity_type)),
      r('GET', '/v2/account/activities', (c) => this.activities(c, c.query.get('activity_types') ?? '')),
      r('GET', '/v2/stocks/bars', (c) => this.restBars(c)),
    ]
  }

  // ---------------------------------------------------------------- HTTP

  async handleHttp(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator')
    const method = (req.method ?? 'GET').toUpperCase()
    let route: Route | undefined
    let match: RegExpExecArray | null = null
    for (const r of this.routes) {
      if (r.method !== method) continue
      match = r.pattern.exec(decodeURIComponent(url.pathname))
      if (match) {
        route = r
        break
      }
    }
    if (!route || !match) return this.write(res, 404, errorJson(40410000, `endpoint not found: ${method} ${url.pathname}`), {})
    const endpoint = route.endpoint
    this.venue.recordRequest(endpoint)

    const key = header(req, 'apca-api-key-id')
    const secret = header(req, 'apca-api-secret-key')
    if (!key || !secret || key !== this.venue.credentials.key || secret !== this.venue.credentials.secret) {
      return this.write(res, 401, errorJson(40110000, 'request is not authorized'), {})
    }
    const decision = this.venue.checkRate(key, endpoint, this.rules)
    const limits = {
      'X-RateLimit-Limit': String(decision.limit),
      'X-RateLimit-Remaining': String(Math.max(0, decision.remaining)),
      'X-RateLimit-Reset': String(Math.ceil(decision.resetAt / 1000)),
    }
    if (!decision.allowed) return this.write(res, 429, errorJson(42910000, 'too many requests.'), limits)

    const fault = this.venue.takeFault(endpoint)
    if (fault?.kind === 'rate_limit') {
      // An injected refusal: the window is not full, so the client may try again in a second.
      const reset = Math.ceil(this.venue.wallNow() / 1000) + 1
      return this.write(res, 429, errorJson(42910000, 'too many requests.'), {...limits, 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset)})
    }
    if (fault?.kind === 'server_error') return this.write(res, 500, errorJson(50010000, 'internal server error'), limits)
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms))

    const names = (route as {names?: string[]}).names ?? []
    const params: Record<string, string> = {}
    names.forEach((n, i) => (params[n] = match![i + 1]))
    let answer: HttpAnswer
    try {
      answer = await route.handle({params, query: url.searchParams, body})
    } catch (err) {
      answer = err instanceof HttpAnswer ? err : this.errorAnswer(err)
    }
    if (fault?.kind === 'drop_response') {
      // The venue did the work; the client never hears about it.
      res.socket?.destroy()
      return
    }
    this.write(res, answer.status, answer.body, limits)
  }

  private write(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    if (status === 204) {
      res.writeHead(204, headers)
      res.end()
      return
    }
    const text = JSON.stringify(body)
    res.writeHead(status, {'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers})
    res.end(text)
  }

  /** The simulator's typed errors as Alpaca answers them. */
  private errorAnswer(err: unknown): HttpAnswer {
    if (err instanceof DuplicateClientOrderIdError) return new HttpAnswer(422, errorJson(40010001, 'client_order_id must be unique'))
    if (err instanceof InsufficientFundsError) {
      const msg = /qty/i.test(err.message) ? 'insufficient qty available for order' : 'insufficient buying power'
      return new HttpAnswer(403, errorJson(40310000, msg))
    }
    if (err instanceof MarketClosedError) return new HttpAnswer(422, errorJson(42210000, 'market orders require the market to be open for time_in_force ioc/fok'))
    if (err instanceof OrderNotFoundError) {
      if (err.code === 'order_not_open') return new HttpAnswer(422, errorJson(42210000, `order is not cancelable or replaceable: ${oneLine(err.message)}`))
      return new HttpAnswer(404, errorJson(40410000, 'order not found'))
    }
    if (err instanceof RateLimitError) return new HttpAnswer(429, errorJson(42910000, 'too many requests.'))
    if (err instanceof BrokerError && !err.retryable) return new HttpAnswer(422, errorJson(42210000, oneLine(err.message)))
    return new HttpAnswer(500, errorJson(50010000, `internal server error: ${oneLine(err instanceof Error ? err.message : String(err))}`))
  }

  // ---------------------------------------------------------------- account, clock, positions

  private async account(): Promise<HttpAnswer> {
    const a = await this.venue.broker.account()
    const positions = await this.venue.broker.positions()
    let long = 0
    let short = 0
    for (const p of positions) {
      const v = p.qty * (this.lastClose.get(p.symbol) ?? p.avgPrice)
      if (v >= 0) long += v
      else short += v
    }
    return new HttpAnswer(200, accountJson(a, this.records.accountId, long, short))
  }

  private async positions(): Promise<HttpAnswer> {
    const list = (await this.venue.broker.positions()).filter((p) => p.qty !== 0).sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    return new HttpAnswer(200, list.map((p) => positionJson(p, this.venue.instrument(p.symbol), this.records.assetId(p.symbol), this.lastClose.get(p.symbol) ?? p.avgPrice)))
  }

  private async position(c: Ctx): Promise<HttpAnswer> {
    const key = c.params.symbol_or_asset_id
    const p = (await this.venue.broker.positions()).find((x) => x.qty !== 0 && (x.symbol === key || this.records.assetId(x.symbol) === key))
    if (!p) return fail(404, 40410000, 'position does not exist')
    return new HttpAnswer(200, positionJson(p, this.venue.instrument(p.symbol), this.records.assetId(p.symbol), this.lastClose.get(p.symbol) ?? p.avgPrice))
  }

  // ---------------------------------------------------------------- orders

  private async submit(c: Ctx): Promise<HttpAnswer> {
    const parsed = OrderBody.safeParse(parseJson(c.body))
    if (!parsed.success) return fail(422, 40010000, `invalid order: ${issueText(parsed.error)}`)
    const b = parsed.data
    if (b.notional !== undefined) return fail(422, 40010000, 'notional orders are not supported by this emulator; send qty')
    if (b.qty === undefined) return fail(422, 40010000, 'qty is required')
    if (b.type === 'trailing_stop') return fail(422, 40010000, 'trailing_stop orders are not supported by this emulator')
    if (b.time_in_force === 'opg' || b.time_in_force === 'cls') return fail(422, 40010000, `time_in_force ${b.time_in_force} is not supported by this emulator`)
    if (b.order_class && b.order_class !== 'simple') return fail(422, 40010000, `order_class ${b.order_class} is not supported by this emulator`)
    if (b.extended_hours) return fail(422, 40010000, 'extended_hours orders are not supported by this emulator')
    const cid = b.client_order_id ?? this.records.generatedClientId()
    if (cid.length > this.maxCid) return fail(422, 40010000, `client_order_id must be no more than ${this.maxCid} characters`)
    if (this.records.usesClientId(cid)) return fail(422, 40010001, 'client_order_id must be unique')
    if (!this.venue.symbols.includes(b.symbol)) return fail(422, 40010001, `asset "${b.symbol}" not found`)
    if ((b.type === 'limit' || b.type === 'stop_limit') && b.limit_price === undefined) return fail(422, 40010000, `limit_price is required for ${b.type} orders`)
    if ((b.type === 'stop' || b.type === 'stop_limit') && b.stop_price === undefined) return fail(422, 40010000, `stop_price is required for ${b.type} orders`)
    if (b.type === 'market' && b.limit_price !== undefined) return fail(422, 40010000, 'limit_price must not be given for market orders')
    const req: OrderRequest = {
      clientOrderId: cid,
      symbol: b.symbol,
      side: b.side,
      type: b.type,
      qty: b.qty,
      tif: b.time_in_force,
      ...(b.limit_price !== undefined ? {limitPrice: b.limit_price} : {}),
      ...(b.stop_price !== undefined ? {stopPrice: b.stop_price} : {}),
    }
    const receipt = await this.venue.broker.submitOrder(req)
    const rec = this.records.liveOf(receipt.venueOrderId) ?? this.records.recordFor({
      ...req, venueOrderId: receipt.venueOrderId, status: 'accepted', filledQty: 0, avgFillPrice: 0, createdAt: receipt.ts, updatedAt: receipt.ts,
    })
    return new HttpAnswer(200, this.restJson(rec, rec.snap))
  }

  /** An order as REST answers it: the simulator's state `s` (or, once replaced, the order as it was). */
  private restJson(rec: OrderRecord, s: OrderSnapshot): Record<string, unknown> {
    const done = (st: OrderStatus, at: number | undefined) => (s.status === st ? (at ?? s.updatedAt) : undefined)
    const facts: OrderFacts = {
      id: rec.id,
      clientOrderId: rec.clientOrderId,
      assetId: this.records.assetId(s.symbol),
      assetClass: rec.assetClass,
      createdAt: rec.createdAt,
      filledQty: rec.replacedBy ? (rec.reported?.execQty ?? 0) : s.filledQty,
      avgPrice: rec.replacedBy ? avgOf(rec) : s.avgFillPrice,
      ...(rec.replacedBy ? {status: 'replaced', replacedAt: rec.replacedAt, replacedBy: rec.replacedBy} : {}),
      ...(rec.replaces ? {replaces: rec.replaces} : {}),
      filledAt: done('filled', rec.filledAt),
      canceledAt: done('canceled', rec.canceledAt),
      expiredAt: done('expired', rec.expiredAt),
      failedAt: done('rejected', rec.failedAt),
    }
    return orderJson(s, facts)
  }

  private async current(rec: OrderRecord): Promise<Record<string, unknown>> {
    if (rec.replacedBy) return this.restJson(rec, rec.snap)
    // REST answers with the simulator's state now; the stream's own record (rec.snap) moves only with events.
    const s = await this.venue.broker.getOrder({venueOrderId: rec.simId})
    return this.restJson(rec, s ? {...s, clientOrderId: rec.snap.clientOrderId} : rec.snap)
  }

  private async orderById(c: Ctx): Promise<HttpAnswer> {
    const rec = this.records.get(c.params.order_id)
    if (!rec) return fail(404, 40410000, 'order not found')
    return new HttpAnswer(200, await this.current(rec))
  }

  private async orderByClientId(c: Ctx): Promise<HttpAnswer> {
    const cid = c.query.get('client_order_id')
    if (!cid) return fail(422, 40010000, 'client_order_id is required')
    const rec = this.records.byClientId(cid)
    if (!rec) return fail(404, 40410000, 'order not found')
    return new HttpAnswer(200, await this.current(rec))
  }

  private async listOrders(c: Ctx): Promise<HttpAnswer> {
    const status = c.query.get('status') ?? 'open'
    if (!['open', 'closed', 'all'].includes(status)) return fail(422, 40010000, `status ${status} is invalid (open, closed, all)`)
    const limit = Math.min(500, Math.max(1, Number(c.query.get('limit') ?? 50) || 50))
    const direction = c.query.get('direction') ?? 'desc'
    const symbols = c.query.get('symbols')?.split(',').filter(Boolean)
    const after = timeParam(c.query.get('after'), 'after')
    const until = timeParam(c.query.get('until'), 'until')
    let rows: {rec: OrderRecord; json: Record<string, unknown>}[]
    if (status === 'open') {
      const open = await this.venue.broker.openOrders()
      rows = open.map((s) => {
        const rec = this.records.recordFor(s)
        return {rec, json: this.restJson(rec, {...s, clientOrderId: rec.snap.clientOrderId})}
      })
    } else {
      rows = []
      for (const rec of this.records.all()) {
        const json = await this.current(rec)
        const closed = rec.replacedBy !== undefined || TERMINAL.has(rec.snap.status)
        if (status === 'all' || closed) rows.push({rec, json})
      }
    }
    rows = rows.filter(({rec}) => (!symbols || symbols.includes(rec.snap.symbol)) && (after === undefined || rec.createdAt > after) && (until === undefined || rec.createdAt < until))
    rows.sort((a, b) => (a.rec.createdAt - b.rec.createdAt || (a.rec.id < b.rec.id ? -1 : 1)) * (direction === 'asc' ? 1 : -1))
    return new HttpAnswer(200, rows.slice(0, limit).map((r) => r.json))
  }

  private async cancel(c: Ctx): Promise<HttpAnswer> {
    const rec = this.records.get(c.params.order_id)
    if (!rec) return fail(404, 40410000, 'order not found')
    if (rec.replacedBy) return fail(422, 42210000, 'order is not cancelable: it was replaced')
    await this.venue.broker.cancelOrder({venueOrderId: rec.simId})
    return new HttpAnswer(204, null)
  }

  private async replace(c: Ctx): Promise<HttpAnswer> {
    const rec = this.records.get(c.params.order_id)
    if (!rec) return fail(404, 40410000, 'order not found')
    if (rec.replacedBy) return fail(422, 42210000, 'order is not replaceable: it was replaced')
    const parsed = ReplaceBody.safeParse(parseJson(c.body))
    if (!parsed.success) return fail(422, 40010000, `invalid replace: ${issueText(parsed.error)}`)
    const b = parsed.data
    if (b.time_in_force !== undefined && b.time_in_force !== rec.snap.tif) return fail(422, 40010000, 'changing time_in_force is not supported by this emulator')
    const cid = b.client_order_id ?? this.records.generatedClientId()
    if (cid.length > this.maxCid) return fail(422, 40010000, `client_order_id must be no more than ${this.maxCid} characters`)
    if (this.records.usesClientId(cid)) return fail(422, 40010001, 'client_order_id must be unique')
    const changes: AmendRequest = {
      ...(b.qty !== undefined && b.qty !== rec.snap.qty ? {qty: b.qty} : {}),
      ...(b.limit_price !== undefined && b.limit_price !== rec.snap.limitPrice ? {limitPrice: b.limit_price} : {}),
      ...(b.stop_price !== undefined && b.stop_price !== rec.snap.stopPrice ? {stopPrice: b.stop_price} : {}),
    }
    if (Object.keys(changes).length === 0) return fail(422, 40010000, 'order parameters are not changed')
    rec.pendingReplace = cid
    try {
      await this.venue.broker.amendOrder({venueOrderId: rec.simId}, changes)
    } catch (err) {
      rec.pendingReplace = undefined
      throw err
    }
    // The simulator's event may already have made the replacement; otherwise it is made now.
    let live = this.records.liveOf(rec.simId)!
    if (live === rec) live = this.replaceNow(rec, {...rec.snap, ...changes}, this.venue.now())
    return new HttpAnswer(200, this.restJson(live, live.snap))
  }

  // ---------------------------------------------------------------- activities and bars

  private async activities(c: Ctx, types: string): Promise<HttpAnswer> {
    const list = types.split(',').map((t) => t.trim().toUpperCase()).filter(Boolean)
    if (list.length === 0 || list.some((t) => t !== 'FILL')) return fail(422, 40010000, `activity types ${types || '(none)'}: this emulator reports FILL only`)
    const after = timeParam(c.query.get('after'), 'after')
    const until = timeParam(c.query.get('until'), 'until')
    const date = c.query.get('date')
    const direction = c.query.get('direction') ?? 'desc'
    if (direction !== 'asc' && direction !== 'desc') return fail(422, 40010000, `direction ${direction} is invalid (asc, desc)`)
    const pageSize = Math.min(100, Math.max(1, Number(c.query.get('page_size') ?? 100) || 100))
    const token = c.query.get('page_token')
    const fills = await this.venue.broker.executionsSince(0)
    let rows = fills.map((f) => this.records.fillFacts(f, this.orderQtyOf(f)))
    rows = rows.filter((f) => (after === undefined || f.ts > after) && (until === undefined || f.ts < until) && (date === null || iso(f.ts).startsWith(date.slice(0, 10))))
    if (direction === 'desc') rows.reverse()
    if (token) {
      const i = rows.findIndex((f) => f.activityId === token)
      rows = i >= 0 ? rows.slice(i + 1) : []
    }
    return new HttpAnswer(200, rows.slice(0, pageSize).map(fillActivityJson))
  }

  private orderQtyOf(f: Fill): number {
    return this.records.liveOf(f.venueOrderId)?.snap.qty ?? f.qty
  }

  private async restBars(c: Ctx): Promise<HttpAnswer> {
    const symbols = c.query.get('symbols')?.split(',').filter(Boolean)
    if (!symbols || symbols.length === 0) return fail(422, 40010000, 'symbols is required')
    if (!c.query.get('timeframe')) return fail(422, 40010000, 'timeframe is required')
    const start = timeParam(c.query.get('start'), 'start')
    const end = timeParam(c.query.get('end'), 'end')
    const limit = Math.min(10_000, Math.max(1, Number(c.query.get('limit') ?? 1000) || 1000))
    const token = c.query.get('page_token')
    const skip = token ? Number(Buffer.from(token, 'base64').toString('utf8')) || 0 : 0
    const all: FeedBar[] = []
    for (const s of [...symbols].sort()) for (const b of this.bars.get(s) ?? []) if ((start === undefined || b.ts >= start) && (end === undefined || b.ts <= end)) all.push(b)
    const page = all.slice(skip, skip + limit)
    const out: Record<string, unknown[]> = {}
    for (const b of page) (out[b.symbol] ??= []).push(restBarJson(b))
    const next = skip + limit < all.length ? Buffer.from(String(skip + limit)).toString('base64') : null
    return new HttpAnswer(200, {bars: out, next_page_token: next})
  }

  private onBar(b: FeedBar): void {
    let list = this.bars.get(b.symbol)
    if (!list) this.bars.set(b.symbol, (list = []))
    list.push(b)
    this.lastClose.set(b.symbol, b.close)
    this.data.bar(b)
  }

  // ---------------------------------------------------------------- the simulator's events → trade_updates

  private onVenueEvent(e: BrokerEvent): void {
    if (e.kind === 'order') this.onOrder(e.order, e.ts)
    else if (e.kind === 'execution') this.onExecution(e.fill, e.ts)
  }

  private onOrder(s: OrderSnapshot, ts: number): void {
    const rec = this.records.recordFor(s)
    const params = {...s, clientOrderId: rec.snap.clientOrderId}
    if (!rec.reported) {
      rec.reported = {status: 'accepted', execQty: 0, notional: 0}
      rec.snap = params
      this.tradeUpdate('new', rec, ts)
      for (const f of this.early.get(s.venueOrderId)?.splice(0) ?? []) this.onExecution(f, f.ts)
      if (s.status === 'canceled' || s.status === 'expired' || s.status === 'rejected') this.finish(rec, s.status, ts)
      return
    }
    const changed = s.qty !== rec.snap.qty || s.limitPrice !== rec.snap.limitPrice || s.stopPrice !== rec.snap.stopPrice
    if (changed && !TERMINAL.has(s.status)) {
      this.replaceNow(rec, params, ts)
      return
    }
    const was = rec.snap.status
    rec.snap = {...params, status: s.status}
    if (s.status !== was && (s.status === 'canceled' || s.status === 'expired' || s.status === 'rejected')) this.finish(rec, s.status, ts)
  }

  private finish(rec: OrderRecord, status: 'canceled' | 'expired' | 'rejected', ts: number): void {
    if (status === 'canceled') rec.canceledAt = ts
    else if (status === 'expired') rec.expiredAt = ts
    else rec.failedAt = ts
    rec.reported = {...rec.reported!, status}
    this.tradeUpdate(status, rec, ts)
  }

  /** Ends the live order as replaced and reports both: `replaced` for the old one, `new` for its replacement. */
  private replaceNow(rec: OrderRecord, params: OrderSnapshot, ts: number): OrderRecord {
    const next = this.records.replace(rec, params, rec.pendingReplace ?? this.records.generatedClientId(), ts)
    this.tradeUpdate('replaced', rec, ts)
    this.tradeUpdate('new', next, ts)
    return next
  }

  private onExecution(f: Fill, ts: number): void {
    const rec = this.records.liveOf(f.venueOrderId)
    if (!rec || !rec.reported) {
      const list = this.early.get(f.venueOrderId) ?? []
      list.push(f)
      this.early.set(f.venueOrderId, list)
      return
    }
    const facts = this.records.fillFacts(f, rec.snap.qty)
    const r = rec.reported
    r.execQty = facts.cumQty
    r.notional += f.qty * f.price
    const full = facts.leavesQty === 0
    r.status = full ? 'filled' : 'partially_filled'
    if (full) rec.filledAt = ts
    const net = (this.netQty.get(f.symbol) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty)
    this.netQty.set(f.symbol, net)
    this.tradeUpdate(full ? 'fill' : 'partial_fill', rec, ts, {execution_id: facts.execId, price: dec(f.price), qty: dec(f.qty), position_qty: dec(net)})
  }

  private tradeUpdate(event: string, rec: OrderRecord, ts: number, extra: Record<string, unknown> = {}): void {
    const r = rec.reported ?? {status: 'accepted' as OrderStatus, execQty: 0, notional: 0}
    const facts: OrderFacts = {
      id: rec.id,
      clientOrderId: rec.clientOrderId,
      assetId: this.records.assetId(rec.snap.symbol),
      assetClass: rec.assetClass,
      createdAt: rec.createdAt,
      filledQty: r.execQty,
      avgPrice: avgOf(rec),
      ...(rec.replacedBy ? {status: 'replaced', replacedAt: rec.replacedAt, replacedBy: rec.replacedBy} : {}),
      ...(rec.replaces ? {replaces: rec.replaces} : {}),
      ...(rec.filledAt !== undefined ? {filledAt: rec.filledAt} : {}),
      ...(rec.canceledAt !== undefined ? {canceledAt: rec.canceledAt} : {}),
      ...(rec.expiredAt !== undefined ? {expiredAt: rec.expiredAt} : {}),
      ...(rec.failedAt !== undefined ? {failedAt: rec.failedAt} : {}),
    }
    const order = orderJson({...rec.snap, status: r.status, updatedAt: Math.max(ts, rec.createdAt)}, facts)
    const data: Record<string, unknown> = {at: iso(ts), event_id: this.records.eventId(), event, timestamp: iso(ts), order, ...extra}
    if (data.execution_id === undefined) data.execution_id = this.records.eventId()
    const text = JSON.stringify({stream: 'trade_updates', data})
    for (const c of this.trade) if (c.authed && c.listening && c.ws.readyState === c.ws.OPEN) c.ws.send(text)
  }

  // ---------------------------------------------------------------- websockets

  handleSocket(ws: WebSocket, path: string): void {
    const unregister = this.venue.registerSocket(() => ws.terminate())
    ws.once('close', unregister)
    if (path === '/stream') return this.openTradeStream(ws)
    if (DATA_PATHS.test(path)) return this.data.open(ws)
    ws.close(1008, `no stream at ${path}; use /stream or /v2/iex`)
  }

  private openTradeStream(ws: WebSocket): void {
    const c: TradeConn = {ws, authed: false, listening: false}
    this.trade.add(c)
    ws.on('close', () => this.trade.delete(c))
    const send = (v: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(v))
    ws.on('message', (data: Buffer) => {
      let m: Record<string, unknown>
      try {
        const v: unknown = JSON.parse(data.toString('utf8'))
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
        m = v as Record<string, unknown>
      } catch {
        send({action: 'error', data: {error_message: 'invalid syntax: send a JSON object with an action'}})
        return
      }
      const d = (typeof m.data === 'object' && m.data !== null ? m.data : {}) as Record<string, unknown>
      if (m.action === 'authenticate' || m.action === 'auth') {
        const key = m.action === 'auth' ? m.key : d.key_id
        const secret = m.action === 'auth' ? m.secret : d.secret_key
        if (key === this.venue.credentials.key && secret === this.venue.credentials.secret) {
          c.authed = true
          send({stream: 'authorization', data: {action: 'authenticate', status: 'authorized'}})
        } else {
          send({stream: 'authorization', data: {action: 'authenticate', status: 'unauthorized'}})
          ws.close()
        }
        return
      }
      if (m.action === 'listen') {
        if (!c.authed) {
          send({stream: 'authorization', data: {action: 'listen', status: 'unauthorized'}})
          return
        }
        const asked = Array.isArray(d.streams) ? d.streams.filter((s): s is string => typeof s === 'string') : []
        c.listening = asked.includes('trade_updates')
        send({stream: 'listening', data: {streams: c.listening ? ['trade_updates'] : []}})
        return
      }
      send({action: 'error', data: {error_message: `unknown action ${JSON.stringify(m.action)}`}})
    })
  }
}

function avgOf(rec: OrderRecord): number {
  const r = rec.reported
  return r && r.execQty > 0 ? r.notional / r.execQty : 0
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function timeParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v)
  if (!Number.isFinite(t)) return fail(422, 40010000, `${name} ${JSON.stringify(v)} is not a date or RFC 3339 time`)
  return t
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').slice(0, 200)
}
