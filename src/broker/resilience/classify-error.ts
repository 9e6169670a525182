/**
 * Rejections of the inner transport (no answer arrived), the same for every venue: the SDK transport maps them to
 * the broker taxonomy before they get here.
 */
import {BrokerError, RateLimitError, RequestTimeoutError, RetryableError} from '../errors.js'
import type {Outcome} from './policy.js'

export function classifyRejection(err: unknown): Outcome {
  if (err instanceof RateLimitError) return {kind: 'rate_limited', scope: 'shared', ...(err.resetAt > 0 ? {resetAt: err.resetAt} : {}), what: describeError(err)}
  // The request may have reached the venue: only an idempotent endpoint may send it again.
  if (err instanceof RequestTimeoutError) return {kind: 'unknown', what: describeError(err)}
  // Certainly not processed (network error before sending, venue unavailable).
  if (err instanceof RetryableError) return {kind: 'transient', what: describeError(err)}
  return {kind: 'answer'}
}

/** Class name and code only: an inner error's message is not ours to repeat (it could quote a request). */
export function describeError(err: unknown): string {
  if (err instanceof BrokerError) return err.code !== undefined ? `${err.name} (${err.code})` : err.name
  if (err instanceof Error) return err.name
  return typeof err
}
