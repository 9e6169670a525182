/** Orders: what a strategy asks for, and what the venue says about it. Pure data. */

export type Side = 'buy' | 'sell'
/**
 * Conditional orders wait for the price to touch `stopPrice` (their trigger), then act as a market or a limit order.
 * A stop triggers against the order's side (a buy stop when the price rises to the trigger, a sell stop when it
 * falls); an if-touched order triggers with it (a buy when the price falls to the trigger, a sell when it rises), as
 * Bybit's triggerDirection can express. See `triggerDirection`.
 */
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'market_if_touched' | 'limit_if_touched'
export type TimeInForce = 'gtc' | 'ioc' | 'fok' | 'day'
/** The leg an order acts on in hedge mode (Bybit positionIdx 1 = long, 2 = short); 'net' in netting mode. */
export type PositionSide = 'net' | 'long' | 'short'

export interface OrderRequest {
  /** Deterministic id chosen by the engine (signal + leg + epoch); unique per venue account. */
  readonly clientOrderId: string
  readonly symbol: string
  readonly side: Side
  readonly type: OrderType
  readonly qty: number
  readonly limitPrice?: number
  /** The trigger price of a stop, stop-limit or if-touched order. */
  readonly stopPrice?: number
  readonly tif: TimeInForce
  readonly reduceOnly?: boolean
  readonly postOnly?: boolean
  readonly positionSide?: PositionSide
}

export type OrderStatus =
  | 'initialized'
  | 'submitted'
  | 'accepted'
  | 'pending_update'
  | 'pending_cancel'
  | 'partially_filled'
  | 'filled'
  | 'canceled'
  | 'rejected'
  | 'expired'

/** The venue's view of an order at one instant. */
export interface OrderSnapshot extends OrderRequest {
  readonly venueOrderId: string
  readonly status: OrderStatus
  readonly filledQty: number
  /** Volume-weighted average fill price; 0 while nothing has filled. */
  readonly avgFillPrice: number
  readonly createdAt: number
  readonly updatedAt: number
  readonly reason?: string
}

export function positionSideOf(req: Pick<OrderRequest, 'positionSide'>): PositionSide {
  return req.positionSide ?? 'net'
}

/** In hedge mode an order opens its leg when it trades in the leg's direction, and reduces it otherwise. */
export function opensLeg(side: Side, leg: PositionSide): boolean {
  return (leg === 'long' && side === 'buy') || (leg === 'short' && side === 'sell')
}

/** Order types that carry a limit price. */
export function hasLimitPrice(type: OrderType): boolean {
  return type === 'limit' || type === 'stop_limit' || type === 'limit_if_touched'
}

/** Order types that wait for a trigger (`stopPrice`) before they work. */
export function isConditional(type: OrderType): boolean {
  return type === 'stop' || type === 'stop_limit' || type === 'market_if_touched' || type === 'limit_if_touched'
}

/**
 * The move that triggers a conditional order: 'rise' (the price rises to the trigger) or 'fall'. A stop triggers
 * against its side (buy on a rise, sell on a fall), an if-touched order with it (buy on a fall, sell on a rise).
 * Undefined for orders without a trigger.
 */
export function triggerDirection(req: Pick<OrderRequest, 'side' | 'type'>): 'rise' | 'fall' | undefined {
  if (!isConditional(req.type)) return undefined
  const stop = req.type === 'stop' || req.type === 'stop_limit'
  return (req.side === 'buy') === stop ? 'rise' : 'fall'
}
