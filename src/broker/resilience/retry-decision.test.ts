import {describe, expect, it} from 'vitest'
import {Rng} from '../../core/rng.js'
import {ALPACA_POLICY} from './alpaca-policy.js'
import {backoffDelay} from './backoff.js'
import {portRetryRules} from './port-retry.js'
import {decideRetry, type RetryCount} from './retry-decision.js'

const fixed = (u: number) => ({next: () => u})
const fresh = (): RetryCount => ({failures: 0, refusals: 0})
const port = portRetryRules({maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRateLimitWaits: 2})

describe('backoffDelay', () => {
  it('keeps both historical roundings: the wire floors d/2 + u·d/2, the port rounds d·(0.5 + 0.5u)', () => {
    const rng = new Rng(7)
    for (let i = 0; i < 500; i++) {
      const u = rng.next()
      const n = 1 + (i % 8)
      const d = Math.min(30_000, 500 * 2 ** (n - 1))
      expect(backoffDelay({initialDelayMs: 500, maxDelayMs: 30_000}, n, fixed(u))).toBe(Math.floor(d / 2 + (u * d) / 2))
      expect(backoffDelay({initialDelayMs: 500, maxDelayMs: 30_000, rounding: 'round'}, n, fixed(u))).toBe(Math.round(d * (0.5 + 0.5 * u)))
    }
  })
})

describe('decideRetry', () => {
  it('port rules: waits for the reset as given, or retries at once without one; gives up after maxWaits', () => {
    const c = fresh()
    const ctx = {now: 1_000, idempotent: true, jitter: fixed(0.5), windowCapMs: 0}
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', resetAt: 7_500, what: '429'}, c, port, ctx)).toEqual({kind: 'rate_limited', until: 7_500, retry: true})
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', what: '429'}, c, port, ctx)).toEqual({kind: 'rate_limited', until: 1_000, retry: true})
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', resetAt: 2_000, what: '429'}, c, port, ctx)).toMatchObject({retry: false})
  })

  it('wire rules: adds the reset margin; a reset beyond maxWaitMs is not waited for', () => {
    const ctx = {now: 0, idempotent: true, jitter: fixed(0.5), windowCapMs: 61_000}
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', resetAt: 5_000, what: '429'}, fresh(), ALPACA_POLICY, ctx)).toEqual({kind: 'rate_limited', until: 6_000, retry: true})
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', resetAt: 90_000, what: '429'}, fresh(), ALPACA_POLICY, ctx)).toMatchObject({retry: false})
    // No reset: the fallback, doubling per refusal.
    const c = fresh()
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', what: '429'}, c, ALPACA_POLICY, ctx)).toMatchObject({until: 1_000})
    expect(decideRetry({kind: 'rate_limited', scope: 'shared', what: '429'}, c, ALPACA_POLICY, ctx)).toMatchObject({until: 2_000})
  })

  it('backs off transient failures until maxAttempts; an unknown outcome only when idempotent; an answer never', () => {
    const c = fresh()
    const ctx = {now: 0, idempotent: true, jitter: fixed(1), windowCapMs: 0}
    expect(decideRetry({kind: 'transient', what: 'HTTP 503'}, c, port, ctx)).toEqual({kind: 'back_off', delayMs: 100})
    expect(decideRetry({kind: 'unknown', what: 'timeout'}, c, port, ctx)).toEqual({kind: 'back_off', delayMs: 200})
    expect(decideRetry({kind: 'transient', what: 'HTTP 503'}, c, port, ctx)).toEqual({kind: 'give_up'})
    expect(decideRetry({kind: 'unknown', what: 'timeout'}, fresh(), port, {...ctx, idempotent: false})).toEqual({kind: 'give_up'})
    expect(decideRetry({kind: 'answer'}, fresh(), port, ctx)).toEqual({kind: 'give_up'})
  })
})
