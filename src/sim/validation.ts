/**
 * The venue's rules for an order request, checked before anything is held or booked: the instrument's quantity and
 * price grid, the fields each order type needs, the time in force and position side the symbol's position mode
 * allows, and (stock venues) what an order arriving while the market is closed may do.
 */
import {type Instrument, isMultipleOf} from '../core/instrument.js'
import {hasLimitPrice, isConditional, type OrderRequest} from '../core/order.js'
import {InvalidOrderError, MarketClosedError} from '../broker/errors.js'
import type {SimConfig} from './config.js'
import {isMarketOpen, nextOpen} from '../core/calendar/index.js'
import {QTY_EPS} from '../core/quantity.js'
import type {PositionModes} from './position-modes.js'
import type {VenueProfile} from './venue-profile.js'

export class RequestRules {
  constructor(
    private readonly profile: VenueProfile,
    private readonly positionModes: PositionModes,
    private readonly whenClosed: SimConfig['whenClosed'],
  ) {}

  /** Throws an InvalidOrderError naming the first rule `req` breaks. */
  validate(req: OrderRequest, inst: Instrument): void {
    const bad = (msg: string, code: string): never => {
      throw new InvalidOrderError(`${req.clientOrderId}: ${msg}`, this.profile.name, code)
    }
    if (!(req.qty > 0) || !Number.isFinite(req.qty)) bad(`quantity ${req.qty} must be a positive number`, 'invalid_qty')
    if (req.qty < inst.minQty - QTY_EPS) bad(`quantity ${req.qty} is below the minimum ${inst.minQty} for ${inst.symbol}`, 'below_min_qty')
    if (!isMultipleOf(req.qty, inst.lotSize)) bad(`quantity ${req.qty} is not a multiple of the lot size ${inst.lotSize}`, 'lot_size')
    const needsLimit = hasLimitPrice(req.type)
    const needsStop = isConditional(req.type)
    if (needsLimit && !(req.limitPrice! > 0)) bad(`${req.type} order needs a positive limit price`, 'missing_limit_price')
    if (needsStop && !(req.stopPrice! > 0)) bad(`${req.type} order needs a positive stop price`, 'missing_stop_price')
    if (needsLimit && !isMultipleOf(req.limitPrice!, inst.tickSize)) bad(`limit price ${req.limitPrice} is off the tick size ${inst.tickSize}`, 'tick_size')
    if (needsStop && !isMultipleOf(req.stopPrice!, inst.tickSize)) bad(`stop price ${req.stopPrice} is off the tick size ${inst.tickSize}`, 'tick_size')
    if (req.postOnly && req.type !== 'limit') bad('post-only applies to limit orders only', 'post_only_type')
    const side = req.positionSide ?? 'net'
    const mode = this.positionModes.of(req.symbol)
    // Bybit offers no DAY orders, in either position mode.
    if ((mode === 'hedge' || this.profile.name === 'bybit') && req.tif === 'day') bad('DAY orders are not offered on this venue; use GTC, IOC or FOK', 'tif')
    if (mode === 'hedge') {
      if (side === 'net') bad(`${req.symbol} is in hedge mode: orders need positionSide long or short (positionIdx 1 or 2)`, 'position_idx')
    } else if (side !== 'net') {
      bad(`positionSide ${side} is only valid in hedge mode; ${req.symbol} is in ${inst.contract === 'linear_perpetual' ? 'one-way' : 'netting'} mode (positionIdx 0)`, 'position_idx')
    }
  }

  /**
   * When an order arriving at `now` becomes active: now, or (stock venues, market closed) the next open for DAY and
   * GTC orders that may queue; throws a MarketClosedError for those that may not.
   */
  activeFrom(req: OrderRequest, now: number): number {
    if (!this.profile.marketHours || isMarketOpen(now)) return now
    if (this.whenClosed === 'reject' || req.tif === 'ioc' || req.tif === 'fok') {
      throw new MarketClosedError(`market closed for ${req.symbol} at ${new Date(now).toISOString()}; send DAY or GTC orders to queue for the open`, this.profile.name, 'market_closed')
    }
    return nextOpen(now)
  }
}
