/**
 * Bybit errors → the core taxonomy. Inputs: a resolved reply with retCode ≠ 0 (bybit-api resolves those), a
 * websocket trade API reply, bybit-api's HTTP rejection `{code: status, message, body, headers, requestOptions}`
 * (whose requestOptions hold the API key and secret), a network error, or a bare string. The typed error is built
 * from the retCode / HTTP status and the venue's message only, scrubbed of every credential found on the input;
 * the input object is never attached (no `cause`) or copied.
 *
 * retCode table (Bybit v5 error codes; anything not listed is a FinalError, never blindly retried):
 *
 * | retCode                                                    | error |
 * |------------------------------------------------------------|-------|
 * | 10006, 10018                                               | RateLimitError (resetAt from X-Bapi-Limit-Reset-Timestamp) |
 * | 10000, 5004 (server timeout)                               | RequestTimeoutError (outcome unknown: query the orderLinkId) |
 * | 10016, 10019 (service error / restarting)                  | VenueUnavailableError |
 * | 10002 (timestamp outside recv_window)                      | RetryableError (resync the clock, resend) |
 * | 10003, 10004, 10005, 10007, 10008, 10009, 10010, 10020, 10027 | AuthenticationError (key, signature, permission, ban, IP) |
 * | 10001, 10014, 10029                                        | InvalidOrderError (parameters, duplicate request, symbol) |
 * | 110001, 170213                                             | OrderNotFoundError |
 * | 110072                                                     | DuplicateClientOrderIdError (orderLinkId reused) |
 * | 110066                                                     | MarketClosedError (no trading at the current time) |
 * | 110004, 110006, 110007, 110012, 110014, 110044, 110045, 110051–110053, 170131 | InsufficientFundsError |
 * | other 110xxx, 170xxx (order rules)                          | InvalidOrderError |
 *
 * HTTP without a retCode: 429 → RateLimitError; 403 → RateLimitError (Bybit answers an IP-limit breach with 403
 * and bans the IP for 10 minutes; resetAt = header, else now + 10 min when `now` is given); 401 →
 * AuthenticationError; 408 / 504 → RequestTimeoutError; other 5xx → VenueUnavailableError; other 4xx → FinalError.
 * No response: a timeout or abort → RequestTimeoutError, anything else → NetworkError.
 * When no reset time is known, resetAt is 0: "no time given", the retry policy's own backoff applies.
 */
import {
  AuthenticationError, type BrokerError, DuplicateClientOrderIdError, FinalError, InsufficientFundsError, InvalidOrderError,
  MarketClosedError, NetworkError, OrderNotFoundError, RateLimitError, RequestTimeoutError, RetryableError, VenueUnavailableError,
} from '../../broker/errors.js'
import {errorParts, headerOf, isTimeout, safeText, secretsIn} from '../sdk-errors.js'

const VENUE = 'bybit'
const IP_BAN_MS = 10 * 60_000

type ErrorClass = 'rate_limit' | 'timeout' | 'unavailable' | 'retry' | 'auth' | 'invalid' | 'not_found' | 'duplicate' | 'closed' | 'funds'

export const BYBIT_RET_CODES: Readonly<Record<number, ErrorClass>> = {
  10006: 'rate_limit', 10018: 'rate_limit',
  10000: 'timeout', 5004: 'timeout',
  10016: 'unavailable', 10019: 'unavailable',
  10002: 'retry',
  10003: 'auth', 10004: 'auth', 10005: 'auth', 10007: 'auth', 10008: 'auth', 10009: 'auth', 10010: 'auth', 10020: 'auth', 10027: 'auth',
  10001: 'invalid', 10014: 'invalid', 10029: 'invalid',
  110001: 'not_found', 170213: 'not_found',
  110072: 'duplicate',
  110066: 'closed',
  110004: 'funds', 110006: 'funds', 110007: 'funds', 110012: 'funds', 110014: 'funds', 110044: 'funds', 110045: 'funds',
  110051: 'funds', 110052: 'funds', 110053: 'funds', 170131: 'funds',
}

export interface BybitErrorContext {
  /** Venue-clock now, for a reset time Bybit implies but does not send (403 IP ban). */
  readonly now?: number
  /** Credentials to scrub from venue text, in addition to the ones found on the error object. */
  readonly secrets?: readonly string[]
}

/** The retCode class of a code: the table, then the order-rule ranges. */
export function bybitRetCodeClass(code: number): ErrorClass | undefined {
  const known = BYBIT_RET_CODES[code]
  if (known) return known
  if ((code >= 110000 && code < 111000) || (code >= 170000 && code < 171000)) return 'invalid'
  return undefined
}

export function mapBybitError(raw: unknown, ctx: BybitErrorContext = {}): BrokerError {
  const secrets = [...(ctx.secrets ?? []), ...secretsIn(raw)]
  const parts = errorParts(raw)
  // A reply (resolved or inside an HTTP rejection's body) carries retCode / retMsg.
  const reply = replyOf(raw) ?? replyOf(parts.body)
  const resetHeader = resetFrom(raw, parts)

  if (reply) {
    const text = safeText(reply.retMsg, secrets)
    const code = String(reply.retCode)
    const msg = (hint: string) => `bybit: retCode ${reply.retCode}${text ? ` (${text})` : ''}; ${hint}`
    switch (bybitRetCodeClass(reply.retCode)) {
      case 'rate_limit': return new RateLimitError(msg('rate limit exceeded, wait for the reset'), VENUE, resetHeader ?? 0, code)
      case 'timeout': return new RequestTimeoutError(msg('the outcome is unknown, query the orderLinkId'), VENUE, code)
      case 'unavailable': return new VenueUnavailableError(msg('venue unavailable, retry later'), VENUE, code)
      case 'retry': return new RetryableError(msg('request timestamp outside recv_window: resync the clock and resend'), VENUE, code)
      case 'auth': return new AuthenticationError(msg('check the API key, secret, permissions and IP whitelist'), VENUE, code)
      case 'invalid': return new InvalidOrderError(msg('fix the order parameters'), VENUE, code)
      case 'not_found': return new OrderNotFoundError(msg('the venue does not know this order'), VENUE, code)
      case 'duplicate': return new DuplicateClientOrderIdError(msg('an order with this orderLinkId exists: query it'), VENUE, code)
      case 'closed': return new MarketClosedError(msg('trading is not allowed at this time'), VENUE, code)
      case 'funds': return new InsufficientFundsError(msg('reduce the order or add margin'), VENUE, code)
      case undefined: {
        if (reply.retCode === 0) return new FinalError('bybit: retCode 0 is not an error; nothing to map', VENUE, code)
        return new FinalError(msg('request refused'), VENUE, code)
      }
    }
  }

  const status = parts.status
  if (status === undefined) {
    const text = safeText(parts.text ?? parts.message ?? parts.code ?? parts.name ?? 'no response', secrets)
    if (isTimeout(parts)) return new RequestTimeoutError(`bybit: request timed out (${text}); the outcome is unknown, query the orderLinkId`, VENUE, parts.code)
    return new NetworkError(`bybit: network error (${text}); retry with the same orderLinkId`, VENUE, parts.code)
  }
  const statusText = safeText(typeof parts.body === 'string' ? parts.body : parts.message, secrets)
  const code = `http_${status}`
  const msg = (hint: string) => `bybit: HTTP ${status}${statusText ? ` (${statusText})` : ''}; ${hint}`
  if (status === 429) return new RateLimitError(msg('rate limit exceeded, wait for the reset'), VENUE, resetHeader ?? 0, code)
  if (status === 403) {
    const resetAt = resetHeader ?? (ctx.now !== undefined ? ctx.now + IP_BAN_MS : 0)
    return new RateLimitError(msg('IP rate limit breached: Bybit bans the IP for 10 minutes'), VENUE, resetAt, code)
  }
  if (status === 401) return new AuthenticationError(msg('check the API key, secret and IP whitelist'), VENUE, code)
  if (status === 408 || status === 504) return new RequestTimeoutError(msg('the outcome is unknown, query the orderLinkId'), VENUE, code)
  if (status >= 500) return new VenueUnavailableError(msg('venue unavailable, retry later'), VENUE, code)
  return new FinalError(msg('request refused'), VENUE, code)
}

function replyOf(v: unknown): {retCode: number; retMsg: unknown} | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as {retCode?: unknown; retMsg?: unknown}
  const code = typeof r.retCode === 'number' ? r.retCode : typeof r.retCode === 'string' && /^-?\d{1,15}$/.test(r.retCode) ? Number(r.retCode) : undefined
  return code === undefined ? undefined : {retCode: code, retMsg: r.retMsg}
}

/** X-Bapi-Limit-Reset-Timestamp (ms) from HTTP headers, a websocket reply's `header`, or bybit-api's rateLimitApi. */
function resetFrom(raw: unknown, parts: ReturnType<typeof errorParts>): number | undefined {
  const candidates: unknown[] = [headerOf(parts.headers, 'X-Bapi-Limit-Reset-Timestamp')]
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as {header?: unknown; rateLimitApi?: {resetAtTimestamp?: unknown}}
    candidates.push(headerOf(r.header, 'X-Bapi-Limit-Reset-Timestamp'), r.rateLimitApi?.resetAtTimestamp)
  }
  for (const c of candidates) {
    const n = typeof c === 'string' && /^\d{1,16}$/.test(c) ? Number(c) : typeof c === 'number' && Number.isSafeInteger(c) && c > 0 ? c : undefined
    if (n !== undefined) return n
  }
  return undefined
}
