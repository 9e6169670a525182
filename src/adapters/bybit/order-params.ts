/**
 * Core order requests → Bybit v5 order parameters (linear perpetuals). Quantities and prices are sent as decimal
 * text on the instrument's grid when they are on it, and as they are otherwise, so an off-grid value is refused by
 * the venue rather than silently rounded here.
 */
import {type Instrument, isMultipleOf, roundToStep} from '../../core/instrument.js'
import {hasLimitPrice, isConditional, type OrderRequest, type PositionSide, triggerDirection} from '../../core/order.js'
import type {AmendRequest, OrderRef} from '../../broker/port.js'

/** Bybit: at most 36 characters of letters, digits, '-' and '_'. */
export const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/

/** Why `id` cannot be an orderLinkId, or undefined when it can. */
export function orderLinkIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty'
  if (id.length > 36) return `has ${id.length} characters, Bybit allows 36`
  if (!ORDER_LINK_ID.test(id)) return 'may hold only letters, digits, "-" and "_"'
  return undefined
}

export const POSITION_IDX: Readonly<Record<PositionSide, 0 | 1 | 2>> = {net: 0, long: 1, short: 2}

/** Decimal text of `value`, on the `step` grid when it is a multiple of it; never exponent notation. */
export function decimalText(value: number, step: number): string {
  const v = Number.isFinite(value) && step > 0 && isMultipleOf(value, step) ? roundToStep(value, step) : value
  const s = String(v)
  if (!/e/i.test(s)) return s
  return v.toFixed(20).replace(/0+$/, '').replace(/\.$/, '')
}

export function bybitCreateParams(req: OrderRequest, inst: Instrument, category = 'linear'): Record<string, unknown> {
  const isLimit = hasLimitPrice(req.type)
  const isStop = isConditional(req.type)
  const params: Record<string, unknown> = {
    category,
    symbol: req.symbol,
    side: req.side === 'buy' ? 'Buy' : 'Sell',
    orderType: isLimit ? 'Limit' : 'Market',
    qty: decimalText(req.qty, inst.lotSize),
  }
  if (isLimit && req.limitPrice !== undefined) params.price = decimalText(req.limitPrice, inst.tickSize)
  if (isStop && req.stopPrice !== undefined) {
    params.triggerPrice = decimalText(req.stopPrice, inst.tickSize)
    // 1: triggered by a rise to the trigger (buy stop, sell if-touched); 2: by a fall (sell stop, buy if-touched).
    params.triggerDirection = triggerDirection(req) === 'rise' ? 1 : 2
    params.triggerBy = 'LastPrice'
  }
  params.timeInForce = req.postOnly ? 'PostOnly' : req.tif.toUpperCase()
  params.positionIdx = POSITION_IDX[req.positionSide ?? 'net']
  if (req.reduceOnly) params.reduceOnly = true
  params.orderLinkId = req.clientOrderId
  return params
}

/** orderId or orderLinkId, as Bybit's cancel / amend / query parameters take them. */
export function refParams(ref: OrderRef): {orderId: string} | {orderLinkId: string} {
  return 'venueOrderId' in ref ? {orderId: ref.venueOrderId} : {orderLinkId: ref.clientOrderId}
}

export function amendParams(changes: AmendRequest, inst: Instrument): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (changes.qty !== undefined) out.qty = decimalText(changes.qty, inst.lotSize)
  if (changes.limitPrice !== undefined) out.price = decimalText(changes.limitPrice, inst.tickSize)
  if (changes.stopPrice !== undefined) out.triggerPrice = decimalText(changes.stopPrice, inst.tickSize)
  return out
}
