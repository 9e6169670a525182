/**
 * OPS-08: a circuit breaker per endpoint. After N consecutive failed attempts on one endpoint its circuit opens:
 * requests to it fail fast with a retryable CircuitOpenError and are not sent, while the venue's other endpoints keep
 * working. After the open period one trial goes through (half-open): a failure re-opens it for twice as long, a
 * success closes it.
 */
import {describe, expect, it} from 'vitest'
import {ALPACA_POLICY, CircuitOpenError, resilientTransport} from '../../src/broker/resilience/index.js'
import {isRetryable} from '../../src/broker/errors.js'
import {alpacaRules, FakeVenue} from './fake-venue.js'
import {req} from './helpers.js'
import {VirtualTime} from './virtual-time.js'

const T0 = 1_700_000_000_000
const BAD = 'GET /v2/orders'
const GOOD = 'GET /v2/account'

describe('circuit breaker per endpoint (OPS-08)', () => {
  it('opens after 5 failures on one endpoint, fails fast unsent, other endpoints work; half-opens, re-opens for longer, then closes', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
    const states: string[] = []
    // One attempt per request, so each request is one failure for the breaker.
    const policy = {...ALPACA_POLICY, retry: {...ALPACA_POLICY.retry, maxAttempts: 1}}
    const t = resilientTransport(venue, policy, {onBreaker: (e) => states.push(`${e.endpoint} ${e.state}`)}, {time})
    venue.scriptFor(BAD, [], {status: 503})

    for (let i = 0; i < 5; i++) expect((await time.run(t.request(req(BAD, `b${i}`)))).status).toBe(503)
    expect(states).toEqual([`${BAD} open`])
    const openedAt = time.now()

    const fast = await time.run(t.request(req(BAD, 'b5')).catch((e: unknown) => e))
    expect(fast).toBeInstanceOf(CircuitOpenError)
    expect(isRetryable(fast)).toBe(true)
    expect((fast as CircuitOpenError).message).toContain('HTTP 503')
    expect((fast as CircuitOpenError).retryAt).toBe(openedAt + policy.breaker.halfOpenAfterMs)
    expect(venue.sent.filter((s) => s.endpoint === BAD)).toHaveLength(5)
    // Another endpoint of the same venue is unaffected.
    expect((await time.run(t.request(req(GOOD, 'g1')))).status).toBe(200)

    // After the open period: one trial (half-open); it fails → open again, now for twice as long.
    await time.advance(policy.breaker.halfOpenAfterMs)
    expect((await time.run(t.request(req(BAD, 'b6')))).status).toBe(503)
    expect(states).toEqual([`${BAD} open`, `${BAD} half_open`, `${BAD} open`])
    const reopenedAt = time.now()
    await time.advance(policy.breaker.halfOpenAfterMs)
    expect(await time.run(t.request(req(BAD, 'b7')).catch((e: unknown) => e))).toBeInstanceOf(CircuitOpenError)
    await time.advance(reopenedAt + 2 * policy.breaker.halfOpenAfterMs - time.now())

    // The endpoint recovered: the trial succeeds and closes the circuit.
    venue.scriptFor(BAD, [])
    expect((await time.run(t.request(req(BAD, 'b8')))).status).toBe(200)
    expect(states).toEqual([`${BAD} open`, `${BAD} half_open`, `${BAD} open`, `${BAD} half_open`, `${BAD} closed`])
    expect((await time.run(t.request(req(BAD, 'b9')))).status).toBe(200)
    expect(venue.sent.filter((s) => s.endpoint === BAD).map((s) => s.id)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b6', 'b8', 'b9'])
  })

  it('a failing request that exhausts its retries counts each attempt; the breaker stops the retries of the next one', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
    const t = resilientTransport(venue, ALPACA_POLICY, {}, {time})
    venue.scriptFor(BAD, [], {status: 500})
    expect((await time.run(t.request(req(BAD, 'a')))).status).toBe(500)
    const second = await time.run(t.request(req(BAD, 'b')).catch((e: unknown) => e))
    expect(second).toBeInstanceOf(CircuitOpenError)
    // 4 attempts of the first request, 1 of the second: the fifth failure opened the circuit.
    expect(venue.sent.map((s) => s.id)).toEqual(['a', 'a', 'a', 'a', 'b'])
  })

  it('without the breaker (naive), every request to the broken endpoint is sent and waits for its 503s', async () => {
    const time = new VirtualTime(T0)
    const venue = new FakeVenue('alpaca', time, alpacaRules(), {min: 10, max: 10})
    venue.scriptFor(BAD, [], {status: 503})
    for (let i = 0; i < 8; i++) await time.run(venue.request(req(BAD, `n${i}`)))
    expect(venue.sent).toHaveLength(8)
  })
})
