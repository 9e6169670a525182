/**
 * The Bybit v5 wire protocol over an emulated venue (linear perpetuals in one-way mode by default, as on Bybit;
 * hedge mode per account or symbol by option or through POST /v5/position/switch-mode). REST: the subset in rest.ts, signed requests checked with Bybit's recipe (auth.ts), limits counted
 * with `venue.checkRate` (rate-rules.ts: 600 / 5 s per IP → HTTP 403; per UID per endpoint per second → retCode
 * 10006), X-Bapi-Limit-* headers on every private answer, faults from `venue.takeFault`. Websockets: /v5/private
 * (op auth with the expires signature, subscribe to order / execution / position / wallet, ping / pong) and
 * /v5/public/linear (kline.<interval>.<symbol>: an unconfirmed update of the bar half-way, then the confirmed kline,
 * as each bar closes),
 * in the shapes of fixtures/bybit.
 */
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {WebSocket} from 'ws'
import type {FeedBar} from '../../broker/market-feed.js'
import type {BrokerEvent} from '../../core/events.js'
import {bybitInterval} from '../../broker/bybit-intervals.js'
import type {EmulatedVenue, EmulatorProtocol, ProtocolFactory, RateRule} from '../venue-api.js'
import {checkRestAuth, checkWsAuth} from './auth.js'
import {OrderIndex} from './order-index.js'
import {bybitExecution, bybitOrder, bybitPosition, bybitWallet, envelope, ENVELOPE_OK, klineItem, POSITION_IDX} from './payloads.js'
import {ENDPOINT_RULES, IP_RULE} from './rate-rules.js'
import {type Handler, restRoutes} from './rest.js'
import {type Refusal, refusalOf} from './ret-codes.js'

export interface BybitProtocolOptions {
  /** Per-UID limits by endpoint ("POST /v5/order/create" → rule), over the defaults of rate-rules.ts. */
  readonly endpointRules?: Readonly<Record<string, RateRule>>
  /** Per-IP limit; default 600 / 5 s. */
  readonly ipRule?: RateRule
  /** The settle coin of the wallet. Default USDT. */
  readonly settleCoin?: string
  /** Closed bars kept per symbol for GET /v5/market/kline. Default 10 000. */
  readonly barHistory?: number
}

const PRIVATE_TOPICS = new Set(['order', 'execution', 'position', 'wallet', 'order.linear', 'execution.linear', 'position.linear'])
const TOO_MANY: Refusal = {retCode: 10006, retMsg: 'Too many visits!'}

/** The protocol with non-default limits (tests: small limits for a quick burst). */
export function bybitProtocolWith(options: BybitProtocolOptions = {}): ProtocolFactory {
  return (venue) => new BybitProtocol(venue, options)
}

export const createBybitProtocol: ProtocolFactory = bybitProtocolWith()

interface Session {
  readonly ws: WebSocket
  readonly kind: 'private' | 'public'
  readonly connId: string
  authed: boolean
  readonly topics: Set<string>
}

class BybitProtocol implements EmulatorProtocol {
  private readonly orders = new OrderIndex()
  private readonly bars = new Map<string, FeedBar[]>()
  private readonly sessions = new Set<Session>()
  private readonly routes: Readonly<Record<string, Handler>>
  private readonly rules: Readonly<Record<string, RateRule>>
  private readonly ipRule: RateRule
  private readonly settleCoin: string
  private readonly barHistory: number
  private conns = 0
  private frames = 0

  constructor(
    private readonly venue: EmulatedVenue,
    options: BybitProtocolOptions,
  ) {
    this.rules = {...ENDPOINT_RULES, ...options.endpointRules}
    this.ipRule = options.ipRule ?? IP_RULE
    this.settleCoin = options.settleCoin ?? 'USDT'
    this.barHistory = options.barHistory ?? 10_000
    this.routes = restRoutes({venue, orders: this.orders, bars: this.bars, settleCoin: this.settleCoin})
    venue.broker.subscribe((e) => this.onEvent(e))
    venue.onBar((b) => this.onBar(b))
  }

  // ---------------------------------------------------------------- REST

  async handleHttp(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const rawQuery = q < 0 ? '' : url.slice(q + 1)
    const method = req.method ?? 'GET'
    const endpoint = `${method} ${path}`
    const venue = this.venue
    venue.recordRequest(endpoint)

    const ip = venue.checkRate(`ip:${req.socket.remoteAddress ?? 'unknown'}`, endpoint, [this.ipRule])
    if (!ip.allowed) return send(res, 403, 'access too frequent', {'content-type': 'text/plain'})
    const handler = this.routes[endpoint]
    if (!handler) return send(res, 404, JSON.stringify({retCode: 10001, retMsg: `emulator: ${endpoint} is not served`}))

    const isPrivate = !path.startsWith('/v5/market/')
    let key = ''
    if (isPrivate) {
      const auth = checkRestAuth(req.headers, method, rawQuery, body, venue.credentials, venue.wallNow())
      if (!auth.ok) return this.answer(res, {}, auth, {})
      key = auth.key
    }
    const fault = venue.takeFault(endpoint)
    const rule = isPrivate ? this.rules[endpoint] : undefined
    let headers: Record<string, string> = {}
    if (fault?.kind === 'rate_limit') {
      // Injected: the venue says "too many" although the budget has room (counted as injected, not a violation).
      return this.answer(res, {}, TOO_MANY, limitHeaders(rule?.limit ?? 10, 0, venue.wallNow() + (rule?.windowMs ?? 1000)))
    }
    if (rule) {
      const d = venue.checkRate(`uid:${key}`, endpoint, [rule])
      // Bybit: the reset timestamp is "now" unless the limit was exceeded.
      headers = limitHeaders(d.limit, Math.max(0, d.remaining), d.allowed ? venue.wallNow() : d.resetAt)
      if (!d.allowed) return this.answer(res, {}, TOO_MANY, headers)
    }
    if (fault?.kind === 'server_error') return this.answer(res, {}, {retCode: 10016, retMsg: 'Server error'}, headers)
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms))

    let params: Record<string, unknown>
    try {
      params = method === 'GET' ? Object.fromEntries(new URLSearchParams(rawQuery)) : body ? (JSON.parse(body) as Record<string, unknown>) : {}
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('not an object')
    } catch {
      return this.answer(res, {}, {retCode: 10001, retMsg: 'params error: the request body must be a JSON object'}, headers)
    }
    let result: unknown = {}
    let code: Refusal = ENVELOPE_OK
    try {
      result = await handler(params)
    } catch (err) {
      code = refusalOf(err)
    }
    if (fault?.kind === 'drop_response') {
      // The venue did the work; the answer is lost on the way: the client cannot know the outcome.
      req.socket.destroy()
      return
    }
    this.answer(res, code.retCode === 0 ? result : {}, code, headers)
  }

  private answer(res: ServerResponse, result: unknown, code: Refusal, headers: Record<string, string>): void {
    send(res, 200, JSON.stringify(envelope(result, this.venue.now(), code)), headers)
  }

  // ---------------------------------------------------------------- websockets

  handleSocket(ws: WebSocket, path: string): void {
    const kind = path === '/v5/private' ? 'private' : path === '/v5/public/linear' ? 'public' : undefined
    if (!kind) {
      ws.close(1008, `no stream at ${path}; use /v5/private or /v5/public/linear`)
      return
    }
    const s: Session = {ws, kind, connId: `emu-${kind}-${++this.conns}`, authed: false, topics: new Set()}
    this.sessions.add(s)
    const unregister = this.venue.registerSocket(() => ws.terminate())
    ws.on('close', () => {
      this.sessions.delete(s)
      unregister()
    })
    ws.on('message', (data) => this.onMessage(s, String(data)))
  }

  private onMessage(s: Session, text: string): void {
    let msg: {op?: unknown; args?: unknown; req_id?: unknown}
    try {
      msg = JSON.parse(text) as typeof msg
    } catch {
      return this.reply(s, {success: false, ret_msg: 'error:invalid json', conn_id: s.connId, op: ''})
    }
    const reqId = msg.req_id !== undefined ? {req_id: msg.req_id} : {}
    const ack = (op: string, success: boolean, ret_msg: string) => this.reply(s, {success, ret_msg, conn_id: s.connId, ...reqId, op})
    switch (msg.op) {
      case 'ping':
        if (s.kind === 'private') return this.reply(s, {...reqId, op: 'pong', args: [String(this.venue.wallNow())], conn_id: s.connId})
        return ack('ping', true, 'pong')
      case 'auth': {
        if (s.kind !== 'private') return ack('auth', false, 'error:auth is only needed on the private stream')
        const r = checkWsAuth(msg.args, this.venue.credentials, this.venue.wallNow())
        s.authed = r.ok
        return ack('auth', r.ok, r.ok ? '' : r.message)
      }
      case 'subscribe':
      case 'unsubscribe': {
        const topics = Array.isArray(msg.args) ? msg.args.filter((t): t is string => typeof t === 'string') : []
        if (s.kind === 'private' && !s.authed) return ack(msg.op, false, 'Request not authorized')
        const bad = topics.find((t) => !this.servesTopic(s, t))
        if (topics.length === 0 || bad !== undefined) return ack(msg.op, false, `error:handler not found,topic:${bad ?? ''}`)
        for (const t of topics) {
          if (msg.op === 'subscribe') s.topics.add(t)
          else s.topics.delete(t)
        }
        return ack(msg.op, true, msg.op)
      }
      default:
        return ack(typeof msg.op === 'string' ? msg.op : '', false, `error:op ${JSON.stringify(msg.op)} is not supported`)
    }
  }

  private servesTopic(s: Session, topic: string): boolean {
    if (s.kind === 'private') return PRIVATE_TOPICS.has(topic)
    const [base, interval, symbol] = topic.split('.')
    return base === 'kline' && interval !== undefined && ['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W'].includes(interval) && this.venue.symbols.includes(symbol)
  }

  private reply(s: Session, msg: Record<string, unknown>): void {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify(msg))
  }

  /** The simulator's events → private topic frames, to every authenticated session subscribed to the topic. */
  private onEvent(e: BrokerEvent): void {
    this.orders.onEvent(e)
    const base = e.kind === 'order' ? 'order' : e.kind === 'execution' ? 'execution' : e.kind === 'position' ? 'position' : e.kind === 'account' ? 'wallet' : undefined
    if (!base) return
    let item: Record<string, unknown> | undefined
    for (const s of this.sessions) {
      if (s.kind !== 'private' || !s.authed) continue
      const topic = s.topics.has(base) ? base : s.topics.has(`${base}.linear`) ? `${base}.linear` : undefined
      if (!topic) continue
      item ??= this.itemOf(e)
      this.reply(s, {id: `${s.connId}-${++this.frames}`, topic, creationTime: this.venue.now(), data: [item]})
    }
  }

  private itemOf(e: BrokerEvent): Record<string, unknown> {
    const v = this.venue
    switch (e.kind) {
      case 'order':
        return bybitOrder(e.order, v.instrument(e.order.symbol), {orderLinkId: this.orders.linkIdOf(e.order.clientOrderId), cumExecFee: this.orders.feesOf(e.order.venueOrderId), category: true})
      case 'execution':
        return bybitExecution(e.fill, v.instrument(e.fill.symbol), this.orders.snapshotOf(e.fill.venueOrderId), {orderLinkId: this.orders.linkIdOf(e.fill.clientOrderId), seq: this.orders.execSeq(e.fill.execId), category: true})
      case 'position':
        return bybitPosition(e.position.symbol, POSITION_IDX[e.position.side], e.position, v.instrument(e.position.symbol), e.ts, true)
      case 'account':
        return bybitWallet(e.account, this.settleCoin)
      default:
        return {}
    }
  }

  /** A closed bar: kept for REST klines, and pushed as an unconfirmed update then the confirmed kline. */
  private onBar(b: FeedBar): void {
    let kept = this.bars.get(b.symbol)
    if (!kept) this.bars.set(b.symbol, (kept = []))
    kept.push(b)
    if (kept.length > this.barHistory) kept.splice(0, kept.length - this.barHistory)
    const interval = bybitInterval(b.tfMs)
    if (interval === undefined) return
    const topic = `kline.${interval}.${b.symbol}`
    const inst = this.venue.instrument(b.symbol)
    const now = this.venue.now()
    // The last update before the close: the bar as it stood half-way (open so far, half the volume).
    const forming: FeedBar = {...b, high: b.open, low: b.open, close: b.open, volume: b.volume / 2}
    for (const s of this.sessions) {
      if (s.kind !== 'public' || !s.topics.has(topic)) continue
      this.reply(s, {topic, data: [klineItem(forming, interval, inst, false, now - 1)], ts: now - 1, type: 'snapshot'})
      this.reply(s, {topic, data: [klineItem(b, interval, inst, true, now)], ts: now, type: 'snapshot'})
    }
  }
}

function limitHeaders(limit: number, remaining: number, resetAt: number): Record<string, string> {
  return {'X-Bapi-Limit': String(limit), 'X-Bapi-Limit-Status': String(remaining), 'X-Bapi-Limit-Reset-Timestamp': String(Math.ceil(resetAt))}
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers})
  res.end(text)
}
