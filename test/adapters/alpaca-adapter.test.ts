/**
 * The Alpaca adapter over a scripted transport, with the recorded Alpaca payloads (fixtures/alpaca): request
 * bodies, the unknown-outcome rule, stream frames → events (each execution once), decode failures reported and
 * never defaulted, the connection test, the reconcile after a reconnect, and the order-body helpers.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {AlpacaAdapter, type AdapterDeps} from '../../src/adapters/alpaca/alpaca-adapter.js'
import {FillIndex} from '../../src/adapters/alpaca/fill-index.js'
import {alpacaOrderBody, decimalText, engineClientOrderId, nextReplacementId} from '../../src/adapters/alpaca/order-body.js'
import {
  AuthenticationError, DuplicateClientOrderIdError, FinalError, InvalidOrderError, OrderNotFoundError, RateLimitError, RequestTimeoutError,
  VenueUnavailableError,
} from '../../src/broker/errors.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import type {BrokerEvent, BrokerEventOf} from '../../src/core/events.js'
import type {OrderRequest} from '../../src/core/order.js'
import {VirtualClock} from '../../src/core/time/clock.js'
import type {Scheduler, TimerHandle} from '../../src/core/time/scheduler.js'

const ROOT = path.resolve(import.meta.dirname, '../../fixtures/alpaca')
const MCP = 'alpaca-mcp-server/extracted/trading-api'
const fixture = (f: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(ROOT, f), 'utf8'))
const EQUITY_ORDER = fixture(`${MCP}/GETv2_orders_order_id__200__Equity.json`)
const ACCOUNT = fixture(`${MCP}/GETv2_account__200.json`)
const POSITION = fixture(`${MCP}/schemas/Position__example_1.json`)
const FILL_ACTIVITY = fixture(`${MCP}/schemas/TradingActivities__example_1.json`)
const CLOCK = fixture(`${MCP}/schemas/legacy_clock.json`)
const UNAUTHORIZED = fixture(`${MCP}/GETv2_tokenization_requests__401.json`)
const WS = fixture('ccxt/ts/src/test/static/ws/alpaca.watchMyTrades.messages.json') as {messages: Record<string, unknown>[]}
const [, , PENDING_NEW, NEW, FILL] = WS.messages

type Answer = RawResponse | Error | ((req: VenueRequest) => RawResponse | Error)

const ok = (body: unknown, status = 200, headers: Record<string, string> = {}): RawResponse => ({status, headers, body})

class FakeTransport implements VenueTransport {
  readonly venue = 'alpaca'
  readonly requests: VenueRequest[] = []
  readonly subscriptions: StreamSubscription[] = []
  private readonly queues = new Map<string, Answer[]>()
  private readonly defaults = new Map<string, Answer>()
  private readonly frameHandlers = new Set<(f: RawFrame) => void>()
  private readonly connHandlers = new Set<(e: ConnectionEvent) => void>()
  subscribeError: Error | undefined
  closed = false

  /** Answers for the next requests to `endpoint`, in order. */
  on(endpoint: string, ...answers: Answer[]): this {
    this.queues.set(endpoint, [...(this.queues.get(endpoint) ?? []), ...answers])
    return this
  }

  /** The answer to every further request to `endpoint` once its queue is empty. */
  always(endpoint: string, answer: Answer): this {
    this.defaults.set(endpoint, answer)
    return this
  }

  async request(req: VenueRequest): Promise<RawResponse> {
    this.requests.push(req)
    await Promise.resolve()
    const a = this.queues.get(req.endpoint)?.shift() ?? this.defaults.get(req.endpoint)
    if (!a) throw new Error(`unscripted request ${req.endpoint}`)
    const r = typeof a === 'function' ? a(req) : a
    if (r instanceof Error) throw r
    return r
  }

  async subscribe(sub: StreamSubscription): Promise<void> {
    this.subscriptions.push(sub)
    if (this.subscribeError) throw this.subscribeError
  }

  onFrame(h: (f: RawFrame) => void) {
    this.frameHandlers.add(h)
    return () => void this.frameHandlers.delete(h)
  }

  onConnection(h: (e: ConnectionEvent) => void) {
    this.connHandlers.add(h)
    return () => void this.connHandlers.delete(h)
  }

  frame(data: unknown, stream = 'trade_updates'): void {
    for (const h of this.frameHandlers) h({stream, data})
  }

  connection(e: ConnectionEvent): void {
    for (const h of this.connHandlers) h(e)
  }

  async close(): Promise<void> {
    this.closed = true
  }

  sent(endpoint: string): VenueRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint)
  }
}

class ManualScheduler implements Scheduler {
  private timers: {at: number; fn: () => void; dead: boolean}[] = []
  constructor(private readonly clock: VirtualClock) {}
  at(time: number, fn: () => void): TimerHandle {
    const t = {at: time, fn, dead: false}
    this.timers.push(t)
    return {cancel: () => void (t.dead = true)}
  }
  after(ms: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + ms, fn)
  }
  every(): TimerHandle {
    throw new Error('not used')
  }
  /** Moves the clock on and fires what is due. */
  advance(ms: number): void {
    this.clock.advanceTo(this.clock.now() + ms)
    const due = this.timers.filter((t) => !t.dead && t.at <= this.clock.now())
    this.timers = this.timers.filter((t) => !due.includes(t))
    for (const t of due) t.fn()
  }
}

const flush = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve()
  await new Promise((r) => setImmediate(r))
}

function setup(extra: Partial<AdapterDeps> = {}) {
  const transport = new FakeTransport()
  const clock = new VirtualClock(Date.parse('2026-09-18T13:24:00Z'))
  const scheduler = new ManualScheduler(clock)
  const decodeErrors: {where: string; raw: unknown; issue: string}[] = []
  const errors: {where: string; error: unknown}[] = []
  const adapter = new AlpacaAdapter({transport, clock, scheduler, onDecodeError: (e) => decodeErrors.push(e), onError: (e) => errors.push(e), ...extra})
  const events: BrokerEvent[] = []
  adapter.subscribe((e) => events.push(e))
  // Positions and account are read after fills.
  transport.always('GET /v2/positions', ok([POSITION])).always('GET /v2/account', ok(ACCOUNT))
  return {transport, clock, scheduler, adapter, events, decodeErrors, errors}
}

const executions = (events: BrokerEvent[]) => events.filter((e): e is BrokerEventOf<'execution'> => e.kind === 'execution')
const orders = (events: BrokerEvent[]) => events.filter((e): e is BrokerEventOf<'order'> => e.kind === 'order')

const limitReq = (cid = 'sma-bar1-entry-1'): OrderRequest => ({clientOrderId: cid, symbol: 'AAPL', side: 'buy', type: 'limit', qty: 2, limitPrice: 150, tif: 'gtc'})
const withCid = (o: Record<string, unknown>, cid: string, extra: Record<string, unknown> = {}) => ({...o, client_order_id: cid, ...extra})

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('AlpacaAdapter: orders', () => {
  it('submit sends Alpaca\'s body in its own field names and returns the venue id and time of the answer', async () => {
    const {transport, adapter} = setup()
    transport.on('POST /v2/orders', ok(withCid(EQUITY_ORDER, 'sma-bar1-entry-1')))
    const r = await adapter.submitOrder(limitReq())
    expect(transport.requests[0]).toEqual({
      endpoint: 'POST /v2/orders',
      params: {symbol: 'AAPL', qty: '2', side: 'buy', type: 'limit', time_in_force: 'gtc', limit_price: '150', client_order_id: 'sma-bar1-entry-1'},
    })
    expect(r).toEqual({clientOrderId: 'sma-bar1-entry-1', venueOrderId: EQUITY_ORDER.id, ts: Date.parse('2023-12-12T22:31:24.668Z')})
  })

  it('refuses before sending what Alpaca cannot take: a client order id over 48 characters, reduce-only, post-only, a hedge leg', async () => {
    const {transport, adapter} = setup()
    const bad: OrderRequest[] = [
      limitReq('x'.repeat(49)),
      limitReq('looks-like-a-replacement.r2'),
      {...limitReq(), reduceOnly: true},
      {...limitReq(), postOnly: true},
      {...limitReq(), positionSide: 'long'},
    ]
    for (const req of bad) {
      const err = await rejection(adapter.submitOrder(req))
      expect(err).toBeInstanceOf(InvalidOrderError)
      expect(err.message).toMatch(/^alpaca: /)
      expect(err.message).not.toMatch(/\n/)
    }
    expect((await rejection(adapter.submitOrder(limitReq('x'.repeat(49))))).message).toMatch(/49 characters, Alpaca allows 48/)
    expect(transport.requests).toHaveLength(0)
    await expect(adapter.submitOrder({...limitReq('x'.repeat(48)), positionSide: 'net'}).catch((e: Error) => e.message)).resolves.toMatch(/unscripted/)
  })

  it('unknown outcome (no answer): the client order id is queried before anything else; found → the receipt, one POST', async () => {
    const {transport, adapter} = setup()
    transport.on('POST /v2/orders', new RequestTimeoutError('alpaca: POST /v2/orders: no answer', 'alpaca'))
    transport.on('GET /v2/orders:by_client_order_id', ok(withCid(EQUITY_ORDER, 'sma-bar1-entry-1')))
    const r = await adapter.submitOrder(limitReq())
    expect(r.venueOrderId).toBe(EQUITY_ORDER.id)
    expect(transport.requests.map((q) => q.endpoint)).toEqual(['POST /v2/orders', 'GET /v2/orders:by_client_order_id'])
    expect(transport.requests[1].params).toEqual({client_order_id: 'sma-bar1-entry-1'})
  })

  it('unknown outcome, not found: the timeout is passed up (retryable, same id next time), never a second POST from here', async () => {
    const {transport, adapter} = setup()
    transport.on('POST /v2/orders', new RequestTimeoutError('alpaca: no answer', 'alpaca'))
    transport.on('GET /v2/orders:by_client_order_id', ok({code: 40410000, message: 'order not found'}, 404))
    const err = await rejection(adapter.submitOrder(limitReq()))
    expect(err).toBeInstanceOf(RequestTimeoutError)
    expect(transport.sent('POST /v2/orders')).toHaveLength(1)
  })

  it('a 5xx to a submit does not say whether the order exists: it is queried too', async () => {
    const {transport, adapter} = setup()
    transport.on('POST /v2/orders', ok({code: 50010000, message: 'internal server error'}, 500))
    transport.on('GET /v2/orders:by_client_order_id', ok(withCid(EQUITY_ORDER, 'sma-bar1-entry-1')))
    expect((await adapter.submitOrder(limitReq())).venueOrderId).toBe(EQUITY_ORDER.id)
    transport.on('POST /v2/orders', ok({code: 50010000, message: 'internal server error'}, 500))
    transport.on('GET /v2/orders:by_client_order_id', ok({code: 40410000, message: 'order not found'}, 404))
    expect(await rejection(adapter.submitOrder(limitReq('sma-bar2-entry-1')))).toBeInstanceOf(VenueUnavailableError)
  })

  it('4xx answers are typed: duplicate id, buying power, rate limit with the venue reset', async () => {
    const {transport, adapter} = setup()
    transport.on('POST /v2/orders', ok({code: 40010001, message: 'client_order_id must be unique'}, 422))
    expect(await rejection(adapter.submitOrder(limitReq()))).toBeInstanceOf(DuplicateClientOrderIdError)
    transport.on('POST /v2/orders', ok({code: 40310000, message: 'insufficient buying power'}, 403))
    expect((await rejection(adapter.submitOrder(limitReq('b-1')))).name).toBe('InsufficientFundsError')
    transport.on('GET /v2/account', ok({code: 42910000, message: 'too many requests.'}, 429, {'x-ratelimit-reset': '1790000000'}))
    const rl = await rejection(adapter.account())
    expect(rl).toBeInstanceOf(RateLimitError)
    expect((rl as RateLimitError).resetAt).toBe(1_790_000_000_000)
  })

  it('cancel: a 422 (not cancelable) is OrderNotFoundError; an unknown client id is looked up and not found, no DELETE', async () => {
    const {transport, adapter} = setup()
    transport.on('GET /v2/orders:by_client_order_id', ok(withCid(EQUITY_ORDER, 'c-1', {status: 'filled', filled_qty: '2', filled_avg_price: '150'})))
    transport.on('DELETE /v2/orders/{order_id}', ok({code: 42210000, message: 'order is already in "filled" state'}, 422))
    transport.on('GET /v2/orders/{order_id}', ok(withCid(EQUITY_ORDER, 'c-1', {status: 'filled', filled_qty: '2', filled_avg_price: '150'})))
    const err = await rejection(adapter.cancelOrder({clientOrderId: 'c-1'}))
    expect(err).toBeInstanceOf(OrderNotFoundError)
    expect(err.message).toContain('filled')
    transport.on('GET /v2/orders:by_client_order_id', ok({code: 40410000, message: 'order not found'}, 404))
    const before = transport.sent('DELETE /v2/orders/{order_id}').length
    expect(await rejection(adapter.cancelOrder({clientOrderId: 'nope-1'}))).toBeInstanceOf(OrderNotFoundError)
    expect(transport.sent('DELETE /v2/orders/{order_id}')).toHaveLength(before)
  })

  it('amend: PATCH names the replacement <cid>.r<n>; the stream\'s replaced order is not reported, its replacement is, under the engine id', async () => {
    const {transport, adapter, events} = setup()
    const cid = 'grid1-l3-tp-1'
    transport.on('POST /v2/orders', ok(withCid(EQUITY_ORDER, cid)))
    await adapter.submitOrder({...limitReq(cid)})
    const replacement = withCid(EQUITY_ORDER, `${cid}.r1`, {id: 'repl-0001', limit_price: '151', replaces: EQUITY_ORDER.id, status: 'new', updated_at: '2023-12-12T22:32:00Z'})
    transport.on('PATCH /v2/orders/{order_id}', ok(replacement))
    await adapter.amendOrder({clientOrderId: cid}, {limitPrice: 151})
    expect(transport.sent('PATCH /v2/orders/{order_id}')[0]).toEqual({endpoint: 'PATCH /v2/orders/{order_id}', params: {client_order_id: `${cid}.r1`, limit_price: '151'}, path: {order_id: EQUITY_ORDER.id}})
    // The stream then says: the old order replaced, the new one new.
    const old = withCid(EQUITY_ORDER, cid, {status: 'replaced', replaced_by: 'repl-0001', updated_at: '2023-12-12T22:32:00Z'})
    transport.frame({stream: 'trade_updates', data: {event: 'replaced', timestamp: '2023-12-12T22:32:00Z', order: old}})
    transport.frame({stream: 'trade_updates', data: {event: 'new', timestamp: '2023-12-12T22:32:00Z', order: replacement}})
    expect(orders(events).map((e) => [e.order.clientOrderId, e.order.venueOrderId, e.order.status, e.order.limitPrice])).toEqual([[cid, 'repl-0001', 'accepted', 151]])
    // A second amend goes to the live order and names .r2.
    transport.on('PATCH /v2/orders/{order_id}', ok(withCid(EQUITY_ORDER, `${cid}.r2`, {id: 'repl-0002', limit_price: '152', replaces: 'repl-0001'})))
    await adapter.amendOrder({venueOrderId: EQUITY_ORDER.id as string}, {limitPrice: 152})
    const second = transport.sent('PATCH /v2/orders/{order_id}')[1]
    expect(second.path).toEqual({order_id: 'repl-0001'})
    expect(second.params.client_order_id).toBe(`${cid}.r2`)
  })
})

describe('AlpacaAdapter: trade_updates', () => {
  it('the recorded frames become order and execution events; a redelivered fill is applied once; positions and account follow', async () => {
    const {transport, adapter, events} = setup()
    for (const f of [PENDING_NEW, NEW, FILL, FILL]) transport.frame(f)
    await flush()
    expect(executions(events).map((e) => e.fill)).toEqual([
      expect.objectContaining({execId: 'a0b4b946-3ed9-4fd6-bb10-d1c5f28415aa', qty: 129.7, price: 0.0851119, side: 'sell', symbol: 'DOGE/USD', clientOrderId: 'ccxt_214efabb8ba04f9fbda29883611402a6'}),
    ])
    expect(orders(events).map((e) => e.order.status)).toEqual(['accepted', 'accepted', 'filled'])
    expect(events.map((e) => e.kind)).toEqual(['order', 'order', 'execution', 'order', 'position', 'account'])
    const position = events.find((e): e is BrokerEventOf<'position'> => e.kind === 'position')!
    // The fill's symbol is flat on the venue (the position list holds AAPL only): reported as qty 0.
    expect(position.position).toMatchObject({symbol: 'DOGE/USD', qty: 0})
    expect(transport.sent('GET /v2/positions')).toHaveLength(1)
    expect(adapter.positionMode).toBe('netting')
  })

  it('a frame that does not decode is reported with its raw payload (hook and decode_error event), and the stream goes on', async () => {
    const {transport, events, decodeErrors} = setup()
    const bad = structuredClone(FILL) as {data: {qty: string}}
    bad.data.qty = 'abc'
    transport.frame(bad)
    transport.frame(NEW)
    await flush()
    expect(decodeErrors).toHaveLength(1)
    expect(decodeErrors[0]).toMatchObject({where: 'alpaca:trade_updates', raw: bad})
    expect(decodeErrors[0].issue).toMatch(/data\.qty/)
    expect(events[0]).toMatchObject({kind: 'decode_error', channel: 'alpaca:trade_updates', raw: bad})
    expect(executions(events)).toHaveLength(0)
    expect(orders(events)).toHaveLength(1)
  })

  it('a REST answer that does not decode fails the call (retryable) and is reported, never defaulted', async () => {
    const {transport, adapter, events, decodeErrors} = setup()
    transport.on('GET /v2/positions', ok([{...POSITION, qty: 'five'}]))
    const err = await rejection(adapter.positions())
    expect(err).toBeInstanceOf(VenueUnavailableError)
    expect(err.message).toMatch(/did not decode/)
    expect(decodeErrors[0].raw).toEqual([{...POSITION, qty: 'five'}])
    expect(events.some((e) => e.kind === 'decode_error')).toBe(true)
  })
})

describe('AlpacaAdapter: connection', () => {
  it('ALP-14: a 401 to the connection test is one AuthenticationError line, and no stream is opened', async () => {
    const {transport, adapter} = setup()
    transport.on('GET /v2/account', ok(UNAUTHORIZED, 401))
    const err = await rejection(adapter.connect())
    expect(err).toBeInstanceOf(AuthenticationError)
    expect(err.message).toBe('alpaca: HTTP 401 (code 40110000): unauthorized; check APCA key id and secret')
    expect(transport.subscriptions).toHaveLength(0)
  })

  it('connect: the account answer, then trade_updates; a blocked account is refused', async () => {
    const {transport, adapter} = setup()
    transport.on('GET /v2/account', ok(ACCOUNT))
    await adapter.connect()
    expect(transport.subscriptions).toEqual([{stream: 'trade_updates', topics: ['trade_updates']}])
    const blocked = setup()
    blocked.transport.on('GET /v2/account', ok({...ACCOUNT, trading_blocked: true}))
    const err = await rejection(blocked.adapter.connect())
    expect(err).toBeInstanceOf(FinalError)
    expect(err.message).toMatch(/trading blocked/)
  })

  it('venueTime is the clock endpoint\'s timestamp', async () => {
    const {transport, adapter} = setup()
    transport.on('GET /v2/clock', ok(CLOCK))
    expect(await adapter.venueTime()).toBe(Date.parse('2025-06-24T18:15:22Z'))
  })

  it('after a reconnect: REST reconcile reports the missed fill once and the order\'s state, frames that came meanwhile wait, then connected', async () => {
    const {transport, adapter, events} = setup()
    transport.on('GET /v2/account', ok(ACCOUNT))
    await adapter.connect()
    // The order is known and open when the stream drops.
    transport.frame({stream: 'trade_updates', data: {event: 'new', timestamp: '2022-02-02T18:50:00Z', order: withCid(EQUITY_ORDER, 'mom-aapl-entry-1', {id: FILL_ACTIVITY.order_id, updated_at: '2022-02-02T18:50:00Z'})}})
    transport.connection({kind: 'disconnected', stream: 'trade_updates', reason: 'socket closed'})
    const filled = withCid(EQUITY_ORDER, 'mom-aapl-entry-1', {id: FILL_ACTIVITY.order_id, status: 'filled', filled_qty: '2', filled_avg_price: '174.78', updated_at: '2022-02-02T18:55:09.981Z', filled_at: '2022-02-02T18:55:09.981Z'})
    transport.on('GET /v2/account/activities/{activity_type}', (req) => {
      expect(req.path).toEqual({activity_type: 'FILL'})
      return ok([FILL_ACTIVITY])
    })
    transport.on('GET /v2/orders', ok([]))
    transport.on('GET /v2/orders/{order_id}', ok(filled))
    transport.connection({kind: 'reconnected', stream: 'trade_updates'})
    // While the reconcile runs, the stream delivers the same fill under another execution id (same order, same cumulative qty).
    transport.frame({stream: 'trade_updates', data: {event: 'fill', execution_id: 'stream-exec-1', timestamp: '2022-02-02T18:55:09.981Z', price: '174.78', qty: '2', order: filled}})
    await flush(60)
    const kinds = events.map((e) => (e.kind === 'connection' ? `connection:${e.status}` : e.kind === 'order' ? `order:${e.order.status}` : e.kind))
    expect(kinds).toEqual(['order:accepted', 'connection:disconnected', 'execution', 'order:filled', 'position', 'account', 'connection:connected'])
    expect(executions(events)[0].fill).toMatchObject({execId: '2d7be4ff-d1f3-43e9-856a-0f5cf5c5088e', clientOrderId: 'mom-aapl-entry-1', qty: 2, price: 174.78})
  })

  it('a reconcile that fails is retried on the scheduler, and the stream stays untrusted meanwhile', async () => {
    const {transport, scheduler, events, errors} = setup()
    transport.on('GET /v2/account/activities/{activity_type}', ok({code: 50010000, message: 'internal server error'}, 500), ok([]))
    transport.always('GET /v2/orders', ok([]))
    transport.connection({kind: 'disconnected', stream: 'trade_updates', reason: 'x'})
    transport.connection({kind: 'reconnected', stream: 'trade_updates'})
    await flush()
    transport.frame(NEW)
    await flush()
    expect(errors).toHaveLength(1)
    expect(events.filter((e) => e.kind === 'order')).toHaveLength(0) // held
    scheduler.advance(250)
    await flush(40)
    expect(events.map((e) => (e.kind === 'connection' ? e.status : e.kind))).toEqual(['disconnected', 'order', 'connected'])
  })

  it('executionsSince: FILL activities with the client order id looked up once per order', async () => {
    const {transport, adapter} = setup()
    transport.always('GET /v2/account/activities/{activity_type}', ok([FILL_ACTIVITY]))
    transport.on('GET /v2/orders/{order_id}', ok(withCid(EQUITY_ORDER, 'mom-aapl-entry-1', {id: FILL_ACTIVITY.order_id})))
    const since = Date.parse('2022-02-02T18:00:00Z')
    const fills = await adapter.executionsSince(since)
    expect(fills).toEqual([{execId: '2d7be4ff-d1f3-43e9-856a-0f5cf5c5088e', clientOrderId: 'mom-aapl-entry-1', venueOrderId: FILL_ACTIVITY.order_id, symbol: 'AAPL', side: 'buy', positionSide: 'net', qty: 2, price: 174.78, fee: 0, liquidity: 'taker', ts: Date.parse('2022-02-02T18:55:09.981Z')}])
    expect(transport.sent('GET /v2/account/activities/{activity_type}')[0].params).toEqual({after: '2022-02-02T17:59:59.999Z', direction: 'asc', page_size: 100})
    await adapter.executionsSince(since)
    expect(transport.sent('GET /v2/orders/{order_id}')).toHaveLength(1)
    expect(await adapter.executionsSince(Date.parse('2022-02-02T18:55:10Z'))).toEqual([])
  })
})

describe('AlpacaAdapter: memory', () => {
  it('finished orders are forgotten after 10 000 newer ones finish (flat memory); recent ones are still known', async () => {
    const {transport, adapter} = setup()
    const frame = (i: number) => ({stream: 'trade_updates', data: {event: 'canceled', timestamp: '2023-12-12T22:40:00Z', order: withCid(EQUITY_ORDER, `m-${i}-1`, {id: `v-${i}`, status: 'canceled'})}})
    for (let i = 0; i < 10_010; i++) transport.frame(frame(i))
    transport.on('GET /v2/orders/{order_id}', ok({code: 40410000, message: 'order not found'}, 404))
    transport.always('DELETE /v2/orders/{order_id}', ok({code: 42210000, message: 'order is not cancelable'}, 422))
    await rejection(adapter.cancelOrder({venueOrderId: 'v-0'}))
    expect(transport.requests.map((r) => r.endpoint)).toEqual(['GET /v2/orders/{order_id}']) // forgotten: asked of the venue
    transport.always('GET /v2/orders/{order_id}', ok(withCid(EQUITY_ORDER, 'm-10009-1', {id: 'v-10009', status: 'canceled'})))
    await rejection(adapter.cancelOrder({venueOrderId: 'v-10009'}))
    expect(transport.requests.map((r) => r.endpoint).slice(1, 2)).toEqual(['DELETE /v2/orders/{order_id}']) // still known
  })
})

describe('AlpacaAdapter: market feed', () => {
  it('minute bars from the data stream; other timeframes refused; a frame that does not decode is reported', async () => {
    const {transport, adapter, decodeErrors} = setup()
    expect(await rejection(adapter.subscribeBars(['AAPL'], 300_000, () => undefined))).toBeInstanceOf(FinalError)
    const got: FeedBar[] = []
    await adapter.subscribeBars(['AAPL'], 60_000, (b) => got.push(b))
    expect(transport.subscriptions.at(-1)).toEqual({stream: 'bars', topics: ['AAPL']})
    const bar = {T: 'b', S: 'AAPL', o: 178.26, h: 178.26, l: 178.21, c: 178.21, v: 1118, t: '2022-01-03T09:00:00Z', n: 65, vw: 178.235733}
    transport.frame([bar, {T: 'b', S: 'AAPL', o: 'x'}], 'bars')
    transport.frame([bar], 'bars') // the same bar again
    expect(got).toEqual([{symbol: 'AAPL', ts: Date.parse('2022-01-03T09:00:00Z'), tfMs: 60_000, open: 178.26, high: 178.26, low: 178.21, close: 178.21, volume: 1118}])
    expect(decodeErrors).toHaveLength(1)
    expect(decodeErrors[0].where).toBe('alpaca:market_data')
  })
})

describe('order body helpers and the fill index', () => {
  it('decimal text without exponents; replacement ids and their engine id', () => {
    expect(decimalText(1e-7)).toBe('0.0000001')
    expect(decimalText(129.7)).toBe('129.7')
    expect(engineClientOrderId('grid1-l3-tp-1.r3')).toBe('grid1-l3-tp-1')
    expect(engineClientOrderId('grid1-l3-tp-1')).toBe('grid1-l3-tp-1')
    expect(nextReplacementId('a-1', 'a-1')).toBe('a-1.r1')
    expect(nextReplacementId('a-1', 'a-1.r9')).toBe('a-1.r10')
    expect(() => nextReplacementId('y'.repeat(46), 'y'.repeat(46))).toThrow(InvalidOrderError)
    expect(alpacaOrderBody({clientOrderId: 'a-1', symbol: 'AAPL', side: 'sell', type: 'stop_limit', qty: 1, limitPrice: 9.5, stopPrice: 10, tif: 'day'})).toEqual({
      symbol: 'AAPL', qty: '1', side: 'sell', type: 'stop_limit', time_in_force: 'day', client_order_id: 'a-1', limit_price: '9.5', stop_price: '10',
    })
  })

  it('if-touched orders have no Alpaca equivalent: refused, never sent as a stop', () => {
    for (const type of ['market_if_touched', 'limit_if_touched'] as const) {
      const req = {clientOrderId: 'a-2', symbol: 'AAPL', side: 'buy' as const, type, qty: 1, limitPrice: 9.5, stopPrice: 9, tif: 'day' as const}
      expect(() => alpacaOrderBody(req)).toThrow(InvalidOrderError)
      expect(() => alpacaOrderBody(req)).toThrow(`alpaca: a-2: Alpaca has no ${type} orders (only market, limit, stop and stop_limit)`)
    }
  })

  it('a fill is known by execution id or by (order, cumulative qty), within two generations', () => {
    const idx = new FillIndex(2)
    idx.add('e1', FillIndex.cumKey('o1', 2))
    expect(idx.known('e1', 'other')).toBe('e1')
    expect(idx.known('e9', FillIndex.cumKey('o1', 2))).toBe('e1')
    expect(idx.known('e9', FillIndex.cumKey('o1', 3))).toBeUndefined()
    idx.add('e2', FillIndex.cumKey('o1', 3))
    idx.add('e3', FillIndex.cumKey('o1', 4))
    expect(idx.known('e2', 'x')).toBe('e2')
  })
})
