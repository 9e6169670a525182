/**
 * Broker error taxonomy, after ccxt: retryable errors (the request may succeed if sent again, with the same
 * client order id) apart from final ones (sending it again cannot help). Messages never carry credentials.
 */

export abstract class BrokerError extends Error {
  abstract readonly retryable: boolean
  constructor(message: string, readonly venue: string, readonly code?: string) {
    super(message)
  }
}

/** The request may or may not have reached the venue; retry with the same client order id, or query it. */
export class RetryableError extends BrokerError {
  override name = 'RetryableError'
  readonly retryable = true
}

export class NetworkError extends RetryableError {
  override name = 'NetworkError'
}

/** The outcome is unknown (timeout, dropped connection): resolve by querying the client order id. */
export class RequestTimeoutError extends RetryableError {
  override name = 'RequestTimeoutError'
}

export class VenueUnavailableError extends RetryableError {
  override name = 'VenueUnavailableError'
}

/** HTTP 429 / Bybit retCode 10006. `resetAt` is the venue time when the budget refills. */
export class RateLimitError extends RetryableError {
  override name = 'RateLimitError'
  constructor(message: string, venue: string, readonly resetAt: number, code?: string) {
    super(message, venue, code)
  }
}

export class FinalError extends BrokerError {
  override name = 'FinalError'
  readonly retryable = false
}

export class OrderRejectedError extends FinalError {
  override name = 'OrderRejectedError'
}

export class InsufficientFundsError extends OrderRejectedError {
  override name = 'InsufficientFundsError'
}

export class InvalidOrderError extends OrderRejectedError {
  override name = 'InvalidOrderError'
}

export class MarketClosedError extends OrderRejectedError {
  override name = 'MarketClosedError'
}

export class DuplicateClientOrderIdError extends OrderRejectedError {
  override name = 'DuplicateClientOrderIdError'
}

export class OrderNotFoundError extends FinalError {
  override name = 'OrderNotFoundError'
}

export class AuthenticationError extends FinalError {
  override name = 'AuthenticationError'
}

export function isRetryable(err: unknown): boolean {
  return err instanceof BrokerError && err.retryable
}
