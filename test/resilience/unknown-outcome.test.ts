/**
 * An unknown outcome (timeout: the request may have reached the venue) on an endpoint that is not idempotent (order
 * create / amend) is passed up after one attempt, for the adapter to resolve by querying the client order id; the
 * same outcome on a query is retried. A pass-through would not differ here; the naive variant that bites is a layer
 * that retries every retryable error, which would send the order twice.
 */
import {describe, expect, it} from 'vitest'
import {ALPACA_POLICY, BYBIT_POLICY, resilientTransport} from '../../src/broker/resilience/index.js'
import {RequestTimeoutError} from '../../src/broker/errors.js'
import {alpacaRules, bybitRules, FakeVenue} from './fake-venue.js'
import {req} from './helpers.js'
import {VirtualTime} from './virtual-time.js'

const timeout = () => new RequestTimeoutError('alpaca: request timed out; the outcome is unknown, query the client order id', 'alpaca', 'ETIMEDOUT')

describe('unknown outcomes', () => {
  it('alpaca: a timed-out order create or replace is rejected after one attempt with the RequestTimeoutError', async () => {
    for (const endpoint of ['POST /v2/orders', 'PATCH /v2/orders/{order_id}', 'DELETE /v2/positions/{symbol}']) {
      const time = new VirtualTime()
      const venue = new FakeVenue('alpaca', time, alpacaRules())
      const t = resilientTransport(venue, ALPACA_POLICY, {}, {time})
      const err = timeout()
      venue.scriptFor(endpoint, [{reject: err}, {status: 200}])
      await expect(time.run(t.request(req(endpoint, 'o1')))).rejects.toBe(err)
      expect(venue.sent).toHaveLength(1)
    }
  })

  it('alpaca: a timed-out query or cancel is retried', async () => {
    for (const endpoint of ['GET /v2/orders/{order_id}', 'GET /v2/orders:by_client_order_id', 'DELETE /v2/orders/{order_id}']) {
      const time = new VirtualTime()
      const venue = new FakeVenue('alpaca', time, alpacaRules())
      const t = resilientTransport(venue, ALPACA_POLICY, {}, {time})
      venue.scriptFor(endpoint, [{reject: timeout()}, {status: 504}, {status: 200, body: {id: 'q'}}])
      expect((await time.run(t.request(req(endpoint, 'q')))).body).toEqual({id: 'q'})
      expect(venue.sent).toHaveLength(3)
    }
  })

  it('alpaca: a 504 on order create is passed up, not resent', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('alpaca', time, alpacaRules())
    const t = resilientTransport(venue, ALPACA_POLICY, {}, {time})
    venue.scriptFor('POST /v2/orders', [{status: 504}, {status: 200}])
    expect((await time.run(t.request(req('POST /v2/orders', 'o1')))).status).toBe(504)
    expect(venue.sent).toHaveLength(1)
  })

  it('bybit: retCode 10000 (server timeout) on order create / amend is passed up; on a query it is retried', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('bybit', time, bybitRules({}))
    const t = resilientTransport(venue, BYBIT_POLICY, {}, {time})
    const serverTimeout = {status: 200, body: {retCode: 10000, retMsg: 'Server Timeout'}}
    for (const e of ['POST /v5/order/create', 'POST /v5/order/amend']) {
      venue.scriptFor(e, [serverTimeout, {status: 200, body: {retCode: 0}}])
      expect(((await time.run(t.request(req(e, e)))).body as {retCode: number}).retCode).toBe(10000)
    }
    venue.scriptFor('GET /v5/order/realtime', [serverTimeout, {status: 200, body: {retCode: 0}}])
    expect(((await time.run(t.request(req('GET /v5/order/realtime', 'q')))).body as {retCode: number}).retCode).toBe(0)
    expect(venue.sent.map((s) => s.endpoint)).toEqual(['POST /v5/order/create', 'POST /v5/order/amend', 'GET /v5/order/realtime', 'GET /v5/order/realtime'])
  })

  it('bites: a layer that treats every endpoint as idempotent sends the timed-out order a second time', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('alpaca', time, alpacaRules())
    const naive = {...ALPACA_POLICY, endpoint: (e: string) => ({...ALPACA_POLICY.endpoint(e), idempotent: true})}
    const t = resilientTransport(venue, naive, {}, {time})
    venue.scriptFor('POST /v2/orders', [{reject: timeout()}, {status: 200}])
    await time.run(t.request(req('POST /v2/orders', 'o1')))
    expect(venue.sent).toHaveLength(2)
  })
})
