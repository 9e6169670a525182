/**
 * The emulator's Alpaca protocol on the wire, with plain HTTP and websocket clients: every answer decodes with the
 * adapter's decoders (the shapes of the recorded payloads), Alpaca's auth and error bodies, the 200/min budget
 * with its headers, pagination, the trade_updates and market-data socket protocols (JSON and MessagePack).
 */
import {describe, expect, it} from 'vitest'
import {WebSocket} from 'ws'
import {
  decodeAlpacaAccount, decodeAlpacaBars, decodeAlpacaClock, decodeAlpacaDataMessage, decodeAlpacaErrorBody, decodeAlpacaFillActivities,
  decodeAlpacaOrder, decodeAlpacaOrders, decodeAlpacaPositions, decodeAlpacaStreamFrame,
} from '../../src/adapters/alpaca/index.js'
import {alpacaProtocolWith, decodeMsgpack, encodeMsgpack, MsgpackTimestamp} from '../../src/emulator/alpaca/index.js'
import {RIG_KEY, RIG_SECRET, type Rig, startRig} from './alpaca-rig.js'

const AUTH = {'APCA-API-KEY-ID': RIG_KEY, 'APCA-API-SECRET-KEY': RIG_SECRET, 'Content-Type': 'application/json'}

async function call(rig: Rig, method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) {
  const res = await fetch(`${rig.server.url}${path}`, {method, headers, ...(body !== undefined ? {body: JSON.stringify(body)} : {})})
  const text = await res.text()
  return {status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null}
}

function ok<T>(d: {ok: true; value: T} | {ok: false; error: {reason: string}}): T {
  if (!d.ok) throw new Error(`did not decode: ${d.error.reason}`)
  return d.value
}

function socket(url: string): Promise<{ws: WebSocket; messages: unknown[]; next(n: number): Promise<unknown[]>}> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const messages: unknown[] = []
    const waiters: (() => void)[] = []
    ws.on('message', (data: Buffer, binary: boolean) => {
      messages.push(binary ? decodeMsgpack(data) : JSON.parse(data.toString('utf8')))
      for (const w of waiters.splice(0)) w()
    })
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        next: (n) =>
          new Promise((r, fail) => {
            const timer = setTimeout(() => fail(new Error(`only ${messages.length} of ${n} messages`)), 2_000)
            const check = () => (messages.length >= n ? (clearTimeout(timer), r(messages)) : waiters.push(check))
            check()
          }),
      }),
    )
    ws.once('error', reject)
  })
}

describe('emulator: Alpaca REST', () => {
  it('every answer decodes with the adapter decoders; orders, replace chain, activities, positions, clock, bars', async () => {
    const rig = await startRig({noConnect: true})
    try {
      await rig.bar(100)
      const placed = await call(rig, 'POST', '/v2/orders', {symbol: 'AAPL', qty: '5', side: 'buy', type: 'limit', time_in_force: 'gtc', limit_price: '99.5', client_order_id: 'em-1'})
      expect(placed.status).toBe(200)
      const o = ok(decodeAlpacaOrder(placed.body))
      expect(o).toMatchObject({clientOrderId: 'em-1', qty: 5, limitPrice: 99.5, status: 'accepted'})
      expect(placed.headers.get('x-ratelimit-limit')).toBe('200')
      const replaced = await call(rig, 'PATCH', `/v2/orders/${o.venueOrderId}`, {limit_price: '100', client_order_id: 'em-1.r1'})
      expect(replaced.body).toMatchObject({client_order_id: 'em-1.r1', replaces: o.venueOrderId, limit_price: '100', status: 'new'})
      const old = await call(rig, 'GET', `/v2/orders:by_client_order_id?client_order_id=em-1`)
      expect(old.body).toMatchObject({status: 'replaced', replaced_by: replaced.body.id})
      expect(ok(decodeAlpacaOrder(old.body)).status).toBe('canceled')
      expect((await call(rig, 'PATCH', `/v2/orders/${o.venueOrderId}`, {limit_price: '101'})).status).toBe(422)
      expect((await call(rig, 'DELETE', `/v2/orders/${o.venueOrderId}`)).status).toBe(422)
      await rig.bar(100, 20)
      await rig.bar(100, 1e6)
      const acts = await call(rig, 'GET', '/v2/account/activities/FILL?direction=asc')
      const fills = ok(decodeAlpacaFillActivities(acts.body))
      expect(fills.map((f) => [f.qty, f.cumQty, f.leavesQty, f.venueOrderId])).toEqual([[2, 2, 3, replaced.body.id], [3, 5, 0, replaced.body.id]])
      const page1 = await call(rig, 'GET', '/v2/account/activities/FILL?direction=asc&page_size=1')
      const page2 = await call(rig, 'GET', `/v2/account/activities/FILL?direction=asc&page_size=1&page_token=${encodeURIComponent(page1.body[0].id)}`)
      expect([page1.body[0].id, page2.body[0].id]).toEqual(acts.body.map((a: {id: string}) => a.id))
      expect((await call(rig, 'GET', `/v2/account/activities/FILL?after=${encodeURIComponent(acts.body[1].transaction_time)}`)).body).toEqual([])
      expect((await call(rig, 'DELETE', `/v2/orders/${replaced.body.id}`)).body).toMatchObject({code: 42210000})
      expect(ok(decodeAlpacaPositions((await call(rig, 'GET', '/v2/positions')).body, 0)).map((p) => [p.symbol, p.qty, p.avgPrice])).toEqual([['AAPL', 5, 100]])
      const acct = ok(decodeAlpacaAccount((await call(rig, 'GET', '/v2/account')).body, 0))
      expect(acct.cash).toBe(100_000 - 500)
      expect(ok(decodeAlpacaOrders((await call(rig, 'GET', '/v2/orders?status=all&direction=asc')).body)).map((x) => [x.clientOrderId, x.status])).toEqual([['em-1', 'canceled'], ['em-1.r1', 'filled']])
      expect(ok(decodeAlpacaOrders((await call(rig, 'GET', '/v2/orders')).body))).toEqual([])
      expect(ok(decodeAlpacaClock((await call(rig, 'GET', '/v2/clock')).body)).isOpen).toBe(true)
      const bars = ok(decodeAlpacaBars((await call(rig, 'GET', '/v2/stocks/bars?symbols=AAPL&timeframe=1Min&limit=2')).body))
      expect(bars.items.map((b) => b.close)).toEqual([100, 100])
      expect(bars.next).toBeDefined()
    } finally {
      await rig.close()
    }
  })

  it('Alpaca\'s refusals: 401 without or with wrong keys, 403 buying power, 422 invalid and duplicate ids, 404 unknown order and route', async () => {
    const rig = await startRig({noConnect: true})
    try {
      const noKey = await call(rig, 'GET', '/v2/account', undefined, {})
      expect(noKey).toMatchObject({status: 401, body: {code: 40110000, message: 'request is not authorized'}})
      expect(ok(decodeAlpacaErrorBody(noKey.body))).toEqual(noKey.body)
      expect((await call(rig, 'GET', '/v2/account', undefined, {...AUTH, 'APCA-API-SECRET-KEY': 'nope'})).status).toBe(401)
      await rig.bar(100)
      const body = {symbol: 'AAPL', side: 'buy', type: 'limit', time_in_force: 'gtc', limit_price: '100'}
      expect(await call(rig, 'POST', '/v2/orders', {...body, qty: '5000', client_order_id: 'big-1'})).toMatchObject({status: 403, body: {code: 40310000, message: 'insufficient buying power'}})
      expect((await call(rig, 'POST', '/v2/orders', {...body, qty: '0', client_order_id: 'zero-1'})).status).toBe(422)
      expect((await call(rig, 'POST', '/v2/orders', {...body, qty: '1', limit_price: '100.005', client_order_id: 'tick-1'})).status).toBe(422)
      expect((await call(rig, 'POST', '/v2/orders', {...body, qty: '1', client_order_id: 'd-1'})).status).toBe(200)
      expect(await call(rig, 'POST', '/v2/orders', {...body, qty: '1', client_order_id: 'd-1'})).toMatchObject({status: 422, body: {code: 40010001, message: 'client_order_id must be unique'}})
      expect((await call(rig, 'POST', '/v2/orders', {...body, qty: '1', notional: '10', client_order_id: 'n-1'})).status).toBe(422)
      expect(await call(rig, 'GET', '/v2/orders/nope')).toMatchObject({status: 404, body: {code: 40410000}})
      expect((await call(rig, 'GET', '/v2/watchlists')).status).toBe(404)
    } finally {
      await rig.close()
    }
  })

  it('the budget: requests over it get 429 with X-RateLimit-Remaining 0 and a reset in unix seconds; the venue counts each as a violation', async () => {
    const rig = await startRig({noConnect: true, protocol: alpacaProtocolWith({rateLimit: {limit: 3, windowMs: 60_000}})})
    try {
      const answers = []
      for (let i = 0; i < 5; i++) answers.push(await call(rig, 'GET', '/v2/clock'))
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429])
      expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0', '0'])
      const reset = Number(answers[4].headers.get('x-ratelimit-reset'))
      expect(reset * 1000).toBeGreaterThan(Date.now() + 50_000)
      expect(answers[4].body).toEqual({code: 42910000, message: 'too many requests.'})
      expect(rig.venue.stats().rateLimitViolations).toBe(2)
    } finally {
      await rig.close()
    }
  })
})

describe('emulator: Alpaca websockets', () => {
  it('trade_updates: auth (both formats) → authorization, listen → listening, then the order\'s frames in the recorded shape', async () => {
    const rig = await startRig({noConnect: true})
    try {
      const bad = await socket(`${rig.server.wsUrl}/stream`)
      bad.ws.send(JSON.stringify({action: 'auth', key: RIG_KEY, secret: 'wrong'}))
      expect((await bad.next(1))[0]).toEqual({stream: 'authorization', data: {action: 'authenticate', status: 'unauthorized'}})
      const s = await socket(`${rig.server.wsUrl}/stream`)
      s.ws.send(JSON.stringify({action: 'authenticate', data: {key_id: RIG_KEY, secret_key: RIG_SECRET}}))
      s.ws.send(JSON.stringify({action: 'listen', data: {streams: ['trade_updates']}}))
      await s.next(2)
      await rig.bar(100)
      await call(rig, 'POST', '/v2/orders', {symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'ws-1'})
      await rig.bar(100)
      const msgs = await s.next(4)
      const decoded = msgs.map((m) => decodeAlpacaStreamFrame(m, 0))
      expect(decoded.flat().map((m) => (m.kind === 'control' ? m.type : m.kind === 'order' ? `order:${m.order.status}` : m.kind))).toEqual(['authorization', 'listening', 'order:accepted', 'execution', 'order:filled'])
      expect((msgs[3] as {data: Record<string, unknown>}).data).toMatchObject({event: 'fill', price: '100', qty: '1', position_qty: '1'})
      s.ws.close()
      bad.ws.close()
    } finally {
      await rig.close()
    }
  })

  it('market data: JSON client gets JSON (greeting, auth, subscription, bars); MessagePack encodes and decodes what the stream uses', async () => {
    const rig = await startRig({noConnect: true})
    try {
      const s = await socket(`${rig.server.wsUrl}/v2/iex`)
      s.ws.send(JSON.stringify({action: 'subscribe', bars: ['AAPL']}))
      expect(await s.next(2)).toEqual([[{T: 'success', msg: 'connected'}], [{T: 'error', code: 401, msg: 'not authenticated'}]])
      s.ws.send(JSON.stringify({action: 'auth', key: RIG_KEY, secret: RIG_SECRET}))
      s.ws.send(JSON.stringify({action: 'subscribe', bars: ['AAPL']}))
      const [, , auth, sub] = await s.next(4)
      expect(auth).toEqual([{T: 'success', msg: 'authenticated'}])
      expect(sub).toMatchObject([{T: 'subscription', bars: ['AAPL'], trades: [], quotes: []}])
      await rig.bar(101, 500, 60_000)
      const [, , , , barMsg] = await s.next(5)
      const decoded = decodeAlpacaDataMessage(barMsg, 0)
      expect(decoded).toEqual([{kind: 'bar', bar: expect.objectContaining({symbol: 'AAPL', close: 101, volume: 500})}])
      s.ws.close()
    } finally {
      await rig.close()
    }
    const value = [{T: 'b', S: 'AAPL', o: 1.5, v: 100_000, n: -3, big: 2 ** 40, s: 'x'.repeat(40), t: MsgpackTimestamp.fromMs(Date.parse('2024-01-02T14:31:00.123Z')), ok: true, none: null}]
    const back = decodeMsgpack(encodeMsgpack(value)) as Record<string, unknown>[]
    expect({...back[0], t: undefined}).toEqual({...value[0], t: undefined})
    expect((back[0].t as MsgpackTimestamp).toMs()).toBe(Date.parse('2024-01-02T14:31:00.123Z'))
  })
})
