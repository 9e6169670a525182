/**
 * ALP-05: the venue answers "rate limited" (HTTP 429 / Bybit retCode 10006). The layer sends the request again no
 * earlier than the reset the venue gave, holds back the other requests of the same budget meanwhile (and only
 * those), keeps their order, and never loses or doubles a request. A reset too far away is not waited out.
 */
import {describe, expect, it} from 'vitest'
import {ALPACA_POLICY, BYBIT_POLICY, RateLimitWaitTooLongError, resilientTransport} from '../../src/broker/resilience/index.js'
import {alpacaRules, bybitRules, FakeVenue} from './fake-venue.js'
import {req} from './helpers.js'
import {VirtualTime} from './virtual-time.js'

const T0 = 1_700_000_000_000

describe('rate-limit refusals (ALP-05)', () => {
  it('alpaca 429: resent no earlier than X-RateLimit-Reset; the rest of the account budget waits too, in order', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
    const waits: {endpoint: string; ms: number; cause: string}[] = []
    const t = resilientTransport(venue, ALPACA_POLICY, {onWait: (e) => waits.push(e)}, {time})
    const resetSec = (T0 + 3_000) / 1000
    venue.scriptFor('GET /v2/account', [{status: 429, headers: {'x-ratelimit-limit': '200', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetSec)}, body: {message: 'rate limit exceeded'}}])

    const first = t.request(req('GET /v2/account', 'a'))
    await time.advance(100)
    const second = t.request(req('GET /v2/positions', 'b'))
    const [a, b] = await time.run(Promise.all([first, second]))

    expect(a.status).toBe(200)
    expect(b.status).toBe(200)
    // Reset (whole seconds) plus the policy's one-second margin; the other request of the budget waited as well.
    expect(venue.sent).toEqual([
      {id: 'a', endpoint: 'GET /v2/account', at: T0},
      {id: 'a', endpoint: 'GET /v2/account', at: T0 + 4_000},
      {id: 'b', endpoint: 'GET /v2/positions', at: T0 + 4_000},
    ])
    expect(venue.sent[1].at).toBeGreaterThanOrEqual(resetSec * 1000)
    expect(waits).toEqual([
      {endpoint: 'GET /v2/account', ms: 3_980, cause: 'rate_limited'},
      {endpoint: 'GET /v2/positions', ms: 3_900, cause: 'rate_limited'},
    ])
    expect([...venue.acceptedCount().values()]).toEqual([1, 1])
  })

  it('bybit 10006: waits for X-Bapi-Limit-Reset-Timestamp; holds back that endpoint only, not the others of the IP', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('bybit', time, bybitRules({}), {min: 10, max: 10})
    const t = resilientTransport(venue, BYBIT_POLICY, {}, {time})
    const reset = T0 + 1_500
    venue.scriptFor('POST /v5/order/create', [{status: 200, headers: {'x-bapi-limit': '10', 'x-bapi-limit-status': '0', 'x-bapi-limit-reset-timestamp': String(reset)}, body: {retCode: 10006, retMsg: 'Too many visits!'}}])

    const c1 = t.request(req('POST /v5/order/create', 'c1'))
    await time.advance(100)
    const c2 = t.request(req('POST /v5/order/create', 'c2'))
    const q = t.request(req('GET /v5/order/realtime', 'q'))
    const out = await time.run(Promise.all([c1, c2, q]))
    expect(out.map((r) => (r.body as {retCode: number}).retCode)).toEqual([0, 0, 0])
    expect(venue.sent).toEqual([
      {id: 'c1', endpoint: 'POST /v5/order/create', at: T0},
      {id: 'q', endpoint: 'GET /v5/order/realtime', at: T0 + 100},
      {id: 'c1', endpoint: 'POST /v5/order/create', at: reset + BYBIT_POLICY.rateLimit.resetMarginMs},
      {id: 'c2', endpoint: 'POST /v5/order/create', at: reset + BYBIT_POLICY.rateLimit.resetMarginMs},
    ])
    expect(t.stats()).toMatchObject({requests: 3, attempts: 4, rateLimited: 1})
  })

  it('without a reset time, waits a doubling fallback; after maxWaits refusals the last 429 is passed up', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
    const policy = {...ALPACA_POLICY, rateLimit: {...ALPACA_POLICY.rateLimit, maxWaits: 3}}
    const t = resilientTransport(venue, policy, {}, {time})
    venue.scriptFor('GET /v2/account', [], {status: 429, body: {message: 'rate limit exceeded'}})
    const res = await time.run(t.request(req('GET /v2/account', 'a')))
    expect(res.status).toBe(429)
    const at = venue.sent.map((s) => s.at - T0)
    // 20 ms round trip, then 1 s, 2 s, 4 s.
    expect(at).toEqual([0, 1_020, 3_040, 7_060])
  })

  it('bybit 403 (IP ban, 10 min): not waited out; the answer goes up, the other requests fail fast unsent until the ban lifts', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('bybit', time, bybitRules({}), {min: 10, max: 10})
    const t = resilientTransport(venue, BYBIT_POLICY, {}, {time})
    venue.scriptFor('GET /v5/market/kline', [{status: 403, body: 'access too frequent'}])
    const banned = await time.run(t.request(req('GET /v5/market/kline', 'k1')))
    expect(banned.status).toBe(403)
    const refused = await time.run(t.request(req('GET /v5/position/list', 'p1')).catch((e: unknown) => e))
    expect(refused).toBeInstanceOf(RateLimitWaitTooLongError)
    expect((refused as RateLimitWaitTooLongError).retryable).toBe(true)
    expect((refused as RateLimitWaitTooLongError).resetAt).toBe(T0 + 20 + 10 * 60_000 + BYBIT_POLICY.rateLimit.resetMarginMs)
    expect(venue.sent.map((s) => s.id)).toEqual(['k1'])
    await time.advance(10 * 60_000 + 100)
    expect((await time.run(t.request(req('GET /v5/position/list', 'p2')))).status).toBe(200)
  })
})
