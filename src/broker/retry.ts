/**
 * Retry with backoff on the engine's scheduler, for broker calls that are safe to repeat (queries, cancels, and
 * submissions re-sent with the SAME client order id). A rate limit waits until the venue's reset time and holds
 * back every other request of the budget too (ALP-05); other retryable errors back off exponentially with seeded
 * jitter; final errors are returned at once. Nothing is dropped: the caller gets the result or the last error.
 */
import type {Rng} from '../core/rng.js'
import type {Clock} from '../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../core/time/scheduler.js'
import {isRetryable, RateLimitError} from './errors.js'
import type {RequestBudget} from './request-budget.js'

export interface RetryOptions {
  /** Attempts for retryable errors other than rate limits (the first attempt included). */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** Rate-limit refusals tolerated for one call before giving up. */
  readonly maxRateLimitWaits: number
}

export const DEFAULT_RETRY: RetryOptions = {maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRateLimitWaits: 20}

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

export interface RetryDeps {
  readonly scheduler: Scheduler
  readonly clock: Clock
  /** Jitter; seeded, so a run stays a function of its inputs. */
  readonly rng: Rng
  /** Every attempt waits for the budget (and honours its reset time). */
  readonly budget?: RequestBudget
  readonly onBackoff?: (b: Backoff) => void
}

export class RetryPolicy {
  private stopped = false
  private readonly timers = new Set<TimerHandle>()
  private readonly aborts = new Set<(err: Error) => void>()

  constructor(private readonly deps: RetryDeps, private readonly opts: RetryOptions = DEFAULT_RETRY) {}

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
      let failures = 0
      let limited = 0
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
            if (err instanceof RateLimitError && ++limited <= this.opts.maxRateLimitWaits) {
              const until = Math.max(err.resetAt, now)
              this.deps.budget?.blockUntil(until)
              this.deps.onBackoff?.({label, cause: 'rate_limit', error: err.message, until, attempt})
              this.later(until, go)
              return
            }
            if (isRetryable(err) && !(err instanceof RateLimitError) && ++failures < this.opts.maxAttempts) {
              const nominal = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (failures - 1))
              const until = now + Math.round(nominal * (0.5 + 0.5 * this.deps.rng.next()))
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
