/**
 * The resilience layer's own rejections. Each is retryable (nothing reached the venue) and says what to do; none
 * carries a request's parameters, a response body or an inner error's message, so no credential can ride along.
 */
import {NetworkError, RateLimitError, VenueUnavailableError} from '../errors.js'

/** The endpoint's circuit is open after repeated failures: fail fast instead of hammering a broken endpoint. */
export class CircuitOpenError extends VenueUnavailableError {
  override name = 'CircuitOpenError'
  constructor(venue: string, readonly endpoint: string, readonly retryAt: number, lastFailure: string) {
    super(`${venue}: circuit open for ${endpoint} after repeated failures (last: ${lastFailure}); not sent, retry after ${new Date(retryAt).toISOString()}`, venue, 'circuit_open')
  }
}

/** The venue's reset time is further away than the policy lets a request wait: not sent, the caller decides. */
export class RateLimitWaitTooLongError extends RateLimitError {
  override name = 'RateLimitWaitTooLongError'
  constructor(venue: string, readonly endpoint: string, resetAt: number, maxWaitMs: number) {
    super(`${venue}: ${endpoint} is rate limited until ${new Date(resetAt).toISOString()}, longer than the ${maxWaitMs} ms a request may wait; not sent, retry after the reset`, venue, resetAt, 'rate_limit_wait')
  }
}

/** The transport was closed while the request waited for its budget or a retry: it was never sent. */
export class TransportClosedError extends NetworkError {
  override name = 'TransportClosedError'
  constructor(venue: string, readonly endpoint: string) {
    super(`${venue}: transport closed before ${endpoint} was sent`, venue, 'closed')
  }
}
