/**
 * Retry at the port, on the engine's Scheduler and Clock, for BrokerPort calls that are safe to repeat (queries,
 * cancels, and submissions re-sent with the SAME client order id). The decision is the wire's (decideRetry over
 * classifyRejection), so a rate limit waits until the venue's reset time and holds back every other call of the
 * budget too (ALP-05); other retryable errors back off with seeded jitter; final errors are returned at once.
 * Nothing is dropped: the caller gets the result or the last error.
 *
 * Why a port-level layer at all: a simulated venue has no wire, so this is where its budget and retries act. On a
 * live venue the wire's ResilientTransport has already throttled and retried every HTTP attempt; what still reaches
 * this layer is what the wire gave up on (circuit open, a reset further away than it may wait, attempts used up),
 * which the services wait out on their longer horizon with the same client order id.
 */
import type {Clock} from '../../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../../core/time/scheduler.js'
import {classifyRejection} from './classify-error.js'
import type {RetryRules} from './policy.js'
import type {PortBudget} from './port-budget.js'
import {decideRetry, type RetryCount} from './retry-decision.js'
import type {JitterSource} from './time.js'

/** The port's retry numbers, as the services configure them. */
export interface PortRetryOptions {
  /** Attempts for retryable errors other than rate limits (the first attempt included). */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** Rate-limit refusals tolerated for one call before giving up. */
  readonly maxRateLimitWaits: number
}

export const DEFAULT_PORT_RETRY: PortRetryOptions = {maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRateLimitWaits: 20}

/**
 * The port's options as RetryRules. The venue's reset time is taken as given (no margin: a simulated venue and the
 * engine share one clock), a reset is waited for however far away it is, a refusal without one is retried at once
 * (the budget paces it), and delays are rounded as the port always rounded them (the journals pin them).
 */
export function portRetryRules(o: PortRetryOptions): RetryRules {
  return {
    retry: {maxAttempts: o.maxAttempts, initialDelayMs: o.baseDelayMs, maxDelayMs: o.maxDelayMs, rounding: 'round'},
    rateLimit: {maxWaits: o.maxRateLimitWaits, maxWaitMs: Infinity, fallbackMs: 0, resetMarginMs: 0},
  }
}

export interface Backoff {
  readonly label: string
  readonly cause: 'rate_limit' | 'retryable'
  readonly error: string
  /** When the next attempt may go out. */
  readonly until: number
  readonly attempt: number
}

/** The policy was stopped (its owner was torn down) while a call was waiting to be retried. */
export class RetryAbortedError extends Error {
  override readonly name = 'RetryAbortedError'
}

export interface PortRetryDeps {
  readonly scheduler: Scheduler
  readonly clock: Clock
  /** Jitter; seeded, so a run stays a function of its inputs. */
  readonly rng: JitterSource
  /** Every attempt waits for the budget (and honours its reset time). */
  readonly budget?: PortBudget
  readonly onBackoff?: (b: Backoff) => void
}

export class PortRetry {
  private stopped = false
  private readonly timers = new Set<TimerHandle>()
  private readonly aborts = new Set<(err: Error) => void>()

  constructor(private readonly deps: PortRetryDeps, private readonly rules: RetryRules = portRetryRules(DEFAULT_PORT_RETRY)) {}

  /**
   * Runs `call` (attempt number from 1) until it resolves, fails with a final error, or the attempts run out.
   * `call` must be safe to repeat.
   */
  run<T>(label: string, call: (attempt: number) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.stopped) {
        reject(new RetryAbortedError(`${label}: retry policy stopped`))
        return
      }
      let attempt = 0
      const count: RetryCount = {failures: 0, refusals: 0}
      const abort = (err: Error): void => reject(err)
      this.aborts.add(abort)
      const done = (): void => void this.aborts.delete(abort)
      const send = (): void => {
        if (this.stopped) return
        attempt++
        call(attempt).then(
          (v) => {
            done()
            resolve(v)
          },
          (err: unknown) => {
            if (this.stopped) return
            const now = this.deps.clock.now()
            // Port calls are declared safe to repeat, so an unknown outcome is retried like a transient one.
            const d = decideRetry(classifyRejection(err), count, this.rules, {now, idempotent: true, jitter: this.deps.rng, windowCapMs: 0})
            // Unlike the wire, the port holds its budget back only for a reset it waits for (as it always has).
            if (d.kind === 'rate_limited' && d.retry) {
              this.deps.budget?.blockUntil(d.until)
              this.deps.onBackoff?.({label, cause: 'rate_limit', error: (err as Error).message, until: d.until, attempt})
              this.later(d.until, go)
              return
            }
            if (d.kind === 'back_off') {
              const until = now + d.delayMs
              this.deps.onBackoff?.({label, cause: 'retryable', error: String((err as Error).message), until, attempt})
              this.later(until, go)
              return
            }
            done()
            reject(err)
          },
        )
      }
      const go = (): void => {
        if (this.deps.budget) this.deps.budget.take(send)
        else send()
      }
      go()
    })
  }

  /** Cancels every pending retry; waiting calls reject with RetryAbortedError. */
  stop(): void {
    this.stopped = true
    for (const t of this.timers) t.cancel()
    this.timers.clear()
    for (const abort of this.aborts) abort(new RetryAbortedError('retry policy stopped before the call completed'))
    this.aborts.clear()
  }

  private later(at: number, fn: () => void): void {
    const h = this.deps.scheduler.at(at, () => {
      this.timers.delete(h)
      fn()
    })
    this.timers.add(h)
  }
}
