/**
 * OPS-08: retries with backoff and jitter for retryable outcomes only. A 5xx (or Bybit retCode 10016) is sent again
 * after growing delays; a final 4xx is passed up after one attempt; when the attempts run out the last answer is
 * passed up unchanged. A pass-through (no layer) answers the first 503: the assertions on the layer bite.
 */
import {describe, expect, it} from 'vitest'
import {ALPACA_POLICY, BYBIT_POLICY, resilientTransport} from '../../src/broker/resilience/index.js'
import {NetworkError} from '../../src/broker/errors.js'
import {alpacaRules, bybitRules, FakeVenue} from './fake-venue.js'
import {req} from './helpers.js'
import {VirtualTime} from './virtual-time.js'

const E = 'GET /v2/orders'

function setup() {
  const time = new VirtualTime()
  const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
  const retries: {endpoint: string; attempt: number; error: string}[] = []
  const t = resilientTransport(venue, ALPACA_POLICY, {onRetry: (e) => retries.push(e)}, {time})
  return {time, venue, t, retries}
}

const sentAt = (venue: FakeVenue, endpoint: string) => venue.sent.filter((s) => s.endpoint === endpoint).map((s) => s.at)
const gaps = (xs: number[]) => xs.slice(1).map((x, i) => x - xs[i])

describe('retry with backoff (OPS-08)', () => {
  it('retries a 503 with growing, jittered delays and returns the answer that finally succeeds', async () => {
    const {time, venue, t, retries} = setup()
    venue.scriptFor(E, [{status: 503}, {status: 503}, {status: 503}, {status: 200, body: {id: 'ok'}}])
    const res = await time.run(t.request(req(E, 'a')))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({id: 'ok'})
    const at = sentAt(venue, E)
    expect(at).toHaveLength(4)
    // Each wait = round trip (20 ms) + backoff in [d/2, d) with d = 250, 500, 1000 ms: strictly growing.
    const waits = gaps(at).map((g) => g - 20)
    expect(waits[0]).toBeGreaterThanOrEqual(125)
    expect(waits[0]).toBeLessThan(250)
    expect(waits[1]).toBeGreaterThanOrEqual(250)
    expect(waits[1]).toBeLessThan(500)
    expect(waits[2]).toBeGreaterThanOrEqual(500)
    expect(waits[2]).toBeLessThan(1000)
    expect(retries).toEqual([1, 2, 3].map((attempt) => ({endpoint: E, attempt, error: 'HTTP 503'})))

    // Same seed, same delays (jitter from the injected seeded source); another seed, other delays.
    const again = setup()
    again.venue.scriptFor(E, [{status: 503}, {status: 503}, {status: 503}, {status: 200}])
    await again.time.run(again.t.request(req(E, 'a')))
    expect(gaps(sentAt(again.venue, E))).toEqual(gaps(at))
    const time3 = new VirtualTime()
    const venue3 = new FakeVenue('alpaca', time3, alpacaRules(), {min: 10, max: 10})
    venue3.scriptFor(E, [{status: 503}, {status: 503}, {status: 503}, {status: 200}])
    await time3.run(resilientTransport(venue3, ALPACA_POLICY, {}, {time: time3, seed: 99}).request(req(E, 'a')))
    expect(gaps(sentAt(venue3, E))).not.toEqual(gaps(at))
  })

  it('passes a final 4xx up after one attempt, unchanged', async () => {
    const {time, venue, t, retries} = setup()
    const body = {code: 42210000, message: 'qty must be > 0'}
    venue.scriptFor('POST /v2/orders', [{status: 422, body}])
    const res = await time.run(t.request(req('POST /v2/orders', 'a')))
    expect(res).toEqual({status: 422, headers: {}, body})
    expect(venue.sent).toHaveLength(1)
    expect(retries).toEqual([])
  })

  it('passes the last 503 up when the attempts run out (4 attempts)', async () => {
    const {time, venue, t} = setup()
    venue.scriptFor(E, [], {status: 503, body: {message: 'down'}})
    const res = await time.run(t.request(req(E, 'a')))
    expect(res.status).toBe(503)
    expect(venue.sent).toHaveLength(ALPACA_POLICY.retry.maxAttempts)
  })

  it('retries a network error that never left (NetworkError), also for an order create', async () => {
    const {time, venue, t} = setup()
    venue.scriptFor('POST /v2/orders', [{reject: new NetworkError('alpaca: ECONNREFUSED', 'alpaca', 'ECONNREFUSED')}, {status: 200, body: {id: 'o1'}}])
    const res = await time.run(t.request(req('POST /v2/orders', 'a')))
    expect(res.body).toEqual({id: 'o1'})
    expect(venue.sent).toHaveLength(2)
  })

  it('bybit: retCode 10016 (service restarting) is retried, also on order create; retCode 110007 is final', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('bybit', time, bybitRules({}))
    const t = resilientTransport(venue, BYBIT_POLICY, {}, {time})
    venue.scriptFor('POST /v5/order/create', [{status: 200, body: {retCode: 10016, retMsg: 'service error'}}, {status: 200, body: {retCode: 0, result: {orderId: 'x'}}}])
    const ok = await time.run(t.request(req('POST /v5/order/create', 'a')))
    expect((ok.body as {retCode: number}).retCode).toBe(0)
    expect(venue.sent).toHaveLength(2)

    venue.scriptFor('POST /v5/order/create', [{status: 200, body: {retCode: 110007, retMsg: 'ab not enough for new order'}}])
    const final = await time.run(t.request(req('POST /v5/order/create', 'b')))
    expect((final.body as {retCode: number}).retCode).toBe(110007)
    expect(venue.sent).toHaveLength(3)
  })

  it('a pass-through answers the first 503 (what the layer is there to absorb)', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('alpaca', time, alpacaRules())
    venue.scriptFor(E, [{status: 503}, {status: 200}])
    expect((await time.run(venue.request(req(E, 'a')))).status).toBe(503)
  })
})
