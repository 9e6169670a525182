/**
 * The resilience layer every venue request goes through (OPS-08, ALP-05): the venue's rate budgets (corrected from
 * its headers on every answer), retries with backoff and jitter for retryable outcomes only, the venue's reset time
 * honoured after a rate-limit refusal (the whole budget waits, nothing is dropped or sent twice), and a circuit
 * breaker per endpoint. An unknown outcome on an endpoint that is not idempotent (order create / amend) is passed
 * up, never resent: the adapter resolves it by querying the client order id.
 *
 * Contract (see ../transport.ts): resolves with the venue's answer, which after retries is the last one (a 503 that
 * kept coming is passed up as the 503); rejects with the inner transport's error when no answer arrived and it may
 * not be retried, or with this layer's own errors (CircuitOpenError, RateLimitWaitTooLongError,
 * TransportClosedError), all retryable and none carrying request data.
 */
import {BrokenCircuitError} from 'cockatiel'
import {Rng} from '../../core/rng.js'
import type {Unsubscribe} from '../port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../transport.js'
import {EndpointBreakers} from './endpoint-breakers.js'
import {CircuitOpenError, TransportClosedError} from './errors.js'
import type {ResilienceEvents} from './events.js'
import type {BudgetSpec, EndpointPolicy, Outcome, VenuePolicy} from './policy.js'
import {RateGate, type Ticket} from './rate-gate.js'
import {decideRetry, type RetryCount} from './retry-decision.js'
import {SharedBudgets} from './sliding-budget.js'
import type {JitterSource, ResilienceTime} from './time.js'
import {wallTime} from './wall-time.js'

export interface ResilienceOptions {
  /** Clock and sleep; wall time by default. */
  readonly time?: ResilienceTime
  /** Jitter source; a seeded Rng by default (pass a per-account seed so accounts do not retry in step). */
  readonly jitter?: JitterSource
  readonly seed?: number
  /**
   * Several accounts in one process (GRID-09): give their transports the same SharedBudgets and each its own
   * `account`, so per-IP budgets are spent together and per-account budgets stay apart.
   */
  readonly sharedBudgets?: SharedBudgets
  readonly account?: string
}

/** One attempt: an answer or a rejection, and what it means. Never a rejected promise (the breaker sees values). */
interface Attempt {
  readonly response?: RawResponse
  readonly error?: unknown
  readonly outcome: Outcome
}

export interface ResilienceStats {
  /** Requests handed to the layer, attempts sent to the venue, and resends among them. */
  readonly requests: number
  readonly attempts: number
  readonly retries: number
  readonly rateLimited: number
  /** Requests refused without being sent (circuit open, wait too long, closed). */
  readonly failedFast: number
  /** Waiting for their budget right now. */
  readonly queued: number
}

const isFailure = (r: unknown): boolean => {
  const k = (r as Attempt).outcome.kind
  return k === 'transient' || k === 'unknown'
}

export class ResilientTransport implements VenueTransport {
  readonly venue: string
  private readonly time: ResilienceTime
  private readonly jitter: JitterSource
  private readonly gate: RateGate
  private readonly breakers: EndpointBreakers
  private readonly endpoints = new Map<string, EndpointPolicy>()
  private readonly closing = new AbortController()
  private seq = 0
  private counts = {requests: 0, attempts: 0, retries: 0, rateLimited: 0, failedFast: 0}

  constructor(private readonly inner: VenueTransport, private readonly policy: VenuePolicy, private readonly events: ResilienceEvents = {}, opts: ResilienceOptions = {}) {
    this.venue = inner.venue
    this.time = opts.time ?? wallTime
    this.jitter = opts.jitter ?? new Rng(opts.seed ?? 0x5eed)
    this.gate = new RateGate(this.time, this.venue, policy.rateLimit.maxWaitMs, events.onWait ? (w) => events.onWait?.(w) : undefined, opts.sharedBudgets ?? new SharedBudgets(), opts.account ?? '')
    this.breakers = new EndpointBreakers(this.time, policy.breaker, isFailure, events.onBreaker ? (endpoint, state) => events.onBreaker?.({endpoint, state}) : undefined)
  }

  stats(): ResilienceStats {
    return {...this.counts, queued: this.gate.queued}
  }

  async request(req: VenueRequest): Promise<RawResponse> {
    this.counts.requests++
    const ep = this.endpointPolicy(req.endpoint)
    const seq = this.seq++
    const breaker = this.breakers.get(req.endpoint)
    const count: RetryCount = {failures: 0, refusals: 0}
    const windowCapMs = Math.max(0, ...ep.budgets.map((b) => b.windowMs + b.marginMs))
    for (let attempt = 1; ; attempt++) {
      if (this.closing.signal.aborted) throw this.failFast(new TransportClosedError(this.venue, req.endpoint))
      const openUntil = this.breakers.openUntil(req.endpoint)
      if (openUntil !== undefined) throw this.failFast(new CircuitOpenError(this.venue, req.endpoint, openUntil, breaker.lastFailure))

      let ticket: Ticket
      try {
        ticket = await this.gate.acquire(req.endpoint, ep.budgets, seq)
      } catch (err) {
        throw this.failFast(err as Error)
      }
      let result: Attempt
      try {
        result = (await breaker.policy.execute(() => this.attempt(req))) as Attempt
      } catch (err) {
        ticket.done()
        ticket.refund()
        if (err instanceof BrokenCircuitError) {
          throw this.failFast(new CircuitOpenError(this.venue, req.endpoint, this.breakers.openUntil(req.endpoint) ?? this.time.now(), breaker.lastFailure))
        }
        throw err
      }
      this.counts.attempts++
      if (result.response) this.correctBudget(ep, result.response)
      ticket.done()

      const o = result.outcome
      if (o.kind === 'answer') return this.passUp(result)
      if (o.kind === 'rate_limited') this.counts.rateLimited++
      else breaker.lastFailure = o.what
      const d = decideRetry(o, count, this.policy, {now: this.time.now(), idempotent: ep.idempotent, jitter: this.jitter, windowCapMs})
      if (d.kind === 'rate_limited' && o.kind === 'rate_limited') {
        const scope: readonly BudgetSpec[] = o.scope === 'endpoint' && ep.headerBudget ? [ep.headerBudget] : ep.budgets
        // Hold back the rest of the budget either way; this request waits only for a reset it may wait for.
        this.gate.block(scope, d.until)
        if (!d.retry) return this.passUp(result)
        this.counts.retries++
        continue
      }
      if (d.kind !== 'back_off') return this.passUp(result)
      this.events.onRetry?.({endpoint: req.endpoint, attempt, error: o.what})
      this.counts.retries++
      try {
        await this.time.sleep(d.delayMs, this.closing.signal)
      } catch {
        throw this.failFast(new TransportClosedError(this.venue, req.endpoint))
      }
    }
  }

  subscribe(sub: StreamSubscription): Promise<void> {
    return this.inner.subscribe(sub)
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    return this.inner.onFrame(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    return this.inner.onConnection(handler)
  }

  /** Refuses what waits (TransportClosedError), cancels timers, then closes the inner transport. */
  async close(): Promise<void> {
    this.closing.abort()
    this.gate.close()
    await this.inner.close()
  }

  private async attempt(req: VenueRequest): Promise<Attempt> {
    try {
      const response = await this.inner.request(req)
      return {response, outcome: this.policy.classify(response, this.time.now())}
    } catch (error) {
      return {error, outcome: this.policy.classifyError(error, this.time.now())}
    }
  }

  private passUp(result: Attempt): RawResponse {
    if (result.response) return result.response
    throw result.error
  }

  private failFast(err: Error): Error {
    this.counts.failedFast++
    return err
  }

  /** Applies the answer's rate-limit headers to the budget they describe. */
  private correctBudget(ep: EndpointPolicy, res: RawResponse): void {
    if (!ep.headerBudget) return
    const report = this.policy.readLimits(res.headers, this.time.now())
    if (!report) return
    const budget = this.gate.budget(ep.headerBudget)
    budget.correct(report, this.time.now(), budget.inflight - 1, this.policy.rateLimit.resetMarginMs)
    this.gate.poke()
  }

  private endpointPolicy(endpoint: string): EndpointPolicy {
    let ep = this.endpoints.get(endpoint)
    if (!ep) this.endpoints.set(endpoint, (ep = this.policy.endpoint(endpoint)))
    return ep
  }
}

/** Wraps a venue transport in the resilience layer (see ResilientTransport). */
export function resilientTransport(inner: VenueTransport, policy: VenuePolicy, events?: ResilienceEvents, opts?: ResilienceOptions): ResilientTransport {
  return new ResilientTransport(inner, policy, events, opts)
}
