/**
 * createAlpacaSdkTransport against the emulator over loopback: answers verbatim (status, rate-limit headers,
 * the body as the venue sent it), no answer → RequestTimeoutError (may have arrived) or NetworkError (did not
 * leave), stream frames verbatim, and connection events. No key or secret in any error.
 */
import {createServer} from 'node:net'
import {describe, expect, it} from 'vitest'
import {createAlpacaSdkTransport} from '../../src/adapters/alpaca/sdk-transport.js'
import {NetworkError, RequestTimeoutError} from '../../src/broker/errors.js'
import {RIG_KEY, RIG_SECRET, startRig} from './alpaca-rig.js'

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

function noSecret(err: Error): void {
  for (const s of [RIG_KEY, RIG_SECRET]) {
    expect(err.message).not.toContain(s)
    expect(String(err.stack)).not.toContain(s)
  }
}

describe('createAlpacaSdkTransport (real SDK, loopback emulator)', () => {
  it('answers verbatim: the body as the venue sent it (snake_case, strings), the status, the rate-limit headers; 4xx is an answer', async () => {
    const rig = await startRig({noConnect: true})
    try {
      const res = await rig.transport.request({endpoint: 'GET /v2/account', params: {}})
      const direct = await fetch(`${rig.server.url}/v2/account`, {headers: {'APCA-API-KEY-ID': RIG_KEY, 'APCA-API-SECRET-KEY': RIG_SECRET}})
      expect(res.status).toBe(200)
      expect(res.body).toEqual(await direct.json())
      expect(res.body).toMatchObject({buying_power: '100000', cash: '100000', account_blocked: false})
      expect(Object.keys(res.headers).sort()).toEqual(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])
      expect(res.headers['x-ratelimit-limit']).toBe('200')
      const missing = await rig.transport.request({endpoint: 'GET /v2/orders/{order_id}', params: {}, path: {order_id: 'no-such-order'}})
      expect(missing).toMatchObject({status: 404, body: {code: 40410000, message: 'order not found'}})
      const dup = {symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', time_in_force: 'gtc', limit_price: '90', client_order_id: 'tx-1'}
      await rig.bar(100)
      expect((await rig.transport.request({endpoint: 'POST /v2/orders', params: dup})).status).toBe(200)
      expect(await rig.transport.request({endpoint: 'POST /v2/orders', params: dup})).toMatchObject({status: 422, body: {message: 'client_order_id must be unique'}})
      const clock = await rig.transport.request({endpoint: 'GET /v2/clock', params: {}})
      expect(clock.body).toMatchObject({is_open: true, timestamp: new Date(rig.venue.now()).toISOString()})
    } finally {
      await rig.close()
    }
  })

  it('no answer: a dropped connection after sending and a deadline are RequestTimeoutError; a refused connection is NetworkError', async () => {
    const rig = await startRig({noConnect: true, transport: {requestTimeoutMs: 300}})
    try {
      rig.venue.armFault({kind: 'drop_response', endpoint: 'GET /v2/account'})
      const dropped = await rejection(rig.transport.request({endpoint: 'GET /v2/account', params: {}}))
      expect(dropped).toBeInstanceOf(RequestTimeoutError)
      expect(dropped.message).toMatch(/^alpaca: GET \/v2\/account: the connection ended before the answer/)
      noSecret(dropped)
      rig.venue.armFault({kind: 'delay', ms: 1_000, endpoint: 'GET /v2/clock'})
      const late = await rejection(rig.transport.request({endpoint: 'GET /v2/clock', params: {}}))
      expect(late).toBeInstanceOf(RequestTimeoutError)
      expect(late.message).toMatch(/no answer within 300 ms/)
      noSecret(late)
    } finally {
      await rig.close()
    }
    const port = await new Promise<number>((resolve) => {
      const srv = createServer()
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as {port: number}).port
        srv.close(() => resolve(p))
      })
    })
    const t = await createAlpacaSdkTransport({credentials: {key: RIG_KEY, secret: RIG_SECRET}, baseUrl: `http://127.0.0.1:${port}`})
    const refused = await rejection(t.request({endpoint: 'POST /v2/orders', params: {symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'x-1'}}))
    expect(refused).toBeInstanceOf(NetworkError)
    expect(refused.message).toMatch(/ECONNREFUSED/)
    noSecret(refused)
    await t.close()
  })

  it('a request the transport has no route or parameter for is a programming error, named, never sent', async () => {
    const t = await createAlpacaSdkTransport({credentials: {key: RIG_KEY, secret: RIG_SECRET}, baseUrl: 'http://127.0.0.1:9'})
    expect(await rejection(t.request({endpoint: 'GET /v2/watchlists', params: {}}))).toBeInstanceOf(TypeError)
    const bad = await rejection(t.request({endpoint: 'GET /v2/orders', params: {statuz: 'open'}}))
    expect(bad).toBeInstanceOf(TypeError)
    expect(bad.message).toMatch(/takes no parameter "statuz"/)
    await t.close()
  })

  it('stream frames verbatim (the venue\'s snake_case JSON, not the SDK model) and connection events: connected, disconnected, reconnected once confirmed', async () => {
    const rig = await startRig({noConnect: true})
    try {
      await rig.settle(rig.transport.subscribe({stream: 'trade_updates', topics: ['trade_updates']}), 'subscribe')
      expect(rig.frames.map((f) => f.data).slice(0, 2)).toEqual([
        {stream: 'authorization', data: {action: 'authenticate', status: 'authorized'}},
        {stream: 'listening', data: {streams: ['trade_updates']}},
      ])
      await rig.bar(100)
      await rig.transport.request({endpoint: 'POST /v2/orders', params: {symbol: 'AAPL', qty: '1', side: 'buy', type: 'limit', time_in_force: 'gtc', limit_price: '90', client_order_id: 'fr-1'}})
      await rig.until(() => rig.frames.length >= 3, 'order frame')
      const data = (rig.frames[2].data as {data: {event: string; order: Record<string, unknown>}}).data
      expect(data.event).toBe('new')
      expect(data.order).toMatchObject({client_order_id: 'fr-1', limit_price: '90', qty: '1', status: 'new'})
      expect(data.order).not.toHaveProperty('clientOrderId')
      expect(rig.connections).toEqual([{kind: 'connected', stream: 'trade_updates'}])
      rig.venue.disconnectStreams()
      await rig.until(() => rig.connections.length === 3, 'drop and reconnect')
      expect(rig.connections.slice(1)).toEqual([{kind: 'disconnected', stream: 'trade_updates', reason: 'socket closed'}, {kind: 'reconnected', stream: 'trade_updates'}])
      // The SDK re-sent the subscription by itself: the last frame is the venue's confirmation.
      expect(rig.frames.at(-1)!.data).toEqual({stream: 'listening', data: {streams: ['trade_updates']}})
    } finally {
      await rig.close()
    }
  })
})

describe('createAlpacaSdkTransport endpoints', () => {
  it('only baseUrl and wsUrl (…/stream) of an emulator: market data REST and stream go to the same host', async () => {
    const rig = await startRig({noConnect: true})
    const t = await createAlpacaSdkTransport({credentials: {key: RIG_KEY, secret: RIG_SECRET}, baseUrl: rig.server.url, wsUrl: `${rig.server.wsUrl}/stream`, requestTimeoutMs: 5_000})
    try {
      expect((await t.request({endpoint: 'GET /v2/stocks/bars', params: {symbols: 'AAPL', timeframe: '1Min'}})).status).toBe(200)
      await rig.settle(t.subscribe({stream: 'bars', topics: ['AAPL']}), 'bars subscription')
      await rig.settle(t.subscribe({stream: 'trade_updates', topics: ['trade_updates']}), 'trade_updates subscription')
    } finally {
      await t.close()
      await rig.close()
    }
  })
})
