/** Orders: what a strategy asks for, and what the venue says about it. Pure data. */

export type Side = 'buy' | 'sell'
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit'
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
