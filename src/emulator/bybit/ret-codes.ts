/**
 * The simulator's typed errors → Bybit v5 retCodes and messages, the way Bybit refuses the same thing
 * (src/adapters/bybit/errors.ts maps them back).
 */
import {
  DuplicateClientOrderIdError, InsufficientFundsError, InvalidOrderError, MarketClosedError, OrderNotFoundError, RateLimitError,
  RequestTimeoutError, VenueUnavailableError,
} from '../../broker/errors.js'

export interface Refusal {
  readonly retCode: number
  readonly retMsg: string
}

/** A refusal the protocol decides itself (bad parameters), thrown by route handlers. */
export class BybitRefusal extends Error {
  override readonly name = 'BybitRefusal'
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
  ) {
    super(`${retCode} ${retMsg}`)
  }
}

export const paramsError = (what: string): BybitRefusal => new BybitRefusal(10001, `params error: ${what}`)

const INVALID: Readonly<Record<string, Refusal>> = {
  reduce_only_flat: {retCode: 110017, retMsg: 'current position is zero, cannot fix reduce-only order qty'},
  reduce_only_exceeds: {retCode: 110017, retMsg: 'reduce-only order qty exceeds the position'},
  position_idx: {retCode: 10001, retMsg: 'position idx not match position mode'},
  tick_size: {retCode: 10001, retMsg: 'The number of decimal places for price exceeds the limit'},
  lot_size: {retCode: 10001, retMsg: 'Qty invalid: not a multiple of qtyStep'},
  below_min_qty: {retCode: 10001, retMsg: 'The number of contracts is below the minimum allowed'},
  invalid_qty: {retCode: 10001, retMsg: 'Qty invalid'},
  missing_limit_price: {retCode: 10001, retMsg: 'params error: price is required for Limit orders'},
  missing_stop_price: {retCode: 10001, retMsg: 'params error: triggerPrice is required'},
  tif: {retCode: 10001, retMsg: 'params error: timeInForce invalid'},
  unknown_symbol: {retCode: 10001, retMsg: 'params error: symbol invalid'},
  amend_qty: {retCode: 10001, retMsg: 'The new qty must be above the filled qty'},
  post_only_type: {retCode: 10001, retMsg: 'params error: PostOnly applies to Limit orders'},
}

export function refusalOf(err: unknown): Refusal {
  if (err instanceof BybitRefusal) return {retCode: err.retCode, retMsg: err.retMsg}
  if (err instanceof DuplicateClientOrderIdError) return {retCode: 110072, retMsg: 'OrderLinkedID is duplicate'}
  if (err instanceof InsufficientFundsError) return {retCode: 110007, retMsg: 'ab not enough for new order'}
  if (err instanceof OrderNotFoundError) return {retCode: 110001, retMsg: 'order not exists or too late to cancel'}
  if (err instanceof MarketClosedError) return {retCode: 110066, retMsg: 'trading is not allowed at the current time'}
  if (err instanceof InvalidOrderError) return INVALID[err.code ?? ''] ?? {retCode: 10001, retMsg: `params error: ${err.message}`}
  if (err instanceof RateLimitError) return {retCode: 10006, retMsg: 'Too many visits!'}
  if (err instanceof RequestTimeoutError) return {retCode: 10000, retMsg: 'Server Timeout'}
  if (err instanceof VenueUnavailableError) return {retCode: 10016, retMsg: 'Server error'}
  return {retCode: 10016, retMsg: 'Server error'}
}
