/**
 * OPS-08 / ALP-05: a burst of more than a thousand requests over mixed endpoints goes through the resilience layer
 * without a single request arriving over the venue's limits (as the fake venue counts them, at arrival time, with
 * jittered latency), every request is answered exactly once, and requests leave in order within their budget.
 * The same burst sent straight to the venue breaks its limits: the test bites.
 */
import {describe, expect, it} from 'vitest'
import {ALPACA_POLICY, BYBIT_POLICY, resilientTransport, SharedBudgets} from '../../src/broker/resilience/index.js'
import type {RawResponse, VenueRequest} from '../../src/broker/transport.js'
import {alpacaRules, bybitRules, FakeVenue} from './fake-venue.js'
import {answerId, burst, idsByEndpoint, sendAll, type Settled} from './helpers.js'
import {VirtualTime} from './virtual-time.js'

const BYBIT_LIMITS = {'POST /v5/order/create': 10, 'POST /v5/order/amend': 10, 'POST /v5/order/cancel': 10, 'GET /v5/order/realtime': 50, 'GET /v5/position/list': 50}
const BYBIT_MIX = [['POST /v5/order/create', 300], ['POST /v5/order/amend', 150], ['POST /v5/order/cancel', 150], ['GET /v5/order/realtime', 250], ['GET /v5/position/list', 200], ['GET /v5/market/kline', 150]] as const
const ALPACA_MIX = [['POST /v2/orders', 300], ['GET /v2/orders/{order_id}', 250], ['DELETE /v2/orders/{order_id}', 150], ['GET /v2/positions', 150], ['GET /v2/account', 150]] as const

function expectEveryoneAnsweredOnce(reqs: readonly VenueRequest[], results: readonly Settled[], venue: FakeVenue): void {
  const bad = results.filter((r) => r.status !== 'fulfilled' || r.value.status !== 200)
  expect(bad).toEqual([])
  results.forEach((r, i) => expect(answerId((r as PromiseFulfilledResult<RawResponse>).value)).toBe(reqs[i].params.id))
  const accepted = venue.acceptedCount()
  expect(accepted.size).toBe(reqs.length)
  expect([...accepted.values()].every((n) => n === 1)).toBe(true)
  // Nothing was sent twice (no refusal, so no resend either).
  expect(venue.sent.length).toBe(reqs.length)
}

describe('resilience burst (OPS-08, ALP-05)', () => {
  it('bybit: 1,200 mixed requests at once, 0 violations of the IP and per-endpoint limits, each answered once, in order per endpoint', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('bybit', time, bybitRules(BYBIT_LIMITS))
    const waits: string[] = []
    const t = resilientTransport(venue, BYBIT_POLICY, {onWait: (e) => waits.push(e.cause)}, {time})
    const reqs = burst(BYBIT_MIX)
    const start = time.now()
    const wall = performance.now()
    const results = await sendAll(t, time, reqs)
    const virtualMs = time.now() - start

    expect(venue.violations).toBe(0)
    expectEveryoneAnsweredOnce(reqs, results, venue)
    // In order within each endpoint's budget: dispatch order equals submission order.
    const submitted = idsByEndpoint(reqs.map((r) => ({endpoint: r.endpoint, id: String(r.params.id)})))
    expect(idsByEndpoint(venue.sent)).toEqual(submitted)
    expect(t.stats()).toMatchObject({requests: 1200, attempts: 1200, retries: 0, rateLimited: 0, queued: 0})
    // The burst really was held back (300 creates at 10/s take half a minute), and waits were for the budget only.
    expect(virtualMs).toBeGreaterThan(30_000)
    expect(virtualMs).toBeLessThan(40_000)
    expect(waits.length).toBeGreaterThan(0)
    expect(waits.every((c) => c === 'budget')).toBe(true)
    console.info(`bybit burst: ${reqs.length} requests, ${venue.violations} violations, ${(virtualMs / 1000).toFixed(1)} s virtual, ${(performance.now() - wall).toFixed(0)} ms wall`)
  })

  it('bybit: the same burst sent straight to the venue breaks its limits (the test bites)', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('bybit', time, bybitRules(BYBIT_LIMITS))
    const reqs = burst(BYBIT_MIX)
    const results = await sendAll(venue, time, reqs)
    expect(venue.violations).toBeGreaterThan(0)
    const refused = results.filter((r) => r.status === 'fulfilled' && (r.value.body as {retCode?: number}).retCode === 10006)
    expect(refused.length).toBe(venue.violations)
    console.info(`bybit naive: ${venue.violations} violations of ${reqs.length}`)
  })

  it('bybit: 1,000 public requests (IP budget only, 600 per 5 s): 0 violations through the layer, HTTP 403 bans when sent straight', async () => {
    const reqs = burst([['GET /v5/market/kline', 1000]])
    const time = new VirtualTime()
    const venue = new FakeVenue('bybit', time, bybitRules({}))
    const results = await sendAll(resilientTransport(venue, BYBIT_POLICY, {}, {time}), time, reqs)
    expect(venue.violations).toBe(0)
    expectEveryoneAnsweredOnce(reqs, results, venue)

    const naiveTime = new VirtualTime()
    const naive = new FakeVenue('bybit', naiveTime, bybitRules({}))
    const naiveResults = await sendAll(naive, naiveTime, reqs)
    expect(naive.violations).toBe(400)
    expect(naiveResults.filter((r) => r.status === 'fulfilled' && r.value.status === 403).length).toBe(400)
  })

  it('bybit, two accounts on one IP (GRID-09): the IP budget is spent together, the per-account budgets stay apart', async () => {
    const run = async (shared: boolean) => {
      const time = new VirtualTime()
      const venue = new FakeVenue('bybit', time, bybitRules({}))
      const budgets = new SharedBudgets()
      const opts = (account: string) => ({time, account, ...(shared ? {sharedBudgets: budgets} : {})})
      const a = resilientTransport(venue, BYBIT_POLICY, {}, opts('A'))
      const b = resilientTransport(venue, BYBIT_POLICY, {}, opts('B'))
      const reqs = burst([['GET /v5/market/kline', 1000]])
      const start = time.now()
      const results = await time.run(Promise.all(reqs.map((r, i) => (i % 2 === 0 ? a : b).request(r))))
      return {venue, results, start}
    }
    const together = await run(true)
    expect(together.venue.violations).toBe(0)
    expect(together.results.every((r) => r.status === 200)).toBe(true)
    expect((await run(false)).venue.violations).toBeGreaterThan(0)

    // Account budgets are per account: 10 creates on each of two accounts leave at once; 20 on one account cannot.
    const creates = async (split: boolean) => {
      const time = new VirtualTime()
      const venue = new FakeVenue('bybit', time, bybitRules({}))
      const budgets = new SharedBudgets()
      const a = resilientTransport(venue, BYBIT_POLICY, {}, {time, account: 'A', sharedBudgets: budgets})
      const b = resilientTransport(venue, BYBIT_POLICY, {}, {time, account: 'B', sharedBudgets: budgets})
      const t0 = time.now()
      await time.run(Promise.all(burst([['POST /v5/order/create', 20]]).map((r, i) => (split && i >= 10 ? b : a).request(r))))
      return venue.sent.map((s) => s.at - t0)
    }
    expect(await creates(true)).toEqual(Array(20).fill(0))
    const oneAccount = await creates(false)
    expect(oneAccount.filter((ms) => ms === 0)).toHaveLength(10)
    expect(oneAccount.filter((ms) => ms >= 1_000)).toHaveLength(10)
  })

  it('alpaca: 1,000 mixed requests at once, 0 violations of 200/min, each answered once, strictly in submission order', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('alpaca', time, alpacaRules())
    const t = resilientTransport(venue, ALPACA_POLICY, {}, {time})
    const reqs = burst(ALPACA_MIX, 9)
    const start = time.now()
    const wall = performance.now()
    const results = await sendAll(t, time, reqs)
    const virtualMs = time.now() - start

    expect(venue.violations).toBe(0)
    expectEveryoneAnsweredOnce(reqs, results, venue)
    // One budget for every trading endpoint: the whole burst leaves in submission order.
    expect(venue.sent.map((s) => s.id)).toEqual(reqs.map((r) => r.params.id))
    // 1,000 at 200 per (60 s + margin): four full windows of waiting.
    expect(virtualMs).toBeGreaterThan(4 * 60_000)
    expect(virtualMs).toBeLessThan(5 * 62_000)
    console.info(`alpaca burst: ${reqs.length} requests, ${venue.violations} violations, ${(virtualMs / 1000).toFixed(1)} s virtual, ${(performance.now() - wall).toFixed(0)} ms wall`)
  })

  it('alpaca: the same burst sent straight to the venue breaks 200/min (the test bites)', async () => {
    const time = new VirtualTime()
    const venue = new FakeVenue('alpaca', time, alpacaRules())
    const reqs = burst(ALPACA_MIX, 9)
    const results = await sendAll(venue, time, reqs)
    expect(venue.violations).toBe(800)
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.status === 429).length).toBe(800)
    console.info(`alpaca naive: ${venue.violations} violations of ${reqs.length}`)
  })

  it('bybit: a venue limit lower than the policy assumes is learned from X-Bapi-Limit; refused requests wait for the reset and are answered once', async () => {
    const run = async (readHeaders: boolean) => {
      const time = new VirtualTime()
      // The venue allows 5 creates per second; the policy starts from 10.
      const venue = new FakeVenue('bybit', time, bybitRules({'POST /v5/order/create': 5}))
      const policy = readHeaders ? BYBIT_POLICY : {...BYBIT_POLICY, readLimits: () => undefined}
      const t = resilientTransport(venue, policy, {}, {time})
      const reqs = burst([['POST /v5/order/create', 100]])
      const results = await sendAll(t, time, reqs)
      const answered = results.filter((r) => r.status === 'fulfilled' && r.value.status === 200 && (r.value.body as {retCode: number}).retCode === 0)
      return {venue, answered: answered.length, stats: t.stats()}
    }
    const learned = await run(true)
    expect(learned.answered).toBe(100)
    expect([...learned.venue.acceptedCount().values()].every((n) => n === 1)).toBe(true)
    // Only the first second, sent before any answer could say the limit is 5, went over it.
    expect(learned.venue.violations).toBe(5)
    expect(learned.venue.arrivals.filter((a) => !a.accepted).every((a) => a.at - learned.venue.arrivals[0].at < 1_000)).toBe(true)
    expect(learned.stats.rateLimited).toBe(5)

    const blind = await run(false)
    expect(blind.venue.violations).toBeGreaterThan(5 * learned.venue.violations)
  })
})
