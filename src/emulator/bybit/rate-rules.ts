/**
 * Bybit's request limits (v5 rate-limit page): per IP 600 requests in any 5 s (breach: HTTP 403 "access too
 * frequent" and a ban), and per UID per endpoint per second (breach: retCode 10006 "Too many visits!", with the
 * X-Bapi-Limit-* headers on every private answer). Order endpoints: 10/s for linear (UTA Pro defaults); the
 * private queries used here: 50/s.
 */
import type {RateRule} from '../venue-api.js'

export const IP_RULE: RateRule = {bucket: 'ip', limit: 600, windowMs: 5_000}

const perSecond = (bucket: string, limit: number): RateRule => ({bucket, limit, windowMs: 1_000})

export const ENDPOINT_RULES: Readonly<Record<string, RateRule>> = {
  'POST /v5/order/create': perSecond('order/create', 10),
  'POST /v5/order/amend': perSecond('order/amend', 10),
  'POST /v5/order/cancel': perSecond('order/cancel', 10),
  'GET /v5/order/realtime': perSecond('order/realtime', 50),
  'GET /v5/order/history': perSecond('order/history', 50),
  'GET /v5/execution/list': perSecond('execution/list', 50),
  'GET /v5/position/list': perSecond('position/list', 50),
  'GET /v5/account/wallet-balance': perSecond('account/wallet-balance', 50),
}

/** The per-UID rule of a private endpoint (the same buckets the emulator counts). */
export function endpointRule(endpoint: string): RateRule | undefined {
  return ENDPOINT_RULES[endpoint]
}
