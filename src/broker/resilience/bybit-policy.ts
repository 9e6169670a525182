/**
 * Bybit v5: 600 requests in any 5 s per IP (a breach is HTTP 403 and a ban of at least 10 minutes), plus a rolling
 * per-second limit per UID and endpoint, reported on every private answer as X-Bapi-Limit (the limit),
 * X-Bapi-Limit-Status (remaining) and X-Bapi-Limit-Reset-Timestamp (ms; when exceeded, the reset, otherwise "now");
 * a breach is retCode 10006 "Too many visits!". Sources: bybit-exchange.github.io/docs/v5/rate-limit; the recorded
 * order.create reply in fixtures/bybit/Bybit.Net (X-Bapi-Limit 10).
 *
 * Per-endpoint defaults are the smallest of the published per-category limits (linear / inverse / spot); the
 * headers correct them from the first answer on.
 */
import type {RawResponse} from '../transport.js'
import {classifyRejection} from './classify-error.js'
import {type BudgetSpec, type EndpointPolicy, headerInt, type LimitReport, type Outcome, splitEndpoint, type VenuePolicy} from './policy.js'

const IP: BudgetSpec = {id: 'ip', limit: 600, windowMs: 5_000, marginMs: 250, perIp: true}
const IP_BAN_MS = 10 * 60_000
const UID_WINDOW_MS = 1_000
const UID_MARGIN_MS = 100

/** path → [requests per second per UID, idempotent]. Unlisted private paths: 10/s, GET idempotent, POST not. */
const UID_LIMITS: Readonly<Record<string, readonly [number, boolean]>> = {
  '/v5/order/create': [10, false],
  '/v5/order/amend': [10, false],
  '/v5/order/cancel': [10, true],
  '/v5/order/cancel-all': [10, true],
  '/v5/order/create-batch': [10, false],
  '/v5/order/amend-batch': [10, false],
  '/v5/order/cancel-batch': [10, true],
  '/v5/order/realtime': [50, true],
  '/v5/order/history': [50, true],
  '/v5/execution/list': [50, true],
  '/v5/position/list': [50, true],
  '/v5/position/closed-pnl': [50, true],
  '/v5/account/wallet-balance': [50, true],
  '/v5/position/set-leverage': [10, true],
  '/v5/position/switch-mode': [10, true],
  '/v5/position/trading-stop': [10, true],
}

const uidBudgets = new Map<string, BudgetSpec>()

function uidBudget(path: string, limit: number): BudgetSpec {
  let b = uidBudgets.get(path)
  if (!b) uidBudgets.set(path, (b = {id: `uid ${path}`, limit, windowMs: UID_WINDOW_MS, marginMs: UID_MARGIN_MS}))
  return b
}

function endpoint(e: string): EndpointPolicy {
  const {method, path} = splitEndpoint(e)
  // Public market data (and the server time) count against the IP only.
  if (path.startsWith('/v5/market/')) return {budgets: [IP], idempotent: true}
  const known = UID_LIMITS[path]
  const budget = uidBudget(path, known?.[0] ?? 10)
  return {budgets: [IP, budget], headerBudget: budget, idempotent: known?.[1] ?? (method === 'GET')}
}

function retCodeOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const c = (body as {retCode?: unknown}).retCode
  if (typeof c === 'number' && Number.isInteger(c)) return c
  if (typeof c === 'string' && /^-?\d{1,15}$/.test(c)) return Number(c)
  return undefined
}

function classify(res: RawResponse, now: number): Outcome {
  const reset = headerInt(res.headers, 'x-bapi-limit-reset-timestamp')
  const resetAt = reset !== undefined && reset > now ? {resetAt: reset} : {}
  const code = retCodeOf(res.body)
  if (code !== undefined) {
    if (code === 10006) return {kind: 'rate_limited', scope: 'endpoint', ...resetAt, what: 'retCode 10006'}
    if (code === 10018) return {kind: 'rate_limited', scope: 'shared', ...resetAt, what: 'retCode 10018'}
    // Service error / restarting / request outside recv_window: refused before processing.
    if (code === 10016 || code === 10019 || code === 10002) return {kind: 'transient', what: `retCode ${code}`}
    // Server timeout: the order may exist.
    if (code === 10000 || code === 5004) return {kind: 'unknown', what: `retCode ${code}`}
    if (res.status < 400) return {kind: 'answer'}
  }
  const s = res.status
  if (s === 403 && code === undefined) return {kind: 'rate_limited', scope: 'shared', resetAt: reset !== undefined && reset > now ? reset : now + IP_BAN_MS, what: 'HTTP 403'}
  if (s === 429) return {kind: 'rate_limited', scope: 'shared', ...resetAt, what: 'HTTP 429'}
  if (s === 408 || s === 504) return {kind: 'unknown', what: `HTTP ${s}`}
  if (s >= 500) return {kind: 'transient', what: `HTTP ${s}`}
  return {kind: 'answer'}
}

function readLimits(headers: Readonly<Record<string, string>>): LimitReport | undefined {
  const limit = headerInt(headers, 'x-bapi-limit')
  const remaining = headerInt(headers, 'x-bapi-limit-status')
  const resetAt = headerInt(headers, 'x-bapi-limit-reset-timestamp')
  if (limit === undefined && remaining === undefined) return undefined
  return {...(limit !== undefined && limit > 0 ? {limit} : {}), ...(remaining !== undefined ? {remaining} : {}), ...(resetAt !== undefined && resetAt > 0 ? {resetAt} : {})}
}

export const BYBIT_POLICY: VenuePolicy = {
  venue: 'bybit',
  endpoint,
  classify,
  classifyError: (err) => classifyRejection(err),
  readLimits,
  retry: {maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 5_000},
  // An IP ban (10 min) is not waited out: requests fail fast with RateLimitWaitTooLongError until it lifts.
  rateLimit: {maxWaits: 10, maxWaitMs: 60_000, fallbackMs: 500, resetMarginMs: 50},
  breaker: {consecutiveFailures: 5, halfOpenAfterMs: 5_000, maxHalfOpenAfterMs: 60_000},
}
