/**
 * The Bybit wire protocol of the emulator, seen from plain HTTP and websocket clients (no SDK): Bybit's signing
 * recipe and its refusals, the limits and their headers, order-rule retCodes, query semantics (scope, 7-day
 * execution window, position legs), faults, the websocket auth / subscribe / ping ops, and that every payload it
 * sends decodes with the adapter's decoders (the shapes of fixtures/bybit).
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import WebSocket from 'ws'
import {decodeBybitExecutions, decodeBybitInstruments, decodeBybitKlines, decodeBybitOrderAck, decodeBybitOrders, decodeBybitPositions, decodeBybitResponse, decodeBybitWallet} from '../../src/adapters/bybit/decode-rest.js'
import {decodeBybitFrame} from '../../src/adapters/bybit/decode-ws.js'
import {decodeBybitServerTime} from '../../src/adapters/bybit/server-time.js'
import type {Decoded} from '../../src/adapters/decode.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {hmacHex} from '../../src/emulator/bybit/auth.js'
import {bybitProtocolWith} from '../../src/emulator/bybit/index.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import {TEST_KEY, TEST_SECRET} from './bybit-e2e-harness.js'

const START = Date.UTC(2024, 0, 2)
let venue: ControlledVenue
let server: RunningEmulator
const sockets: WebSocket[] = []

beforeEach(async () => {
  venue = createEmulatedVenue({
    venue: 'bybit', credentials: {key: TEST_KEY, secret: TEST_SECRET}, instruments: [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')],
    pacing: {mode: 'manual'}, venueStart: START, sim: {cash: 100_000, positionMode: 'hedge'},
  })
  server = await startEmulatorServer({venue, protocol: bybitProtocolWith()})
  await venue.pushBar({symbol: 'BTCUSDT', ts: START, tfMs: 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1e9})
})

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate()
  await server.close()
  await venue.stop()
})

interface Answer {
  status: number
  headers: Headers
  body: {retCode: number; retMsg: string; result: unknown; time: number}
}

/** A request signed the way Bybit documents it (timestamp + key + recvWindow + query or body). */
async function call(method: 'GET' | 'POST', path: string, params: Record<string, unknown>, o: {key?: string; secret?: string; ts?: number; recv?: number; sign?: string} = {}): Promise<Answer> {
  const ts = String(o.ts ?? Date.now())
  const recv = String(o.recv ?? 5000)
  const key = o.key ?? TEST_KEY
  const query = method === 'GET' ? new URLSearchParams(params as Record<string, string>).toString() : ''
  const body = method === 'POST' ? JSON.stringify(params) : ''
  const sign = o.sign ?? hmacHex(o.secret ?? TEST_SECRET, `${ts}${key}${recv}${method === 'GET' ? query : body}`)
  const res = await fetch(`${server.url}${path}${query ? `?${query}` : ''}`, {
    method, headers: {'X-BAPI-API-KEY': key, 'X-BAPI-TIMESTAMP': ts, 'X-BAPI-RECV-WINDOW': recv, 'X-BAPI-SIGN': sign, 'content-type': 'application/json'},
    ...(method === 'POST' ? {body} : {}),
  })
  const text = await res.text()
  return {status: res.status, headers: res.headers, body: JSON.parse(text) as Answer['body']}
}

const create = (link: string, over: Record<string, unknown> = {}) =>
  call('POST', '/v5/order/create', {category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '1', price: '90', timeInForce: 'GTC', positionIdx: 1, orderLinkId: link, ...over})

function decodes<T>(a: Answer, decodeResult: (r: unknown, t: number | undefined, c: string) => Decoded<T>): T {
  const d = decodeBybitResponse(a.body, 'test', decodeResult)
  if (!d.ok) throw new Error(`does not decode: ${JSON.stringify('error' in d ? d.error.reason : d.rejected.message)}`)
  return d.value
}

describe('bybit emulator: authentication', () => {
  it('accepts Bybit-signed GET and POST requests and refuses a bad key (10003), a bad signature (10004), a stale or future timestamp (10002)', async () => {
    expect((await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'})).body.retCode).toBe(0)
    expect((await create('auth-ok')).body.retCode).toBe(0)
    expect((await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'}, {key: 'OTHERKEY000000000X'})).body).toMatchObject({retCode: 10003})
    const wrong = await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'}, {secret: 'not-the-secret'})
    expect(wrong.body.retCode).toBe(10004)
    // Like Bybit, the refusal echoes the signed text (which holds the key, never the secret).
    expect(wrong.body.retMsg).toContain('origin_string[')
    expect(wrong.body.retMsg).not.toContain(TEST_SECRET)
    expect((await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'}, {ts: Date.now() - 6_000})).body.retCode).toBe(10002)
    expect((await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'}, {ts: Date.now() + 3_000})).body.retCode).toBe(10002)
    // A signature over other parameters than the ones sent.
    const forged = hmacHex(TEST_SECRET, `${Date.now()}${TEST_KEY}5000accountType=CONTRACT`)
    expect((await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'}, {sign: forged})).body.retCode).toBe(10004)
    // Public market data needs no signature.
    const time = await fetch(`${server.url}/v5/market/time`).then((r) => r.json() as Promise<Answer['body']>)
    expect(decodeBybitServerTime(time.result)).toEqual({ok: true, value: venue.now()})
  })
})

describe('bybit emulator: limits, faults, order rules', () => {
  it('per-endpoint limit: the request over it is 10006 with X-Bapi-Limit-Status 0 and a future reset; every private answer carries the headers; counted as a violation', async () => {
    const answers = []
    for (let i = 0; i < 11; i++) answers.push(await create(`rl-${i}`))
    expect(answers.map((a) => a.body.retCode)).toEqual([...Array(10).fill(0), 10006])
    expect(answers.map((a) => a.headers.get('x-bapi-limit-status'))).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0', '0'])
    expect(answers.every((a) => a.headers.get('x-bapi-limit') === '10')).toBe(true)
    const reset = Number(answers[10].headers.get('x-bapi-limit-reset-timestamp'))
    expect(reset).toBeGreaterThan(Date.now())
    expect(reset).toBeLessThanOrEqual(Date.now() + 1_000)
    expect(answers[10].body.retMsg).toBe('Too many visits!')
    expect(venue.stats().rateLimitViolations).toBe(1)
    expect(venue.exchange.orderSnapshots()).toHaveLength(10)
    // Queries have their own budget.
    expect((await call('GET', '/v5/position/list', {category: 'linear', settleCoin: 'USDT'})).headers.get('x-bapi-limit')).toBe('50')
  })

  it('faults: an injected 10006 is not a violation; a server error (10016) does nothing; a dropped answer happened at the venue', async () => {
    venue.armFault({kind: 'rate_limit', endpoint: 'POST /v5/order/create'})
    expect((await create('f-1')).body.retCode).toBe(10006)
    venue.armFault({kind: 'server_error', endpoint: 'POST /v5/order/create'})
    expect((await create('f-2')).body.retCode).toBe(10016)
    expect(venue.stats()).toMatchObject({rateLimitViolations: 0, injectedRateLimits: 1})
    expect(venue.exchange.orderSnapshots()).toHaveLength(0)
    venue.armFault({kind: 'drop_response', endpoint: 'POST /v5/order/create'})
    await expect(create('f-3')).rejects.toThrow()
    expect(venue.exchange.orderSnapshots().map((o) => o.clientOrderId)).toEqual(['f-3'])
  })

  it('order rules: a reused orderLinkId is 110072, an over-long one 10001, beyond margin 110007, positionIdx 0 in hedge mode 10001, off-tick 10001, reduce-only on a flat leg 110017', async () => {
    expect((await create('dup')).body.retCode).toBe(0)
    const codes = [
      await create('dup', {price: '80'}),
      await create('x'.repeat(37)),
      await create('big', {qty: '100000'}),
      await create('net', {positionIdx: 0}),
      await create('tick', {price: '90.05'}),
      await create('ro', {side: 'Sell', reduceOnly: true}),
    ]
    expect(codes.map((a) => a.body.retCode)).toEqual([110072, 10001, 110007, 10001, 10001, 110017])
    expect(venue.exchange.orderSnapshots().map((o) => o.clientOrderId)).toEqual(['dup'])
  })
})

describe('bybit emulator: queries and payload shapes', () => {
  it('every REST answer decodes with the adapter decoders; realtime/history by id and by scope; a 7-day execution window; position legs by symbol (flat too) or by coin (held only)', async () => {
    const ack = decodes(await create('q-1', {orderType: 'Market', price: undefined}), (r, _t, c) => decodeBybitOrderAck(r, c))
    decodes(await create('q-2', {price: '80'}), (r, _t, c) => decodeBybitOrderAck(r, c))
    await venue.pushBar({symbol: 'BTCUSDT', ts: venue.now(), tfMs: 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1e9})
    await call('POST', '/v5/order/cancel', {category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'q-2'})

    expect((await call('GET', '/v5/order/realtime', {category: 'linear'})).body.retCode).toBe(10001)
    const open = decodes(await call('GET', '/v5/order/realtime', {category: 'linear', settleCoin: 'USDT'}), (r, _t, c) => decodeBybitOrders(r, c))
    expect(open.items).toHaveLength(0)
    const byId = decodes(await call('GET', '/v5/order/realtime', {category: 'linear', orderId: ack.orderId}), (r, _t, c) => decodeBybitOrders(r, c))
    expect(byId.items.map((o) => [o.clientOrderId, o.status, o.filledQty])).toEqual([['q-1', 'filled', 1]])
    const history = decodes(await call('GET', '/v5/order/history', {category: 'linear'}), (r, _t, c) => decodeBybitOrders(r, c))
    expect(history.items.map((o) => [o.clientOrderId, o.status])).toEqual([['q-2', 'canceled'], ['q-1', 'filled']])

    const ctx = {positionMode: 'hedge' as const}
    const week = 7 * 86_400_000
    expect((await call('GET', '/v5/execution/list', {category: 'linear', startTime: String(START), endTime: String(START + week + 1)})).body.retCode).toBe(10001)
    const execs = decodes(await call('GET', '/v5/execution/list', {category: 'linear', startTime: String(START)}), (r, _t, c) => decodeBybitExecutions(r, ctx, c))
    expect(execs.items.map((f) => [f.clientOrderId, f.positionSide, f.qty])).toEqual([['q-1', 'long', 1]])
    const tooLate = decodes(await call('GET', '/v5/execution/list', {category: 'linear', startTime: String(venue.now() + 1)}), (r, _t, c) => decodeBybitExecutions(r, ctx, c))
    expect(tooLate.items).toHaveLength(0)

    const bySymbol = decodes(await call('GET', '/v5/position/list', {category: 'linear', symbol: 'BTCUSDT'}), (r, _t, c) => decodeBybitPositions(r, c))
    expect(bySymbol.items.map((p) => [p.side, p.qty])).toEqual([['long', 1], ['short', 0]])
    const byCoin = decodes(await call('GET', '/v5/position/list', {category: 'linear', settleCoin: 'USDT'}), (r, _t, c) => decodeBybitPositions(r, c))
    expect(byCoin.items.map((p) => [p.side, p.qty])).toEqual([['long', 1]])

    const wallet = decodes(await call('GET', '/v5/account/wallet-balance', {accountType: 'UNIFIED'}), (r, t, c) => decodeBybitWallet(r, t ?? 0, {}, c))
    expect(wallet.cash).toBeCloseTo(100_000, 6)
    const instruments = decodes(await call('GET', '/v5/market/instruments-info', {category: 'linear'}), (r, _t, c) => decodeBybitInstruments(r, c))
    expect(instruments.items[0]).toMatchObject({symbol: 'BTCUSDT', contractType: 'LinearPerpetual', priceFilter: {tickSize: 0.1}, lotSizeFilter: {qtyStep: 0.001}})
    const klines = decodes(await call('GET', '/v5/market/kline', {category: 'linear', symbol: 'BTCUSDT', interval: '1'}), (r, _t, c) => decodeBybitKlines(r, c))
    expect(klines.map((k) => k.ts)).toEqual([START, START + 60_000])
  })
})

describe('bybit emulator: conditional orders (issue 11)', () => {
  it('triggerDirection against the side is a stop, with it an if-touched order; the realtime list says so both ways', async () => {
    const cond = (link: string, side: string, orderType: string, trigger: string, direction: number, price?: string) =>
      create(link, {side, orderType, triggerPrice: trigger, triggerDirection: direction, triggerBy: 'LastPrice', price, positionIdx: side === 'Buy' ? 1 : 2})
    const answers = [
      await cond('lit-buy', 'Buy', 'Limit', '95', 2, '95'),
      await cond('stop-buy', 'Buy', 'Market', '105', 1),
      await cond('mit-sell', 'Sell', 'Market', '105', 1),
      await cond('stop-limit-sell', 'Sell', 'Limit', '95', 2, '94'),
    ]
    expect(answers.map((a) => a.body.retCode)).toEqual([0, 0, 0, 0])
    expect((await cond('no-direction', 'Buy', 'Market', '105', 0)).body.retCode).toBe(10001)
    const raw = (await call('GET', '/v5/order/realtime', {category: 'linear', settleCoin: 'USDT'})).body as {result: {list: {orderLinkId: string; triggerDirection: number; orderStatus: string}[]}}
    const sent = Object.fromEntries(raw.result.list.map((o) => [o.orderLinkId, [o.triggerDirection, o.orderStatus]]))
    expect(sent).toEqual({'lit-buy': [2, 'Untriggered'], 'stop-buy': [1, 'Untriggered'], 'mit-sell': [1, 'Untriggered'], 'stop-limit-sell': [2, 'Untriggered']})
    const open = decodes(await call('GET', '/v5/order/realtime', {category: 'linear', settleCoin: 'USDT'}), (r, _t, c) => decodeBybitOrders(r, c))
    const types = Object.fromEntries(open.items.map((o) => [o.clientOrderId, [o.type, o.stopPrice, o.limitPrice ?? null]]))
    expect(types).toEqual({
      'lit-buy': ['limit_if_touched', 95, 95], 'stop-buy': ['stop', 105, null], 'mit-sell': ['market_if_touched', 105, null], 'stop-limit-sell': ['stop_limit', 95, 94],
    })
  })
})

describe('bybit emulator: websockets', () => {
  function connect(path: string): Promise<{ws: WebSocket; next: () => Promise<unknown>}> {
    const ws = new WebSocket(`${server.wsUrl}${path}`)
    sockets.push(ws)
    const inbox: unknown[] = []
    const waiters: ((v: unknown) => void)[] = []
    ws.on('message', (d) => {
      const v = JSON.parse(String(d)) as unknown
      const w = waiters.shift()
      if (w) w(v)
      else inbox.push(v)
    })
    const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise<unknown>((r) => waiters.push(r)))
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ws, next}))
      ws.once('error', reject)
    })
  }
  const send = (ws: WebSocket, msg: unknown) => ws.send(JSON.stringify(msg))

  it('private: subscribe before auth is refused; an expired or wrongly signed auth is refused; then auth, ping → pong, and order frames that decode', async () => {
    const {ws, next} = await connect('/v5/private')
    send(ws, {op: 'subscribe', args: ['order'], req_id: 's0'})
    expect(await next()).toMatchObject({op: 'subscribe', success: false, ret_msg: 'Request not authorized', req_id: 's0'})
    const expires = Date.now() + 5_000
    send(ws, {op: 'auth', args: [TEST_KEY, Date.now() - 1, hmacHex(TEST_SECRET, `GET/realtime${Date.now() - 1}`)]})
    expect(await next()).toMatchObject({op: 'auth', success: false, ret_msg: 'error:request expired'})
    send(ws, {op: 'auth', args: [TEST_KEY, expires, hmacHex('nope', `GET/realtime${expires}`)]})
    expect(await next()).toMatchObject({op: 'auth', success: false})
    send(ws, {op: 'auth', args: [TEST_KEY, expires, hmacHex(TEST_SECRET, `GET/realtime${expires}`)], req_id: 'a1'})
    expect(await next()).toMatchObject({op: 'auth', success: true, req_id: 'a1'})
    send(ws, {op: 'ping', req_id: 'p1'})
    expect(await next()).toMatchObject({op: 'pong', req_id: 'p1'})
    send(ws, {op: 'subscribe', args: ['order', 'execution', 'position', 'wallet'], req_id: 'order,execution,position,wallet'})
    expect(await next()).toMatchObject({op: 'subscribe', success: true})

    await create('ws-1', {orderType: 'Market', price: undefined})
    await venue.pushBar({symbol: 'BTCUSDT', ts: venue.now(), tfMs: 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1e9})
    const frames: {topic: string}[] = []
    for (let i = 0; i < 5; i++) frames.push((await next()) as {topic: string})
    expect(frames.map((f) => f.topic)).toEqual(['order', 'execution', 'order', 'position', 'wallet'])
    for (const f of frames) {
      const decoded = decodeBybitFrame(f, 0, {positionMode: 'hedge'})
      expect(decoded.filter((m) => m.kind === 'decode_error')).toEqual([])
    }
  })

  it('public linear: kline topics of served symbols only; ping is answered with ret_msg pong; frames decode', async () => {
    const {ws, next} = await connect('/v5/public/linear')
    send(ws, {op: 'subscribe', args: ['kline.1.ETHUSDT'], req_id: 'x'})
    expect(await next()).toMatchObject({success: false, ret_msg: 'error:handler not found,topic:kline.1.ETHUSDT'})
    send(ws, {op: 'subscribe', args: ['kline.1.BTCUSDT'], req_id: 'k'})
    expect(await next()).toMatchObject({success: true, op: 'subscribe', req_id: 'k'})
    send(ws, {op: 'ping'})
    expect(await next()).toMatchObject({op: 'ping', success: true, ret_msg: 'pong'})
    await venue.pushBar({symbol: 'BTCUSDT', ts: venue.now(), tfMs: 60_000, open: 100, high: 102, low: 99, close: 101, volume: 40})
    const [partial, closed] = [await next(), await next()]
    expect(decodeBybitFrame(partial, 0, {positionMode: 'hedge'})).toEqual([{kind: 'bar', bar: expect.objectContaining({closed: false, volume: 20})}])
    expect(decodeBybitFrame(closed, 0, {positionMode: 'hedge'})).toEqual([{kind: 'bar', bar: expect.objectContaining({closed: true, open: 100, high: 102, low: 99, close: 101, volume: 40})}])
  })
})
