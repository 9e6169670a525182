import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  AuthenticationError, DuplicateClientOrderIdError, FinalError, InsufficientFundsError, InvalidOrderError, NetworkError, OrderNotFoundError,
  RateLimitError, RequestTimeoutError, VenueUnavailableError,
} from '../../broker/errors.js'
import {mapAlpacaError} from './errors.js'

const TRADING = path.resolve(import.meta.dirname, '../../../fixtures/alpaca/alpaca-mcp-server/extracted/trading-api')
const body = (f: string) => JSON.parse(readFileSync(path.join(TRADING, f), 'utf8'))

describe('mapAlpacaError: HTTP status and Alpaca code → the core taxonomy', () => {
  it.each([
    ['401 (recorded body)', {status: 401, body: body('GETv2_tokenization_requests__401.json')}, AuthenticationError, false],
    ['403 forbidden (recorded body)', {status: 403, body: body('GETv2_tokenization_requests__403.json')}, AuthenticationError, false],
    ['403 insufficient buying power', {status: 403, body: {code: 40310000, message: 'insufficient buying power'}}, InsufficientFundsError, false],
    ['404 (recorded body)', {status: 404, body: body('GETv2_options_contracts_symbol_or_id__404__Contract_Not_Found.json')}, OrderNotFoundError, false],
    ['422 (recorded body)', {status: 422, body: body('GETv2_tokenization_requests__422.json')}, InvalidOrderError, false],
    ['422 duplicate client order id', {status: 422, body: {code: 40010001, message: 'client_order_id must be unique'}}, DuplicateClientOrderIdError, false],
    ['400 word code (recorded body)', {status: 400, body: body('GETv1_locates__400__invalid_input.json')}, InvalidOrderError, false],
    ['500 (recorded body)', {status: 500, body: body('GETv1_locates__500.json')}, VenueUnavailableError, true],
    ['503', {status: 503}, VenueUnavailableError, true],
    ['504', {status: 504}, RequestTimeoutError, true],
    ['418', {status: 418}, FinalError, false],
    ['a body code without a status (40310000 is a 403)', {body: {code: 40310000, message: 'forbidden'}}, AuthenticationError, false],
    ['a JSON string body', {status: 422, body: '{"code":40010001,"message":"client_order_id must be unique"}'}, DuplicateClientOrderIdError, false],
    ['axios-style response', {response: {status: 404, data: {message: 'order not found'}}}, OrderNotFoundError, false],
    ['connection reset', Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}), NetworkError, true],
    ['timeout', Object.assign(new Error('connect timeout'), {code: 'ETIMEDOUT'}), RequestTimeoutError, true],
    ['abort', Object.assign(new Error('This operation was aborted'), {name: 'AbortError'}), RequestTimeoutError, true],
    ['stream auth refused', {stream: 'authorization', data: {action: 'authenticate', status: 'unauthorized'}}, AuthenticationError, false],
  ])('%s', (_what, raw, cls, retryable) => {
    const err = mapAlpacaError(raw)
    expect(err).toBeInstanceOf(cls)
    expect(err.constructor).toBe(cls)
    expect(err.retryable).toBe(retryable)
    expect(err.venue).toBe('alpaca')
  })

  it('429 takes its reset time from X-RateLimit-Reset (unix seconds), else 0', () => {
    const withHeader = mapAlpacaError({status: 429, body: {message: 'rate limit exceeded'}, headers: {'x-ratelimit-reset': '1674044551'}})
    expect(withHeader).toBeInstanceOf(RateLimitError)
    expect((withHeader as RateLimitError).resetAt).toBe(1674044551000)
    const fetchHeaders = mapAlpacaError({status: 429, headers: new Headers({'X-RateLimit-Reset': '1674044552'})})
    expect((fetchHeaders as RateLimitError).resetAt).toBe(1674044552000)
    expect((mapAlpacaError({status: 429}) as RateLimitError).resetAt).toBe(0)
  })

  it('the message says what happened: status, code and the venue text', () => {
    const err = mapAlpacaError({status: 403, body: {code: 40310000, message: 'insufficient buying power'}})
    expect(err.message).toBe('alpaca: HTTP 403 (code 40310000): insufficient buying power; reduce the order or add funds')
    expect(err.code).toBe('40310000')
  })
})
