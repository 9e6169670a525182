/**
 * What the resilience layer needs to know about a venue: its request budgets, which endpoints spend which
 * budgets and whether resending them is safe, how to read its rate-limit headers, and how to tell a retryable
 * answer from a final one. The layer itself is venue-agnostic; ALPACA_POLICY and BYBIT_POLICY fill this in.
 */
import type {RawResponse} from '../transport.js'
import type {BackoffSettings} from './backoff.js'

/** A sliding-window budget: at most `limit` requests leave in any `windowMs + marginMs`. */
export interface BudgetSpec {
  /** Unique within a policy; requests naming the same id share the budget. */
  readonly id: string
  readonly limit: number
  readonly windowMs: number
  /**
   * Added to the window: requests are counted when they leave, the venue counts them when they arrive, and
   * latency varies. The margin must exceed the spread of one-way latency, or a venue's window can see more than
   * `limit` arrivals although they left within budget.
   */
  readonly marginMs: number
  /**
   * Counted per IP, not per account (Bybit's 600 per 5 s): transports of several accounts in one process that pass
   * the same `SharedBudgets` spend one such budget together. Other budgets are per account.
   */
  readonly perIp?: boolean
}

export interface EndpointPolicy {
  /** Budgets the request spends, every one of which must allow it. */
  readonly budgets: readonly BudgetSpec[]
  /** The budget the venue's rate-limit headers describe for this endpoint (corrected from every answer). */
  readonly headerBudget?: BudgetSpec
  /**
   * Safe to send again when the outcome is unknown (timeout, 504). An order create or amend is not: the adapter
   * resolves its unknown outcome by querying the client order id.
   */
  readonly idempotent: boolean
}

/** What the venue's headers said about the endpoint's budget. */
export interface LimitReport {
  readonly limit?: number
  readonly remaining?: number
  /** Epoch ms at which the venue's window resets. */
  readonly resetAt?: number
}

/**
 * An attempt's outcome:
 * - `answer`: pass up unchanged (success, or a final error for the adapter to map);
 * - `rate_limited`: the venue refused for the rate; wait until `resetAt` (or back off when none is given) and
 *   send again, holding back the other requests of `scope` ('endpoint': the endpoint's own budget, 'shared': every
 *   budget the request spends);
 * - `transient`: refused before being processed (5xx, service restarting, network error): safe to resend;
 * - `unknown`: may have been processed (timeout, 504): resent only when the endpoint is idempotent.
 */
export type Outcome =
  | {readonly kind: 'answer'}
  | {readonly kind: 'rate_limited'; readonly scope: 'endpoint' | 'shared'; readonly resetAt?: number; readonly what: string}
  | {readonly kind: 'transient'; readonly what: string}
  | {readonly kind: 'unknown'; readonly what: string}

export interface RetrySettings extends BackoffSettings {
  /** Attempts for transient / unknown outcomes, the first included. */
  readonly maxAttempts: number
}

export interface RateLimitSettings {
  /** Rate-limit refusals one request tolerates before its last answer is passed up. */
  readonly maxWaits: number
  /** A reset further away than this is not waited for: the answer (or a RateLimitWaitTooLongError) is passed up. */
  readonly maxWaitMs: number
  /** Wait after a refusal without a usable reset time (doubles per refusal of the same request, up to the window). */
  readonly fallbackMs: number
  /** Added to a venue's reset time (clock skew between us and the venue). */
  readonly resetMarginMs: number
}

export interface BreakerSettings {
  /** Consecutive failed attempts on one endpoint that open its circuit. */
  readonly consecutiveFailures: number
  /** First open period; doubles each time a half-open trial fails, up to `maxHalfOpenAfterMs`. */
  readonly halfOpenAfterMs: number
  readonly maxHalfOpenAfterMs: number
}

/** When to send again and how long to wait: the part of a policy that decideRetry reads, at the wire and the port. */
export interface RetryRules {
  readonly retry: RetrySettings
  readonly rateLimit: RateLimitSettings
}

export interface VenuePolicy extends RetryRules {
  readonly venue: string
  endpoint(endpoint: string): EndpointPolicy
  /** Classifies an HTTP answer (status, headers, parsed body) at local time `now`. */
  classify(response: RawResponse, now: number): Outcome
  /** Classifies a rejection of the inner transport (no answer arrived). */
  classifyError(err: unknown, now: number): Outcome
  /** Reads the rate-limit headers of an answer, if it has any. */
  readLimits(headers: Readonly<Record<string, string>>, now: number): LimitReport | undefined
  readonly breaker: BreakerSettings
}

/** "POST /v2/orders/{order_id}" → {method: 'POST', path: '/v2/orders/{order_id}'}. */
export function splitEndpoint(endpoint: string): {method: string; path: string} {
  const space = endpoint.indexOf(' ')
  if (space < 0) return {method: 'GET', path: endpoint}
  return {method: endpoint.slice(0, space).toUpperCase(), path: endpoint.slice(space + 1).trim()}
}

/** A non-negative integer header value, or undefined. */
export function headerInt(headers: Readonly<Record<string, string>>, name: string): number | undefined {
  const v = headers[name]
  if (typeof v !== 'string' || !/^\s*\d{1,16}\s*$/.test(v)) return undefined
  return Number(v)
}
