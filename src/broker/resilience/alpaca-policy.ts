/**
 * Alpaca: 200 requests per minute per account on the trading API, and a separate 200 per minute on the market-data
 * API (Basic plan; Algo Trader Plus raises it, and the X-RateLimit-Limit header then says so). Every answer carries
 * X-RateLimit-Limit / -Remaining / -Reset (unix seconds); a breach is HTTP 429. Sources: docs.alpaca.markets
 * (API v2 "Rate Limit", broker-api-rate-limits).
 */
import type {RawResponse} from '../transport.js'
import {classifyRejection} from './classify-error.js'
import {type BudgetSpec, type EndpointPolicy, headerInt, type LimitReport, type Outcome, splitEndpoint, type VenuePolicy} from './policy.js'

const ACCOUNT: BudgetSpec = {id: 'account', limit: 200, windowMs: 60_000, marginMs: 1_000}
const DATA: BudgetSpec = {id: 'data', limit: 200, windowMs: 60_000, marginMs: 1_000}

/** Market-data REST lives on data.alpaca.markets: /v2/stocks/…, /v1beta3/crypto/…, /v1beta1/news, … */
const DATA_PATH = /^\/(v2\/stocks|v2\/crypto|v1beta\d*)\b/

function endpoint(e: string): EndpointPolicy {
  const {method, path} = splitEndpoint(e)
  const budget = DATA_PATH.test(path) ? DATA : ACCOUNT
  // Reads and order cancels can be repeated safely; an order submit / replace or a position close cannot.
  const idempotent = method === 'GET' || method === 'HEAD' || (method === 'DELETE' && path.startsWith('/v2/orders'))
  return {budgets: [budget], headerBudget: budget, idempotent}
}

function classify(res: RawResponse): Outcome {
  const s = res.status
  if (s === 429) {
    const reset = readLimits(res.headers)?.resetAt
    return {kind: 'rate_limited', scope: 'shared', ...(reset !== undefined ? {resetAt: reset} : {}), what: 'HTTP 429'}
  }
  if (s === 408 || s === 504) return {kind: 'unknown', what: `HTTP ${s}`}
  if (s >= 500) return {kind: 'transient', what: `HTTP ${s}`}
  return {kind: 'answer'}
}

function readLimits(headers: Readonly<Record<string, string>>): LimitReport | undefined {
  const limit = headerInt(headers, 'x-ratelimit-limit')
  const remaining = headerInt(headers, 'x-ratelimit-remaining')
  const reset = headerInt(headers, 'x-ratelimit-reset')
  if (limit === undefined && remaining === undefined && reset === undefined) return undefined
  // Unix seconds; tolerate a venue (or emulator) sending milliseconds.
  const resetAt = reset === undefined || reset === 0 ? undefined : reset < 1e11 ? reset * 1000 : reset
  return {...(limit !== undefined && limit > 0 ? {limit} : {}), ...(remaining !== undefined ? {remaining} : {}), ...(resetAt !== undefined ? {resetAt} : {})}
}

export const ALPACA_POLICY: VenuePolicy = {
  venue: 'alpaca',
  endpoint,
  classify,
  classifyError: (err) => classifyRejection(err),
  readLimits,
  retry: {maxAttempts: 4, initialDelayMs: 250, maxDelayMs: 8_000},
  // X-RateLimit-Reset has whole seconds: a second of margin keeps the retry after the real reset.
  rateLimit: {maxWaits: 10, maxWaitMs: 65_000, fallbackMs: 1_000, resetMarginMs: 1_000},
  breaker: {consecutiveFailures: 5, halfOpenAfterMs: 5_000, maxHalfOpenAfterMs: 60_000},
}
