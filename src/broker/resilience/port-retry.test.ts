import {describe, expect, it} from 'vitest'
import {Rng} from '../../core/rng.js'
import {ManualScheduler} from '../../../test/support/manual-scheduler.js'
import {InvalidOrderError, RateLimitError, VenueUnavailableError} from '../errors.js'
import {PortBudget} from './port-budget.js'
import {type Backoff, PortRetry, portRetryRules, RetryAbortedError} from './port-retry.js'

/**
 * A venue answer: settles after `ms` on the scheduler, like the simulator's (so the retry continues in virtual time;
 * the scheduler lets the continuation run before its next timer).
 */
function later<T>(loop: ManualScheduler, ms: number, settle: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => loop.after(ms, () => settle(resolve, reject)))
}

function setup(budget = false) {
  const loop = new ManualScheduler(0)
  const backoffs: Backoff[] = []
  const b = budget ? new PortBudget(loop, loop.clock, 10, 1_000) : undefined
  const policy = new PortRetry({scheduler: loop, clock: loop.clock, rng: new Rng(1), budget: b, onBackoff: (x) => backoffs.push(x)}, portRetryRules({maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRateLimitWaits: 5}))
  return {loop, policy, backoffs, budget: b}
}

describe('PortRetry', () => {
  it('waits until the reset time of a rate limit, then succeeds with one more call', async () => {
    const {loop, policy, backoffs, budget} = setup(true)
    const calls: number[] = []
    const p = policy.run('q', () => {
      calls.push(loop.clock.now())
      return later<string>(loop, 0, (ok, fail) => (calls.length === 1 ? fail(new RateLimitError('429', 'sim', 7_500)) : ok('ok')))
    })
    let out: unknown
    void p.then((v) => (out = v))
    await loop.runAll()
    await null
    expect(out).toBe('ok')
    expect(calls).toEqual([0, 7_500])
    expect(backoffs).toEqual([{label: 'q', cause: 'rate_limit', error: '429', until: 7_500, attempt: 1}])
    // The whole budget honours the reset, not only the call that hit it.
    expect(budget!.resetAt).toBe(7_500)
  })

  it('backs off exponentially on retryable errors and gives up after maxAttempts with the last error', async () => {
    const {loop, policy, backoffs} = setup()
    let n = 0
    const p = policy.run('q', () => later(loop, 0, (_, fail) => fail(new VenueUnavailableError(`down ${++n}`, 'sim'))))
    let err: unknown
    p.catch((e: unknown) => (err = e))
    await loop.runAll()
    await null
    expect(n).toBe(3)
    expect((err as Error).message).toBe('down 3')
    expect(backoffs).toHaveLength(2)
    // Jittered within [50 %, 100 %] of 100 ms, then of 200 ms.
    expect(backoffs[0].until).toBeGreaterThanOrEqual(50)
    expect(backoffs[0].until).toBeLessThanOrEqual(100)
    expect(backoffs[1].until - backoffs[0].until).toBeGreaterThanOrEqual(100)
  })

  it('returns a final error at once', async () => {
    const {loop, policy} = setup()
    let n = 0
    let err: unknown
    policy.run('q', () => (n++, later(loop, 0, (_, fail) => fail(new InvalidOrderError('bad', 'sim'))))).catch((e: unknown) => (err = e))
    await loop.runAll()
    await null
    expect(n).toBe(1)
    expect(err).toBeInstanceOf(InvalidOrderError)
  })

  it('stop() abandons waiting retries instead of sending them later', async () => {
    const {loop, policy} = setup()
    let n = 0
    let err: unknown
    policy.run('q', () => (n++, later(loop, 0, (_, fail) => fail(new RateLimitError('429', 'sim', 5_000))))).catch((e: unknown) => (err = e))
    await loop.runUntil(1_000)
    policy.stop()
    await loop.runAll()
    await null
    expect(n).toBe(1)
    expect(err).toBeInstanceOf(RetryAbortedError)
  })
})
