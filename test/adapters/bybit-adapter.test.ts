/**
 * BybitAdapter over a scripted transport, with the recorded payloads of fixtures/bybit: what goes on the wire
 * (hedge legs, reduce-only, orderLinkId), how answers map (retCodes, duplicates, unknown outcomes), how the
 * private stream becomes port events (each execution once, decode errors kept raw), the reconcile after a
 * reconnect, the connection test, the venue clock and the kline feed.
 */
import path from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {BybitAdapter, BybitPayloadError} from '../../src/adapters/bybit/bybit-adapter.js'
import {BybitPublicFeed} from '../../src/adapters/bybit/public-feed.js'
import {
  AuthenticationError, DuplicateClientOrderIdError, InsufficientFundsError, InvalidOrderError, OrderNotFoundError, RateLimitError,
  RequestTimeoutError,
} from '../../src/broker/errors.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {BrokerEvent, BrokerEventOf} from '../../src/core/events.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {OrderRequest} from '../../src/core/order.js'
import type {Scheduler} from '../../src/core/time/scheduler.js'
import {FakeTransport, ok, refused, settle} from './bybit-fake-transport.js'
import {bybitNetEndpoint, readJson, readText, transcript} from './fixture-routes.js'

const ROOT = path.resolve(import.meta.dirname, '../../fixtures/bybit')
const net = (rel: string) => bybitNetEndpoint(readText(path.join(ROOT, 'Bybit.Net/Bybit.UnitTests', rel))).body as {result: unknown; time: number}
const pushed = (rel: string) => transcript(readText(path.join(ROOT, 'Bybit.Net/Bybit.UnitTests', rel))).filter((e) => e.dir === '=').map((e) => e.json)
const hiro = (rel: string) => readJson(path.join(ROOT, 'hirokisan-bybit', rel))

/** GET /v5/order/realtime fixture: ETHUSDT limit buy on the long leg (positionIdx 1), orderLinkId test-000005. */
const REALTIME = net('Endpoints/V5Api/Trading/GetOrders.txt')
const FIXTURE_ORDER = (REALTIME.result as {list: Record<string, unknown>[]}).list[0]
const PLACE = net('Endpoints/V5Api/Trading/PlaceOrder.txt')
const WALLET = net('Endpoints/V5Api/Account/GetBalances.txt')
const EXEC_FRAME = pushed('Subscriptions/V5/Private/UserTrades.txt')[0] as {data: Record<string, unknown>[]}
const POSITION_FRAME = hiro('integrationtest-ws/v5/testdata/private-v5-position.json')
const KLINE_FRAME = hiro('integrationtest-ws/v5/testdata/public-v5-kline.json') as {topic: string; data: Record<string, unknown>[]; ts: number; type: string}

const ETH = defaultInstrument('ETHUSDT', 'crypto_perp', 'bybit')
const XRP = {...defaultInstrument('XRPUSDT', 'crypto_perp', 'bybit'), tickSize: 0.0001, lotSize: 1, minQty: 1}
const NOW = 1_700_000_000_000

class ManualScheduler implements Scheduler {
  readonly timers: {at: number; fn: () => void; live: boolean}[] = []
  at(time: number, fn: () => void) {
    const t = {at: time, fn, live: true}
    this.timers.push(t)
    return {cancel: () => void (t.live = false)}
  }
  after(ms: number, fn: () => void) {
    return this.at(NOW + ms, fn)
  }
  every(): never {
    throw new Error('not used')
  }
  fireAll(): void {
    for (const t of this.timers.splice(0)) if (t.live) t.fn()
  }
}

let t: FakeTransport
let scheduler: ManualScheduler
let events: BrokerEvent[]
let decodeErrors: {where: string; raw: unknown; issue: string}[]
let adapter: BybitAdapter

function makeAdapter(extra: Partial<ConstructorParameters<typeof BybitAdapter>[0]> = {}): BybitAdapter {
  const a = new BybitAdapter({transport: t, clock: {now: () => NOW}, scheduler, instruments: [ETH, XRP], onDecodeError: (e) => decodeErrors.push(e), ...extra})
  a.subscribe((e) => events.push(e))
  return a
}

beforeEach(() => {
  t = new FakeTransport()
  scheduler = new ManualScheduler()
  events = []
  decodeErrors = []
  adapter = makeAdapter()
})

const long = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: 'grid-7-L1-e3', symbol: 'ETHUSDT', side: 'buy', type: 'limit', qty: 0.1, limitPrice: 1600, tif: 'gtc', positionSide: 'long', ...over,
})
const ofKind = <K extends BrokerEvent['kind']>(k: K) => events.filter((e): e is BrokerEventOf<K> => e.kind === k)
/** The fixture's order under another orderLinkId / id / status. */
const fixtureOrder = (over: Record<string, unknown> = {}) => ({...FIXTURE_ORDER, ...over})

describe('orders on the wire', () => {
  it('a hedge-mode entry and its reduce-only take-profit: positionIdx of the leg, text numbers, the orderLinkId', async () => {
    t.always('POST /v5/order/create', (req) => ok({orderId: `V-${String(req.params.orderLinkId)}`, orderLinkId: req.params.orderLinkId}, NOW))
    const entry = await adapter.submitOrder(long())
    const tp = await adapter.submitOrder(long({clientOrderId: 'grid-7-TP1-e3', side: 'sell', limitPrice: 1700.05 - 0.05, reduceOnly: true}))
    const short = await adapter.submitOrder(long({clientOrderId: 'grid-7-S1-e3', side: 'sell', limitPrice: 1650, positionSide: 'short'}))
    expect([entry.venueOrderId, tp.venueOrderId, short.venueOrderId]).toEqual(['V-grid-7-L1-e3', 'V-grid-7-TP1-e3', 'V-grid-7-S1-e3'])
    expect(entry.ts).toBe(NOW)
    expect(t.requests.map((r) => r.params)).toEqual([
      {category: 'linear', symbol: 'ETHUSDT', side: 'Buy', orderType: 'Limit', qty: '0.1', price: '1600', timeInForce: 'GTC', positionIdx: 1, orderLinkId: 'grid-7-L1-e3'},
      {category: 'linear', symbol: 'ETHUSDT', side: 'Sell', orderType: 'Limit', qty: '0.1', price: '1700', timeInForce: 'GTC', positionIdx: 1, reduceOnly: true, orderLinkId: 'grid-7-TP1-e3'},
      {category: 'linear', symbol: 'ETHUSDT', side: 'Sell', orderType: 'Limit', qty: '0.1', price: '1650', timeInForce: 'GTC', positionIdx: 2, orderLinkId: 'grid-7-S1-e3'},
    ])
  })

  it('answers with the recorded create reply (Bybit.Net PlaceOrder) give its orderId and time', async () => {
    t.script('POST /v5/order/create', {status: 200, headers: {}, body: PLACE})
    const r = await adapter.submitOrder(long({clientOrderId: 'spot-test-postonly'}))
    expect(r).toEqual({clientOrderId: 'spot-test-postonly', venueOrderId: '1321003749386327552', ts: 1672211918471})
  })

  it('an orderLinkId Bybit would refuse (over 36 characters, other characters) fails before any request', async () => {
    for (const id of ['x'.repeat(37), 'grid 7', 'grid/7', '']) {
      const err = await adapter.submitOrder(long({clientOrderId: id})).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(InvalidOrderError)
      expect((err as Error).message).toContain('orderLinkId')
    }
    expect(await adapter.submitOrder(long({clientOrderId: 'x'.repeat(36)})).catch((e: unknown) => e)).toBeInstanceOf(Error)
    // Only the 36-character id went out.
    expect(t.requests.map((r) => r.params.orderLinkId)).toEqual(['x'.repeat(36)])
  })

  it('retCodes map to the taxonomy; a 10006 keeps X-Bapi-Limit-Reset-Timestamp; a definite refusal creates nothing', async () => {
    t.script('POST /v5/order/create',
      refused(110007, 'ab not enough for new order'),
      refused(10001, 'Qty invalid'),
      refused(10006, 'Too many visits!', {'x-bapi-limit': '10', 'x-bapi-limit-status': '0', 'x-bapi-limit-reset-timestamp': String(NOW + 740)}),
      {status: 403, headers: {}, body: 'access too frequent'},
    )
    const errs = []
    for (let i = 0; i < 4; i++) errs.push(await adapter.submitOrder(long({clientOrderId: `c${i}`})).catch((e: unknown) => e))
    expect(errs[0]).toBeInstanceOf(InsufficientFundsError)
    expect(errs[1]).toBeInstanceOf(InvalidOrderError)
    expect(errs[2]).toBeInstanceOf(RateLimitError)
    expect((errs[2] as RateLimitError).resetAt).toBe(NOW + 740)
    expect(errs[3]).toBeInstanceOf(RateLimitError)
    expect((errs[3] as RateLimitError).resetAt).toBe(NOW + 600_000)
    // None of them was looked up: the venue said what happened.
    expect(t.endpoints()).toEqual(Array(4).fill('POST /v5/order/create'))
  })
})

describe('unknown outcome of a create', () => {
  it('no answer: the orderLinkId is queried before anything else, and the order found is the receipt (one create)', async () => {
    t.script('POST /v5/order/create', new RequestTimeoutError('bybit: no answer (socket hang up)', 'bybit'))
    t.script('GET /v5/order/realtime', ok({category: 'linear', list: [fixtureOrder({orderLinkId: 'grid-7-L1-e3'})], nextPageCursor: ''}))
    const r = await adapter.submitOrder(long())
    expect(r).toEqual({clientOrderId: 'grid-7-L1-e3', venueOrderId: FIXTURE_ORDER.orderId, ts: 1684738540559})
    expect(t.endpoints()).toEqual(['POST /v5/order/create', 'GET /v5/order/realtime'])
    expect(t.requests[1].params).toMatchObject({category: 'linear', symbol: 'ETHUSDT', orderLinkId: 'grid-7-L1-e3'})
  })

  it('not found in realtime nor history: the original retryable error, and still no second create', async () => {
    const timeout = new RequestTimeoutError('bybit: no answer', 'bybit')
    t.script('POST /v5/order/create', timeout)
    t.always('GET /v5/order/realtime', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.always('GET /v5/order/history', ok({category: 'linear', list: [], nextPageCursor: ''}))
    expect(await adapter.submitOrder(long()).catch((e: unknown) => e)).toBe(timeout)
    expect(t.endpoints()).toEqual(['POST /v5/order/create', 'GET /v5/order/realtime', 'GET /v5/order/history'])
  })

  it('a server-timeout retCode (10000) and an answer that does not decode are unknown outcomes too; the payload is reported raw', async () => {
    const odd = {retCode: 0, retMsg: 'OK', result: {orderLinkId: 'grid-7-L1-e3'}, time: NOW}
    t.script('POST /v5/order/create', refused(10000, 'Server Timeout'), {status: 200, headers: {}, body: odd})
    t.always('GET /v5/order/realtime', ok({category: 'linear', list: [fixtureOrder({orderLinkId: 'grid-7-L1-e3'})], nextPageCursor: ''}))
    expect((await adapter.submitOrder(long())).venueOrderId).toBe(FIXTURE_ORDER.orderId)
    expect((await adapter.submitOrder(long())).venueOrderId).toBe(FIXTURE_ORDER.orderId)
    expect(decodeErrors).toHaveLength(1)
    expect(decodeErrors[0].raw).toBe(odd)
    expect(decodeErrors[0].issue).toContain('orderId')
  })

  it('a duplicate refusal (110072) is our own earlier attempt when the venue holds the same order, else DuplicateClientOrderIdError', async () => {
    t.always('POST /v5/order/create', refused(110072, 'OrderLinkedID is duplicate'))
    t.always('GET /v5/order/realtime', ok({category: 'linear', list: [fixtureOrder({orderLinkId: 'grid-7-L1-e3'})], nextPageCursor: ''}))
    expect((await adapter.submitOrder(long())).venueOrderId).toBe(FIXTURE_ORDER.orderId)
    const other = await adapter.submitOrder(long({qty: 0.2})).catch((e: unknown) => e)
    expect(other).toBeInstanceOf(DuplicateClientOrderIdError)
    expect(t.endpoints().filter((e) => e === 'POST /v5/order/create')).toHaveLength(2)
  })
})

describe('queries', () => {
  it('cancel and amend find the symbol of an order they do not know, and an unknown order is OrderNotFoundError without a cancel', async () => {
    t.script('GET /v5/order/realtime', ok({category: 'linear', list: [fixtureOrder()], nextPageCursor: ''}))
    t.script('POST /v5/order/cancel', ok({orderId: FIXTURE_ORDER.orderId, orderLinkId: 'test-000005'}))
    await adapter.cancelOrder({clientOrderId: 'test-000005'})
    expect(t.requests[1]).toEqual({endpoint: 'POST /v5/order/cancel', params: {category: 'linear', symbol: 'ETHUSDT', orderLinkId: 'test-000005'}})
    t.script('POST /v5/order/amend', ok({orderId: FIXTURE_ORDER.orderId, orderLinkId: 'test-000005'}))
    await adapter.amendOrder({venueOrderId: FIXTURE_ORDER.orderId as string}, {limitPrice: 1610})
    expect(t.requests[2]).toEqual({endpoint: 'POST /v5/order/amend', params: {category: 'linear', symbol: 'ETHUSDT', orderId: FIXTURE_ORDER.orderId, price: '1610'}})

    t.always('GET /v5/order/realtime', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.always('GET /v5/order/history', ok({category: 'linear', list: [], nextPageCursor: ''}))
    expect(await adapter.cancelOrder({clientOrderId: 'nope'}).catch((e: unknown) => e)).toBeInstanceOf(OrderNotFoundError)
    expect(t.endpoints().filter((e) => e === 'POST /v5/order/cancel')).toHaveLength(1)
  })

  it('executionsSince walks the pages (newest first on the wire) and answers oldest first, funding left out', async () => {
    const exec = (id: string, time: number, type = 'Trade') => ({...(hiro('integrationtest/v5/execution/testdata/v5-execution-get-execution-list.json') as {list: Record<string, unknown>[]}).list[0], execId: id, execTime: String(time), execType: type, orderLinkId: 'x'})
    t.script('GET /v5/execution/list',
      ok({category: 'linear', list: [exec('e4', NOW - 10), exec('f1', NOW - 20, 'Funding'), exec('e3', NOW - 30)], nextPageCursor: 'p2'}),
      ok({category: 'linear', list: [exec('e2', NOW - 40), exec('e1', NOW - 50)], nextPageCursor: ''}),
    )
    const fills = await adapter.executionsSince(NOW - 45)
    expect(fills.map((f) => f.execId)).toEqual(['e2', 'e3', 'e4'])
    expect(t.requests[0].params).toMatchObject({category: 'linear', startTime: NOW - 45, endTime: NOW - 45 + 7 * 86_400_000 - 1, limit: 100})
    expect(t.requests[1].params).toMatchObject({cursor: 'p2'})
    // Closed size 0.01 on a Sell: it reduced the long leg.
    expect(fills[0]).toMatchObject({positionSide: 'long', side: 'sell', qty: 0.01, price: 26816.8, fee: 0.1609008})
  })

  it('a list that does not fit its schema fails the call with BybitPayloadError and reports the raw payload', async () => {
    const bad = {retCode: 0, retMsg: 'OK', result: {category: 'linear', list: [fixtureOrder({qty: 'many'})]}, time: NOW}
    t.script('GET /v5/order/realtime', {status: 200, headers: {}, body: bad})
    expect(await adapter.openOrders('ETHUSDT').catch((e: unknown) => e)).toBeInstanceOf(BybitPayloadError)
    expect(decodeErrors).toEqual([expect.objectContaining({raw: bad, issue: expect.stringContaining('list[0].qty')})])
  })

  it('the venue clock is GET /v5/market/time', async () => {
    t.script('GET /v5/market/time', ok({timeSecond: '1688639403', timeNano: '1688639403423213947'}, 1688639403423))
    expect(await adapter.venueTime()).toBe(1688639403423)
  })
})

describe('connect', () => {
  it('tests the wallet first, then subscribes the private stream', async () => {
    t.script('GET /v5/account/wallet-balance', {status: 200, headers: {}, body: WALLET})
    await adapter.connect()
    expect(t.endpoints()).toEqual(['GET /v5/account/wallet-balance'])
    expect(t.subscriptions).toEqual([{stream: 'private', topics: ['order', 'execution', 'position', 'wallet']}])
  })

  it('a refused key is AuthenticationError in one line, and nothing is subscribed', async () => {
    t.script('GET /v5/account/wallet-balance', refused(10003, 'API key is invalid.'))
    const err = await adapter.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect((err as Error).message).not.toContain('\n')
    expect((err as Error).message).toContain('10003')
    expect(t.subscriptions).toHaveLength(0)
  })
})

const execFrame = (over: Record<string, unknown> = {}) => ({...EXEC_FRAME, data: [{...EXEC_FRAME.data[0], ...over}]})

describe('the private stream', () => {
  it('an execution whose leg cannot be told is a decode_error event with the raw frame, not a crash and not a guess', () => {
    const frame = execFrame()
    t.push('private', frame)
    expect(ofKind('execution')).toHaveLength(0)
    expect(ofKind('decode_error')).toEqual([expect.objectContaining({raw: frame, reason: expect.stringContaining('closedSize')})])
    expect(decodeErrors).toHaveLength(1)
  })

  it('each execution id is applied once, from duplicated frames and from REST alike; fees add up once', async () => {
    // The adapter placed this order: its leg decides the execution's leg.
    t.script('POST /v5/order/create', ok({orderId: EXEC_FRAME.data[0].orderId, orderLinkId: 'x-1'}))
    await adapter.submitOrder({clientOrderId: 'x-1', symbol: 'XRPUSDT', side: 'sell', type: 'market', qty: 25, tif: 'gtc', positionSide: 'short'})
    t.push('private', execFrame())
    t.push('private', execFrame())
    expect(ofKind('execution').map((e) => [e.fill.execId, e.fill.positionSide])).toEqual([['7e2ae69c-4edf-5800-a352-893d52b446aa', 'short']])
    t.script('GET /v5/account/wallet-balance', {status: 200, headers: {}, body: WALLET})
    expect((await adapter.account()).fees).toBeCloseTo(0.005061, 9)
  })

  it('order, position and wallet frames become events; a fixture position on the long leg and the recorded order', () => {
    t.push('private', {topic: 'order', id: 'o1', creationTime: NOW, data: [fixtureOrder({category: 'linear'})]})
    t.push('private', {...(POSITION_FRAME as object), data: [{...(POSITION_FRAME as {data: Record<string, unknown>[]}).data[0], positionIdx: 1}]})
    t.push('private', {topic: 'wallet', id: 'w1', creationTime: NOW, data: WALLET.result ? (WALLET.result as {list: unknown[]}).list : []})
    expect(ofKind('order')[0].order).toMatchObject({clientOrderId: 'test-000005', positionSide: 'long', status: 'accepted', limitPrice: 1600, qty: 0.1})
    expect(ofKind('position')[0].position).toMatchObject({symbol: 'BTCUSDT', side: 'long', qty: 0.1, avgPrice: 23032.9})
    expect(ofKind('account')[0].account).toMatchObject({cash: 3.00326056, equity: 3.31216591, fees: 0})
  })
})

describe('reconnect → reconcile', () => {
  it('frames wait; the gap is read over REST (executions since the last known, orders, legs, wallet), each execution once; then the waiting frames', async () => {
    t.script('POST /v5/order/create', ok({orderId: EXEC_FRAME.data[0].orderId, orderLinkId: 'x-1'}))
    await adapter.submitOrder({clientOrderId: 'x-1', symbol: 'XRPUSDT', side: 'sell', type: 'limit', limitPrice: 0.3374, qty: 50, tif: 'gtc', positionSide: 'short'})
    t.push('private', execFrame({execQty: '25', execTime: String(NOW - 100)}))
    expect(ofKind('execution')).toHaveLength(1)

    t.connection({kind: 'disconnected', stream: 'private', reason: 'test'})
    const second = {...EXEC_FRAME.data[0], execId: 'gap-exec', execTime: String(NOW - 50), leavesQty: '0'}
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    t.script('GET /v5/execution/list', async () => {
      await gate
      // The known execution comes back too (since is inclusive): it must not be applied twice.
      return ok({category: 'linear', list: [second, {...EXEC_FRAME.data[0], execQty: '25', execTime: String(NOW - 100)}], nextPageCursor: ''})
    })
    t.script('GET /v5/order/realtime',
      ok({category: 'linear', list: [], nextPageCursor: ''}),
      ok({category: 'linear', list: [fixtureOrder({orderId: EXEC_FRAME.data[0].orderId, orderLinkId: 'x-1', symbol: 'XRPUSDT', side: 'Sell', positionIdx: 2, qty: '50', price: '0.3374', cumExecQty: '50', avgPrice: '0.3374', orderStatus: 'Filled', updatedTime: String(NOW - 50)})], nextPageCursor: ''}),
    )
    t.script('GET /v5/position/list', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.script('GET /v5/account/wallet-balance', {status: 200, headers: {}, body: WALLET})
    t.connection({kind: 'reconnected', stream: 'private'})
    // A frame arriving during the reconcile waits for it.
    t.push('private', {topic: 'order', id: 'late', creationTime: NOW, data: [fixtureOrder({orderId: EXEC_FRAME.data[0].orderId, orderLinkId: 'x-1', symbol: 'XRPUSDT', side: 'Sell', positionIdx: 2, qty: '50', price: '0.3374', cumExecQty: '50', avgPrice: '0.3374', orderStatus: 'Filled', updatedTime: String(NOW - 40)})]})
    await settle()
    expect(ofKind('order')).toHaveLength(0)
    release()
    await settle(60)
    expect(t.endpoints().slice(-5)).toEqual(['GET /v5/execution/list', 'GET /v5/order/realtime', 'GET /v5/order/realtime', 'GET /v5/position/list', 'GET /v5/account/wallet-balance'])
    expect(t.requests.at(-5)!.params).toMatchObject({startTime: NOW - 100})
    expect(ofKind('execution').map((e) => e.fill.execId)).toEqual(['7e2ae69c-4edf-5800-a352-893d52b446aa', 'gap-exec'])
    // REST's snapshot first, then the frame that waited (newer).
    expect(ofKind('order').map((e) => e.order.updatedAt)).toEqual([NOW - 50, NOW - 40])
    const kinds = events.map((e) => (e.kind === 'connection' ? `connection:${e.status}` : e.kind))
    expect(kinds.slice(-2)).toEqual(['order', 'connection:connected'])
    expect(kinds).toContain('connection:disconnected')
  })

  it('a leg that went flat during the gap is read by its symbol (Bybit lists only held legs by settle coin) and reported flat', async () => {
    const heldFrame = {...(POSITION_FRAME as object), data: [{...(POSITION_FRAME as {data: Record<string, unknown>[]}).data[0], positionIdx: 1}]}
    t.push('private', heldFrame)
    t.connection({kind: 'disconnected', stream: 'private', reason: 'test'})
    const flat = (idx: number) => ({...(POSITION_FRAME as {data: Record<string, unknown>[]}).data[0], positionIdx: idx, side: '', size: '0', entryPrice: undefined, avgPrice: '0', updatedTime: String(NOW - 5)})
    t.always('GET /v5/execution/list', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.always('GET /v5/order/realtime', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.script('GET /v5/position/list', ok({category: 'linear', list: [], nextPageCursor: ''}), ok({category: 'linear', list: [flat(1), flat(2)], nextPageCursor: ''}))
    t.always('GET /v5/account/wallet-balance', {status: 200, headers: {}, body: WALLET})
    t.connection({kind: 'reconnected', stream: 'private'})
    await settle(60)
    expect(t.requests.filter((r) => r.endpoint === 'GET /v5/position/list').map((r) => r.params)).toEqual([
      {category: 'linear', settleCoin: 'USDT', limit: 200},
      {category: 'linear', symbol: 'BTCUSDT'},
    ])
    expect(ofKind('position').map((e) => [e.position.side, e.position.qty])).toEqual([['long', 0.1], ['long', 0], ['short', 0]])
  })

  it('a failed reconcile is retried on the scheduler and the stream stays untrusted until one succeeds', async () => {
    t.connection({kind: 'disconnected', stream: 'private', reason: 'test'})
    t.script('GET /v5/execution/list', new RequestTimeoutError('no answer', 'bybit'), ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.always('GET /v5/order/realtime', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.always('GET /v5/position/list', ok({category: 'linear', list: [], nextPageCursor: ''}))
    t.always('GET /v5/account/wallet-balance', {status: 200, headers: {}, body: WALLET})
    t.connection({kind: 'reconnected', stream: 'private'})
    await settle()
    t.push('private', {topic: 'order', id: 'o', creationTime: NOW, data: [fixtureOrder()]})
    expect(ofKind('order')).toHaveLength(0)
    expect(scheduler.timers).toHaveLength(1)
    scheduler.fireAll()
    await settle(60)
    expect(ofKind('order')).toHaveLength(1)
    expect(events.at(-1)).toMatchObject({kind: 'connection', status: 'connected'})
  })
})

describe('bars from kline topics', () => {
  it('only confirmed klines are bars, each once, with the length of its interval', async () => {
    const bars: FeedBar[] = []
    await adapter.subscribeBars(['BTCUSDT'], 300_000, (b) => bars.push(b))
    expect(t.subscriptions).toEqual([{stream: 'public.linear', topics: ['kline.5.BTCUSDT']}])
    t.push('public.linear', KLINE_FRAME) // the recorded frame: confirm false
    expect(bars).toHaveLength(0)
    const closed = {...KLINE_FRAME, data: [{...KLINE_FRAME.data[0], confirm: true}]}
    t.push('public.linear', closed)
    t.push('public.linear', closed)
    expect(bars).toEqual([{symbol: 'BTCUSDT', ts: 1672324800000, tfMs: 300_000, open: 16649.5, high: 16677, low: 16608, close: 16677, volume: 2.081}])
    await expect(adapter.subscribeBars(['BTCUSDT'], 45_000, () => undefined)).rejects.toThrow(/no kline interval of 45000 ms/)
  })

  it('one public feed serves several accounts (GRID-09): one subscription per topic, every account gets each bar', async () => {
    const pub = new FakeTransport()
    const feed = new BybitPublicFeed({transport: pub, clock: {now: () => NOW}})
    const accounts = [new FakeTransport(), new FakeTransport(), new FakeTransport()]
    const got: string[][] = accounts.map(() => [])
    const adapters = accounts.map((tr) => new BybitAdapter({transport: tr, clock: {now: () => NOW}, scheduler, instruments: [ETH], feed}))
    await Promise.all(adapters.map((a, i) => a.subscribeBars(['BTCUSDT'], 300_000, (b) => got[i].push(`${b.symbol}@${b.ts}`))))
    pub.push('public.linear', {...KLINE_FRAME, data: [{...KLINE_FRAME.data[0], confirm: true}]})
    expect(got).toEqual([['BTCUSDT@1672324800000'], ['BTCUSDT@1672324800000'], ['BTCUSDT@1672324800000']])
    // No account transport carried public data.
    for (const a of accounts) expect(a.subscriptions).toHaveLength(0)
  })
})
