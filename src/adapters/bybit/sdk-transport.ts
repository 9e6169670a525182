/**
 * The Bybit v5 wire, on bybit-api 4: the only module that imports the SDK (lazily). It signs and sends REST calls
 * with `RestClientV5` and keeps the websockets with `WebsocketClient`; everything above it sees raw traffic only
 * (src/broker/transport.ts).
 *
 * What bybit-api does, and what this module makes of it:
 * - REST: a 200 answer RESOLVES, whatever its retCode (`throwExceptions` stays off): that is an answer, returned
 *   with status 200. The response headers are not exposed; with `parseAPIRateLimits` the SDK copies the three
 *   X-Bapi-Limit-* headers into a `rateLimitApi` field it adds to the body. That field is taken off the body (so the
 *   body is the venue's JSON verbatim) and turned back into the lower-cased headers `x-bapi-limit-status`,
 *   `x-bapi-limit`, `x-bapi-limit-reset-timestamp` (present only when the venue sent all three, as numbers).
 *   Any other 200 header is not visible through the SDK.
 * - A non-2xx answer REJECTS with a plain object `{code: status, message, body, headers, requestOptions}` whose
 *   `requestOptions` holds the API key and secret. It becomes a RawResponse of status, rate-limit headers and body
 *   only; the object itself never leaves this module.
 * - No answer: the SDK rejects with the axios error (request config, signed headers inside) or a bare string.
 *   It becomes a RequestTimeoutError when the request may have reached the venue (timeout, connection reset after
 *   sending: outcome unknown) or a NetworkError when it certainly did not (refused, DNS, bad URL), with a message
 *   scrubbed of the credentials.
 * - Credentials: Bybit echoes the signed text, API key included, in a 10004 "error sign!" message; every string of an
 *   answer or a private frame is scrubbed of the key and secret ('[redacted]'), the one change made to a payload.
 * - Websockets: the SDK's `wsUrl` replaces the URL of every connection, so the private stream (order, execution,
 *   position, wallet) and the public linear stream (kline, tickers, publicTrade) each get their own client
 *   (`<wsUrl>/v5/private`, `<wsUrl>/v5/public/linear`). Frames are read from the socket itself (the SDK's events
 *   add fields), JSON-parsed, and passed on verbatim; heartbeats (ping / pong) are not passed on. The SDK
 *   reconnects, re-authenticates and resubscribes by itself; it reports 'reconnected' when the socket opens, before
 *   auth and subscriptions, so this module reports `reconnected` only once every topic of the stream has been
 *   confirmed again by the venue.
 */
import type {RestClientV5, WebsocketClient} from 'bybit-api'
import {AuthenticationError, FinalError, NetworkError, RequestTimeoutError} from '../../broker/errors.js'
import type {Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../broker/transport.js'
import {errorParts, headerOf, safeText, secretsIn} from '../sdk-errors.js'

export interface BybitSdkTransportOptions {
  /** Needed for private REST calls and the private stream; a public-only transport (a shared market feed) has none. */
  readonly credentials?: {readonly key: string; readonly secret: string}
  /** REST base URL (the emulator's `url`); default: Bybit's, testnet's or demo's. */
  readonly baseUrl?: string
  /** Websocket base URL without a path (the emulator's `wsUrl`); `/v5/private` and `/v5/public/linear` are appended. */
  readonly wsUrl?: string
  readonly testnet?: boolean
  /** Bybit demo trading (api-demo / stream-demo). */
  readonly demo?: boolean
  /** REST answer and stream confirmation deadline. Default 10 s. */
  readonly requestTimeoutMs?: number
  /** Wait before the SDK reopens a dropped socket. Default: the SDK's 500 ms. */
  readonly reconnectMs?: number
  /** Heartbeat interval of the sockets. Default: the SDK's 10 s. */
  readonly pingIntervalMs?: number
  /** Bybit recv_window for signatures. Default 5000 ms. */
  readonly recvWindowMs?: number
  /** The SDK's error log lines, one line each, scrubbed of the credentials. Default: dropped. */
  readonly onLog?: (line: string) => void
}

const VENUE = 'bybit'
const DEFAULT_TIMEOUT_MS = 10_000
/** Where a request certainly never left this process. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_INVALID_URL', 'ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION'])
const LIMIT_HEADERS = ['x-bapi-limit-status', 'x-bapi-limit', 'x-bapi-limit-reset-timestamp', 'retry-after'] as const

type StreamName = 'private' | 'public.linear'
const STREAM_PATHS: Record<StreamName, string> = {private: '/v5/private', 'public.linear': '/v5/public/linear'}

export async function createBybitSdkTransport(opts: BybitSdkTransportOptions): Promise<VenueTransport> {
  const sdk = await import('bybit-api')
  return new BybitSdkTransport(sdk, opts)
}

interface Waiter {
  readonly topics: readonly string[]
  readonly resolve: () => void
  readonly reject: (err: Error) => void
  readonly timer: ReturnType<typeof setTimeout>
}

interface StreamState {
  readonly name: StreamName
  readonly client: WebsocketClient
  /** Every topic asked for, in order. */
  readonly topics: string[]
  /** Topics the venue confirmed on the current connection. */
  readonly confirmed: Set<string>
  phase: 'connecting' | 'up' | 'down' | 'resyncing' | 'failed' | 'closed'
  waiters: Waiter[]
}

type Sdk = typeof import('bybit-api')

class BybitSdkTransport implements VenueTransport {
  readonly venue = VENUE
  private readonly rest: RestClientV5
  private readonly streams = new Map<StreamName, StreamState>()
  private readonly frameHandlers: ((frame: RawFrame) => void)[] = []
  private readonly connectionHandlers: ((event: ConnectionEvent) => void)[] = []
  private readonly secrets: string[]
  private readonly timeoutMs: number
  private closed = false

  constructor(
    private readonly sdk: Sdk,
    private readonly opts: BybitSdkTransportOptions,
  ) {
    this.secrets = opts.credentials ? [opts.credentials.key, opts.credentials.secret] : []
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS
    this.rest = new sdk.RestClientV5(
      {
        ...(opts.credentials ? {key: opts.credentials.key, secret: opts.credentials.secret} : {}),
        ...(opts.baseUrl ? {baseUrl: opts.baseUrl} : {}),
        testnet: opts.testnet === true,
        demoTrading: opts.demo === true,
        recv_window: opts.recvWindowMs ?? 5000,
        parseAPIRateLimits: true,
        throwExceptions: false,
      },
      {timeout: this.timeoutMs},
    )
  }

  // ---------------------------------------------------------------- REST

  async request(req: VenueRequest): Promise<RawResponse> {
    if (this.closed) throw new NetworkError(`bybit: transport closed; ${req.endpoint} not sent`, VENUE, 'closed')
    const space = req.endpoint.indexOf(' ')
    const method = req.endpoint.slice(0, space)
    const path = fillPath(req.endpoint.slice(space + 1), req.path)
    const isPublic = path.startsWith('/v5/market/')
    if (!isPublic && !this.opts.credentials) {
      throw new AuthenticationError(`bybit: ${req.endpoint} needs API credentials and this transport has none (public market data only)`, VENUE, 'no_credentials')
    }
    // The SDK deletes undefined params in place: hand it a copy.
    const params: Record<string, unknown> = {...req.params}
    let pending: Promise<unknown>
    if (method === 'GET') pending = isPublic ? this.rest.get(path, params) : this.rest.getPrivate(path, params)
    else if (method === 'POST') pending = isPublic ? this.rest.post(path, params) : this.rest.postPrivate(path, params)
    else if (method === 'DELETE') pending = this.rest.deletePrivate(path, params)
    else throw new FinalError(`bybit: unsupported method in endpoint ${JSON.stringify(req.endpoint)}`, VENUE, 'method')
    let answer: RawResponse | undefined
    try {
      answer = resolvedAnswer(await pending)
    } catch (err) {
      answer = rejectedAnswer(err)
      if (!answer) throw this.noAnswer(req.endpoint, err)
    }
    // Bybit echoes the signed text (API key included) in a 10004 message: no credential leaves this module.
    return {status: answer.status, headers: answer.headers, body: scrubbed(answer.body, this.secrets)}
  }

  /** A failure without an HTTP answer, as a typed error whose text holds no credential. */
  private noAnswer(endpoint: string, err: unknown): Error {
    const secrets = [...this.secrets, ...secretsIn(err)]
    const parts = errorParts(err)
    const text = safeText(parts.text ?? parts.message ?? parts.code ?? parts.name ?? 'no response', secrets)
    // A bare string comes from building the request (nothing was sent); so do refused connections and bad URLs.
    if (parts.text !== undefined || (parts.code !== undefined && NOT_SENT_CODES.has(parts.code))) {
      return new NetworkError(`bybit: ${endpoint} not sent (${text}); nothing reached the venue, retry with the same orderLinkId`, VENUE, parts.code)
    }
    return new RequestTimeoutError(`bybit: no answer to ${endpoint} (${text}); the outcome is unknown, query the orderLinkId`, VENUE, parts.code)
  }

  // ---------------------------------------------------------------- streams

  async subscribe(sub: StreamSubscription): Promise<void> {
    if (this.closed) throw new NetworkError('bybit: transport closed', VENUE, 'closed')
    if (sub.stream !== 'private' && sub.stream !== 'public.linear') {
      throw new FinalError(`bybit: unknown stream ${JSON.stringify(sub.stream)}; this transport serves 'private' and 'public.linear'`, VENUE, 'stream')
    }
    if (sub.stream === 'private' && !this.opts.credentials) {
      throw new AuthenticationError('bybit: the private stream needs API credentials and this transport has none', VENUE, 'no_credentials')
    }
    const s = this.stream(sub.stream)
    if (s.phase === 'failed') throw new AuthenticationError(`bybit: the ${s.name} stream was refused by the venue; create a new transport with valid credentials`, VENUE, 'auth')
    const fresh = sub.topics.filter((t) => !s.topics.includes(t))
    s.topics.push(...fresh)
    if (sub.topics.every((t) => s.confirmed.has(t))) return
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        s.waiters = s.waiters.filter((w) => w.timer !== timer)
        reject(new RequestTimeoutError(`bybit: the ${s.name} stream did not confirm ${sub.topics.join(', ')} within ${this.timeoutMs} ms; check the websocket URL and the network`, VENUE, 'subscribe_timeout'))
      }, this.timeoutMs)
      s.waiters.push({topics: [...sub.topics], resolve, reject, timer})
    })
    if (fresh.length) {
      for (const p of s.client.subscribeV5(fresh, 'linear', s.name === 'private')) void Promise.resolve(p).catch(() => undefined)
    }
    return done
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    return addHandler(this.frameHandlers, handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    return addHandler(this.connectionHandlers, handler)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const s of this.streams.values()) {
      s.phase = 'closed'
      this.failWaiters(s, new NetworkError(`bybit: transport closed before the ${s.name} stream confirmed its topics`, VENUE, 'closed'))
      s.client.removeAllListeners()
      s.client.closeAll(true)
    }
  }

  private stream(name: StreamName): StreamState {
    const known = this.streams.get(name)
    if (known) return known
    const o = this.opts
    const isPrivate = name === 'private'
    const client = new this.sdk.WebsocketClient(
      {
        ...(isPrivate && o.credentials ? {key: o.credentials.key, secret: o.credentials.secret} : {}),
        ...(o.wsUrl ? {wsUrl: `${o.wsUrl.replace(/\/+$/, '')}${STREAM_PATHS[name]}`} : {}),
        testnet: o.testnet === true,
        demoTrading: o.demo === true && isPrivate,
        ...(o.reconnectMs !== undefined ? {reconnectTimeout: o.reconnectMs} : {}),
        ...(o.pingIntervalMs !== undefined ? {pingInterval: o.pingIntervalMs} : {}),
        recvWindow: o.recvWindowMs ?? 5000,
      },
      this.logger(),
    )
    const s: StreamState = {name, client, topics: [], confirmed: new Set(), phase: 'connecting', waiters: []}
    client.on('open', (e) => this.attach(s, e.ws))
    client.on('reconnected', (e) => {
      // A first connection that needed retries is still 'connecting': it reports 'connected' once confirmed.
      s.confirmed.clear()
      if (s.phase === 'up' || s.phase === 'down') s.phase = 'resyncing'
      this.attach(s, e.ws)
    })
    client.on('reconnect', () => this.lost(s, 'connection lost; the SDK reconnects'))
    // Without a listener the SDK's 'exception' events are only logged; connection failures are retried by the SDK.
    client.on('exception', () => undefined)
    this.streams.set(name, s)
    return s
  }

  /** The socket's own messages: verbatim frames, and the acks that tell what the venue confirmed. */
  private attach(s: StreamState, ws: unknown): void {
    const socket = ws as {on?: (ev: string, fn: (data: unknown) => void) => void}
    if (typeof socket?.on !== 'function') return
    socket.on('message', (data: unknown) => {
      if (s.phase === 'closed') return
      const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString('utf8') : String(data)
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
      if (isHeartbeat(parsed)) return
      this.emitFrame({stream: s.name, data: s.name === 'private' ? scrubbed(parsed, this.secrets) : parsed})
      this.onControl(s, parsed)
    })
  }

  private onControl(s: StreamState, msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return
    const m = msg as {op?: unknown; success?: unknown; ret_msg?: unknown; req_id?: unknown}
    if (m.op === 'auth' && m.success === false) {
      const text = safeText(m.ret_msg, this.secrets)
      s.phase = 'failed'
      this.failWaiters(s, new AuthenticationError(`bybit: websocket authentication refused${text ? ` (${text})` : ''}; check the API key, secret and permissions`, VENUE, 'ws_auth'))
      this.emitConnection({kind: 'disconnected', stream: s.name, reason: `authentication refused${text ? `: ${text}` : ''}`})
      s.client.removeAllListeners()
      s.client.closeAll(true)
      return
    }
    if (m.op !== 'subscribe') return
    const asked = typeof m.req_id === 'string' ? m.req_id.split(',').filter((t) => s.topics.includes(t)) : []
    const topics = asked.length ? asked : s.topics.filter((t) => !s.confirmed.has(t))
    if (m.success !== true) {
      const text = safeText(m.ret_msg, this.secrets)
      const err = new FinalError(`bybit: the ${s.name} stream refused ${topics.join(', ')}${text ? ` (${text})` : ''}`, VENUE, 'subscribe')
      this.failWaiters(s, err, (w) => w.topics.some((t) => topics.includes(t)))
      return
    }
    for (const t of topics) s.confirmed.add(t)
    for (const w of [...s.waiters]) {
      if (w.topics.every((t) => s.confirmed.has(t))) {
        clearTimeout(w.timer)
        s.waiters.splice(s.waiters.indexOf(w), 1)
        w.resolve()
      }
    }
    if (!s.topics.every((t) => s.confirmed.has(t))) return
    if (s.phase === 'connecting') {
      s.phase = 'up'
      this.emitConnection({kind: 'connected', stream: s.name})
    } else if (s.phase === 'resyncing') {
      s.phase = 'up'
      this.emitConnection({kind: 'reconnected', stream: s.name})
    }
  }

  private lost(s: StreamState, reason: string): void {
    s.confirmed.clear()
    if (s.phase === 'up' || s.phase === 'resyncing') {
      s.phase = 'down'
      this.emitConnection({kind: 'disconnected', stream: s.name, reason})
    }
  }

  private failWaiters(s: StreamState, err: Error, which: (w: Waiter) => boolean = () => true): void {
    const failing = s.waiters.filter(which)
    s.waiters = s.waiters.filter((w) => !which(w))
    for (const w of failing) {
      clearTimeout(w.timer)
      w.reject(err)
    }
  }

  private emitFrame(frame: RawFrame): void {
    for (const h of [...this.frameHandlers]) h(frame)
  }

  private emitConnection(event: ConnectionEvent): void {
    for (const h of [...this.connectionHandlers]) h(event)
  }

  /** The SDK's logger: trace and info dropped, errors as one scrubbed line to `onLog`. */
  private logger(): {trace: (...p: unknown[]) => void; info: (...p: unknown[]) => void; error: (...p: unknown[]) => void} {
    const sink = this.opts.onLog
    return {
      trace: () => undefined,
      info: () => undefined,
      error: (...params: unknown[]) => {
        if (!sink) return
        const words = params.map((p) => (typeof p === 'string' ? p : typeof p === 'object' && p !== null && typeof (p as {message?: unknown}).message === 'string' ? (p as {message: string}).message : '')).filter(Boolean)
        sink(safeText(`bybit-api: ${words.join(' ')}`, [...this.secrets, ...params.flatMap((p) => secretsIn(p))]))
      },
    }
  }
}

// ---------------------------------------------------------------- answers

/** A resolved SDK call: the venue's body without the SDK's `rateLimitApi`, and those values as the headers they came from. */
function resolvedAnswer(result: unknown): RawResponse {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return {status: 200, headers: {}, body: result ?? null}
  const {rateLimitApi, ...body} = result as Record<string, unknown> & {rateLimitApi?: {remainingRequests?: unknown; maxRequests?: unknown; resetAtTimestamp?: unknown}}
  const headers: Record<string, string> = {}
  if (rateLimitApi && typeof rateLimitApi === 'object') {
    const put = (name: string, v: unknown) => {
      if (typeof v === 'number' && Number.isFinite(v)) headers[name] = String(v)
    }
    put('x-bapi-limit-status', rateLimitApi.remainingRequests)
    put('x-bapi-limit', rateLimitApi.maxRequests)
    put('x-bapi-limit-reset-timestamp', rateLimitApi.resetAtTimestamp)
  }
  return {status: 200, headers, body}
}

/** bybit-api's HTTP rejection `{code: status, message, body, headers, requestOptions}` → status, rate-limit headers, body. */
function rejectedAnswer(err: unknown): RawResponse | undefined {
  if (typeof err !== 'object' || err === null || err instanceof Error) return undefined
  const e = err as {code?: unknown; body?: unknown; headers?: unknown}
  if (typeof e.code !== 'number' || !Number.isInteger(e.code) || e.code < 100 || e.code > 599 || !('body' in e)) return undefined
  const headers: Record<string, string> = {}
  for (const name of LIMIT_HEADERS) {
    const v = headerOf(e.headers, name)
    if (v !== undefined) headers[name] = v
  }
  return {status: e.code, headers, body: parsedBody(e.body)}
}

/** `v` with every credential inside its strings replaced; the same object when there is none (the usual case). */
export function scrubbed(v: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return v
  if (typeof v === 'string') {
    let out = v
    for (const s of secrets) if (s.length >= 6 && out.includes(s)) out = out.split(s).join('[redacted]')
    return out
  }
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined
    v.forEach((x, i) => {
      const y = scrubbed(x, secrets)
      if (y !== x) (copy ??= [...v])[i] = y
    })
    return copy ?? v
  }
  let copy: Record<string, unknown> | undefined
  for (const [k, x] of Object.entries(v)) {
    const y = scrubbed(x, secrets)
    if (y !== x) (copy ??= {...(v as Record<string, unknown>)})[k] = y
  }
  return copy ?? v
}

function parsedBody(body: unknown): unknown {
  if (body === undefined || body === '') return null
  if (typeof body !== 'string') return body
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/** Private pings / pongs and public pong acks: liveness only, not venue data. */
function isHeartbeat(msg: unknown): boolean {
  if (typeof msg !== 'object' || msg === null) return false
  const m = msg as {op?: unknown; ret_msg?: unknown}
  return m.op === 'pong' || m.op === 'ping' || m.ret_msg === 'pong'
}

function fillPath(template: string, path: Readonly<Record<string, string>> | undefined): string {
  if (!path) return template
  return template.replace(/\{(\w+)\}|:(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const v = path[(a ?? b)!]
    return v === undefined ? whole : encodeURIComponent(v)
  })
}

function addHandler<T>(list: T[], handler: T): Unsubscribe {
  list.push(handler)
  return () => {
    const i = list.indexOf(handler)
    if (i >= 0) list.splice(i, 1)
  }
}
