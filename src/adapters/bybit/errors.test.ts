import {describe, expect, it} from 'vitest'
import {
  AuthenticationError, DuplicateClientOrderIdError, FinalError, InsufficientFundsError, InvalidOrderError, MarketClosedError, NetworkError,
  OrderNotFoundError, RateLimitError, RequestTimeoutError, RetryableError, VenueUnavailableError,
} from '../../broker/errors.js'
import {mapBybitError} from './errors.js'

const reply = (retCode: number | string, retMsg = 'msg') => ({retCode, retMsg, result: {}, retExtInfo: {}, time: 1700000000000})

describe('mapBybitError: retCodes', () => {
  it.each([
    [10006, RateLimitError], [10018, RateLimitError],
    [10000, RequestTimeoutError], [5004, RequestTimeoutError],
    [10016, VenueUnavailableError], [10019, VenueUnavailableError],
    [10002, RetryableError],
    [10003, AuthenticationError], [10004, AuthenticationError], [10005, AuthenticationError], [10007, AuthenticationError], [10010, AuthenticationError],
    [10001, InvalidOrderError], [110003, InvalidOrderError], [110017, InvalidOrderError], [170136, InvalidOrderError],
    [110001, OrderNotFoundError], [170213, OrderNotFoundError],
    [110072, DuplicateClientOrderIdError],
    [110066, MarketClosedError],
    [110004, InsufficientFundsError], [110007, InsufficientFundsError], [110012, InsufficientFundsError], [110044, InsufficientFundsError], [170131, InsufficientFundsError],
    [3400045, FinalError], [181001, FinalError],
  ])('%d → %o', (code, cls) => {
    const err = mapBybitError(reply(code))
    expect(err.constructor).toBe(cls)
    expect(err.code).toBe(String(code))
    expect(err.venue).toBe('bybit')
  })

  it('retCode as a string maps the same', () => {
    expect(mapBybitError(reply('110007'))).toBeInstanceOf(InsufficientFundsError)
  })

  it('10006: resetAt from rateLimitApi, then 0 when Bybit gives none', () => {
    const withLimits = {...reply(10006, 'Too many visits!'), rateLimitApi: {remainingRequests: 0, maxRequests: 10, resetAtTimestamp: 1700000000500}}
    expect((mapBybitError(withLimits) as RateLimitError).resetAt).toBe(1700000000500)
    expect((mapBybitError(reply(10006)) as RateLimitError).resetAt).toBe(0)
  })

  it('the message carries the code, the venue text and what to do', () => {
    expect(mapBybitError(reply(110007, 'ab not enough for new order')).message).toBe('bybit: retCode 110007 (ab not enough for new order); reduce the order or add margin')
  })
})

describe('mapBybitError: bybit-api HTTP rejections and network failures', () => {
  const http = (code: number, extra: Record<string, unknown> = {}) => ({code, message: 'status text', body: '', headers: {}, requestOptions: {}, ...extra})

  it('a body with a retCode wins over the HTTP status', () => {
    expect(mapBybitError(http(403, {body: reply(10006)}))).toBeInstanceOf(RateLimitError)
    expect(mapBybitError(http(401, {body: reply(10003)}))).toBeInstanceOf(AuthenticationError)
  })

  it('HTTP 429 reads X-Bapi-Limit-Reset-Timestamp; 403 is an IP ban of 10 minutes', () => {
    const limited = mapBybitError(http(429, {headers: {'x-bapi-limit-reset-timestamp': '1711001595208'}}))
    expect(limited).toBeInstanceOf(RateLimitError)
    expect((limited as RateLimitError).resetAt).toBe(1711001595208)
    expect((mapBybitError(http(403), {now: 1_000}) as RateLimitError).resetAt).toBe(601_000)
    expect((mapBybitError(http(403)) as RateLimitError).resetAt).toBe(0)
  })

  it.each([
    [401, AuthenticationError], [404, FinalError], [500, VenueUnavailableError], [502, VenueUnavailableError], [503, VenueUnavailableError], [504, RequestTimeoutError], [408, RequestTimeoutError],
  ])('HTTP %d → %o', (status, cls) => {
    expect(mapBybitError(http(status)).constructor).toBe(cls)
  })

  it('no response: a string (bybit-api throws e.message), a timeout, a reset', () => {
    expect(mapBybitError('getaddrinfo ENOTFOUND api.bybit.com')).toBeInstanceOf(NetworkError)
    expect(mapBybitError('timeout of 5000ms exceeded')).toBeInstanceOf(RequestTimeoutError)
    expect(mapBybitError(Object.assign(new Error('timeout of 5000ms exceeded'), {code: 'ECONNABORTED', request: {}}))).toBeInstanceOf(RequestTimeoutError)
    expect(mapBybitError(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))).toBeInstanceOf(NetworkError)
    expect(mapBybitError(undefined)).toBeInstanceOf(NetworkError)
  })
})
