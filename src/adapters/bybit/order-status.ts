/**
 * Bybit v5 `orderStatus` onto the core OrderStatus, and the other enums of an order.
 *
 * | Bybit                   | core             | why |
 * |-------------------------|------------------|-----|
 * | Created                 | accepted         | taken by the venue, not yet in the matching engine |
 * | New                     | accepted         | resting in the book |
 * | PartiallyFilled         | partially_filled | |
 * | Filled                  | filled           | |
 * | Cancelled               | canceled         | filledQty keeps any partial fill |
 * | PartiallyFilledCanceled | canceled         | spot: partially filled, rest cancelled (filledQty > 0) |
 * | Rejected                | rejected         | may follow PartiallyFilled (cumExecQty > 0): filledQty keeps the fill |
 * | Untriggered             | accepted         | conditional order waiting at the venue for its trigger |
 * | Triggered               | accepted         | triggered, being placed in the book |
 * | Active                  | accepted         | conditional order placed (older spot TP/SL state) |
 * | Deactivated             | canceled         | conditional / TP-SL order cancelled before it triggered |
 *
 * Every final status keeps cumExecQty as filledQty: the core's terminal states never mean "nothing filled".
 *
 * positionIdx: 0 → 'net' (one-way mode, and every spot order), 1 → 'long', 2 → 'short' (hedge mode legs).
 * timeInForce: GTC / IOC / FOK → gtc / ioc / fok; PostOnly → gtc with postOnly. RPI is not supported (a failure).
 */
import type {OrderStatus, PositionSide, TimeInForce} from '../../core/order.js'

export const BYBIT_ORDER_STATUSES = [
  'Created', 'New', 'PartiallyFilled', 'Filled', 'Cancelled', 'PartiallyFilledCanceled', 'Rejected', 'Untriggered',
  'Triggered', 'Active', 'Deactivated',
] as const

export type BybitOrderStatus = (typeof BYBIT_ORDER_STATUSES)[number]

export const BYBIT_STATUS_MAP: Readonly<Record<BybitOrderStatus, OrderStatus>> = {
  Created: 'accepted',
  New: 'accepted',
  PartiallyFilled: 'partially_filled',
  Filled: 'filled',
  Cancelled: 'canceled',
  PartiallyFilledCanceled: 'canceled',
  Rejected: 'rejected',
  Untriggered: 'accepted',
  Triggered: 'accepted',
  Active: 'accepted',
  Deactivated: 'canceled',
}

export const BYBIT_POSITION_SIDES: Readonly<Record<0 | 1 | 2, PositionSide>> = {0: 'net', 1: 'long', 2: 'short'}

export const BYBIT_TIME_IN_FORCE = ['GTC', 'IOC', 'FOK', 'PostOnly', 'RPI'] as const
export type BybitTimeInForce = (typeof BYBIT_TIME_IN_FORCE)[number]

export const BYBIT_TIF_MAP: Readonly<Record<Exclude<BybitTimeInForce, 'RPI'>, {readonly tif: TimeInForce; readonly postOnly: boolean}>> = {
  GTC: {tif: 'gtc', postOnly: false},
  IOC: {tif: 'ioc', postOnly: false},
  FOK: {tif: 'fok', postOnly: false},
  PostOnly: {tif: 'gtc', postOnly: true},
}
