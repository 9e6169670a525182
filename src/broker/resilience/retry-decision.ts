/**
 * The one place that decides whether a failed request is sent again, and when — for the wire (ResilientTransport,
 * per HTTP attempt) and for the port (PortRetry, per BrokerPort call on virtual time). Both classify what came back
 * into an Outcome first (a venue policy for answers, classifyRejection for errors), then ask here:
 * - rate limited: wait until the venue's reset (plus a margin), or a doubling fallback when it gave none; give up
 *   after `maxWaits` refusals or when the reset is further away than `maxWaitMs`. The wire holds its budget back
 *   until `until` either way (the venue said so), the port only while it waits;
 * - transient, or unknown on an idempotent request: back off (backoff.ts) until `maxAttempts` attempts failed;
 * - unknown on a request that is not idempotent, or a final answer: give up (pass it up) at once.
 */
import {backoffDelay} from './backoff.js'
import type {Outcome, RetryRules} from './policy.js'
import type {JitterSource} from './time.js'

/** What one request has been through so far; decideRetry counts in it. */
export interface RetryCount {
  /** Transient / unknown failures. */
  failures: number
  /** Rate-limit refusals. */
  refusals: number
}

export interface RetryContext {
  readonly now: number
  /** Safe to send again when the outcome is unknown. */
  readonly idempotent: boolean
  readonly jitter: JitterSource
  /** Longest window of the budgets the request spends: the cap of the rate-limit fallback. */
  readonly windowCapMs: number
}

export type RetryDecision =
  | {readonly kind: 'give_up'}
  /** Refused for the rate: nothing of the budget leaves before `until`; `retry` when this request waits for it. */
  | {readonly kind: 'rate_limited'; readonly until: number; readonly retry: boolean}
  | {readonly kind: 'back_off'; readonly delayMs: number}

export function decideRetry(o: Outcome, count: RetryCount, rules: RetryRules, c: RetryContext): RetryDecision {
  if (o.kind === 'answer') return {kind: 'give_up'}
  if (o.kind === 'rate_limited') {
    count.refusals++
    const rl = rules.rateLimit
    const until =
      o.resetAt !== undefined && o.resetAt > c.now
        ? o.resetAt + rl.resetMarginMs
        : c.now + Math.min(Math.max(rl.fallbackMs, c.windowCapMs), rl.fallbackMs * 2 ** (count.refusals - 1))
    return {kind: 'rate_limited', until, retry: count.refusals <= rl.maxWaits && until - c.now <= rl.maxWaitMs}
  }
  if (o.kind === 'unknown' && !c.idempotent) return {kind: 'give_up'}
  count.failures++
  if (count.failures >= rules.retry.maxAttempts) return {kind: 'give_up'}
  return {kind: 'back_off', delayMs: backoffDelay(rules.retry, count.failures, c.jitter)}
}
