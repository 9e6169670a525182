/**
 * Alpaca errors → the core taxonomy. The typed error is built from the HTTP status, Alpaca's error code and its
 * message only (scrubbed of any known credential); the SDK's error object is never attached or copied.
 *
 * | HTTP (or code prefix)      | condition                                        | error |
 * |----------------------------|--------------------------------------------------|-------|
 * | 401 / 401xxxxx             |                                                  | AuthenticationError |
 * | 403 / 403xxxxx             | message says insufficient / buying power         | InsufficientFundsError |
 * | 403 / 403xxxxx             | otherwise (key lacks permission, account blocked)| AuthenticationError |
 * | 404 / 404xxxxx             |                                                  | OrderNotFoundError |
 * | 400, 422 / 400xxxxx, 422xxxxx | "client_order_id must be unique"              | DuplicateClientOrderIdError |
 * | 400, 422 / 400xxxxx, 422xxxxx | otherwise                                     | InvalidOrderError |
 * | 429 / 429xxxxx             | resetAt from X-RateLimit-Reset (unix seconds), else 0 (no reset time given) | RateLimitError |
 * | 408, 504                   | the venue may have done the work                 | RequestTimeoutError |
 * | other 5xx                  |                                                  | VenueUnavailableError |
 * | other 4xx                  |                                                  | FinalError |
 * | no response: timeout / abort |                                                | RequestTimeoutError |
 * | no response: anything else |                                                  | NetworkError |
 * | stream `authorization` frame with status unauthorized |                       | AuthenticationError |
 */
import {
  AuthenticationError, type BrokerError, DuplicateClientOrderIdError, FinalError, InsufficientFundsError, InvalidOrderError,
  NetworkError, OrderNotFoundError, RateLimitError, RequestTimeoutError, VenueUnavailableError,
} from '../../broker/errors.js'
import {errorParts, headerOf, isTimeout, safeText, secretsIn} from '../sdk-errors.js'
import {AlpacaErrorBodySchema} from './schemas.js'

const VENUE = 'alpaca'

export interface AlpacaErrorContext {
  /** Credentials to scrub from venue text, in addition to the ones found on the error object. */
  readonly secrets?: readonly string[]
}

export function mapAlpacaError(raw: unknown, ctx: AlpacaErrorContext = {}): BrokerError {
  const secrets = [...(ctx.secrets ?? []), ...secretsIn(raw)]
  if (isUnauthorizedFrame(raw)) return new AuthenticationError('alpaca: stream authentication refused; check APCA key id and secret', VENUE, 'unauthorized')

  const parts = errorParts(raw)
  const parsedBody = AlpacaErrorBodySchema.safeParse(parts.body)
  const body = parsedBody.success ? parsedBody.data : undefined
  const bodyCode = typeof body?.code === 'number' ? body.code : undefined
  // Alpaca's numeric codes start with the HTTP status (40310000 → 403).
  const status = parts.status ?? (bodyCode !== undefined && bodyCode >= 1e7 ? Math.floor(bodyCode / 1e5) : undefined)
  const venueText = safeText(body?.message ?? (typeof parts.body === 'string' ? parts.body : ''), secrets)
  const code = body?.code !== undefined ? String(body.code) : status !== undefined ? `http_${status}` : parts.code
  const what = `alpaca: ${status !== undefined ? `HTTP ${status}` : 'request failed'}${body?.code !== undefined ? ` (code ${safeText(String(body.code), secrets)})` : ''}`
  const msg = (hint: string) => `${what}${venueText ? `: ${venueText}` : ''}; ${hint}`

  if (status === undefined) {
    const text = safeText(parts.text ?? parts.message ?? parts.code ?? parts.name ?? 'no response', secrets)
    if (isTimeout(parts)) return new RequestTimeoutError(`alpaca: request timed out (${text}); the outcome is unknown, query the client order id`, VENUE, parts.code)
    return new NetworkError(`alpaca: network error (${text}); retry with the same client order id`, VENUE, parts.code)
  }
  if (status === 401) return new AuthenticationError(msg('check APCA key id and secret'), VENUE, code)
  if (status === 403) {
    if (/insufficient|buying power|not sufficient/i.test(venueText)) return new InsufficientFundsError(msg('reduce the order or add funds'), VENUE, code)
    return new AuthenticationError(msg('the key lacks permission or the account is blocked'), VENUE, code)
  }
  if (status === 404) return new OrderNotFoundError(msg('the venue does not know this order'), VENUE, code)
  if (status === 400 || status === 422) {
    if (/client_order_id must be unique|duplicate client/i.test(venueText)) return new DuplicateClientOrderIdError(msg('an order with this client order id exists: query it'), VENUE, code)
    return new InvalidOrderError(msg('fix the order parameters'), VENUE, code)
  }
  if (status === 429) {
    const reset = Number(headerOf(parts.headers, 'X-RateLimit-Reset'))
    const resetAt = Number.isFinite(reset) && reset > 0 ? reset * 1000 : 0
    return new RateLimitError(msg('rate limit exceeded, wait for the reset'), VENUE, resetAt, code)
  }
  if (status === 408 || status === 504) return new RequestTimeoutError(msg('the outcome is unknown, query the client order id'), VENUE, code)
  if (status >= 500) return new VenueUnavailableError(msg('venue unavailable, retry later'), VENUE, code)
  return new FinalError(msg('request refused'), VENUE, code)
}

function isUnauthorizedFrame(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false
  const r = raw as {stream?: unknown; data?: {status?: unknown}}
  return r.stream === 'authorization' && typeof r.data === 'object' && r.data !== null && r.data.status === 'unauthorized'
}
