/**
 * One circuit breaker per endpoint, on cockatiel's CircuitBreakerPolicy with a ConsecutiveBreaker: after N failed
 * attempts in a row the endpoint fails fast (CircuitOpenError, nothing sent) while the venue's other endpoints keep
 * working; after the open period one trial request goes through (half-open) and its outcome closes or re-opens it,
 * each re-open doubling the period up to a cap.
 *
 * Time: cockatiel decides "open period over?" as `Date.now() - openedAt < backoff.duration`. The half-open backoff
 * below answers that from the injected clock instead (duration +Infinity while open, -Infinity once due), so the
 * breaker follows the layer's time — virtual in tests, wall in a session.
 */
import {CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhenResult, type IBackoff, type IBackoffFactory, type IHalfOpenAfterBackoffContext} from 'cockatiel'
import type {BreakerSettings} from './policy.js'
import type {ResilienceTime} from './time.js'

export type BreakerState = 'open' | 'half_open' | 'closed'

/** Open periods on the injected clock; remembers when the current one ends, for failing fast before queueing. */
class ClockHalfOpen implements IBackoffFactory<IHalfOpenAfterBackoffContext> {
  until = -Infinity

  constructor(private readonly time: ResilienceTime, private readonly settings: BreakerSettings) {}

  next(ctx: IHalfOpenAfterBackoffContext): IBackoff<IHalfOpenAfterBackoffContext> {
    const period = Math.min(this.settings.maxHalfOpenAfterMs, this.settings.halfOpenAfterMs * 2 ** Math.max(0, ctx.attempt - 1))
    const until = this.time.now() + period
    this.until = until
    const time = this.time
    return {
      get duration() {
        return time.now() < until ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
      },
      next: (c) => this.next(c),
    }
  }
}

interface Entry {
  readonly policy: CircuitBreakerPolicy
  readonly halfOpen: ClockHalfOpen
  lastFailure: string
}

export class EndpointBreakers {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly time: ResilienceTime,
    private readonly settings: BreakerSettings,
    /** Which execution results count as failures. */
    private readonly isFailure: (result: unknown) => boolean,
    private readonly onState?: (endpoint: string, state: BreakerState) => void,
  ) {}

  get(endpoint: string): Entry {
    let e = this.entries.get(endpoint)
    if (e) return e
    const halfOpen = new ClockHalfOpen(this.time, this.settings)
    const policy = circuitBreaker(handleWhenResult(this.isFailure), {breaker: new ConsecutiveBreaker(this.settings.consecutiveFailures), halfOpenAfter: halfOpen})
    e = {policy, halfOpen, lastFailure: 'none'}
    const onState = this.onState
    if (onState) {
      policy.onStateChange((s) => {
        const state: BreakerState | undefined = s === CircuitState.Open ? 'open' : s === CircuitState.HalfOpen ? 'half_open' : s === CircuitState.Closed ? 'closed' : undefined
        if (state) onState(endpoint, state)
      })
    }
    this.entries.set(endpoint, e)
    return e
  }

  /** The end of the endpoint's open period, if it is open and the period has not passed; else undefined. */
  openUntil(endpoint: string): number | undefined {
    const e = this.entries.get(endpoint)
    if (!e || e.policy.state !== CircuitState.Open) return undefined
    return this.time.now() < e.halfOpen.until ? e.halfOpen.until : undefined
  }

  state(endpoint: string): BreakerState {
    const s = this.entries.get(endpoint)?.policy.state
    return s === CircuitState.Open ? 'open' : s === CircuitState.HalfOpen ? 'half_open' : 'closed'
  }
}
