/**
 * Margin and buying power: what an order must find free (cash for stock and spot buys, the coin or position for
 * sells, initial margin for perpetuals) and hold while it is open; and the venue's liquidation of perpetuals when
 * equity falls below maintenance margin.
 */
import type {Instrument} from '../core/instrument.js'
import type {Ledger} from '../core/ledger.js'
import {type OrderRequest, opensLeg, type PositionSide} from '../core/order.js'
import {isTerminal} from '../core/order-state.js'
import {HedgeLeg} from '../core/position.js'
import {InsufficientFundsError, InvalidOrderError} from '../broker/errors.js'
import type {EventLoop} from '../engine/event-loop.js'
import type {Fills} from './fills.js'
import {type OrderBook, type SimOrder} from './order-book.js'
import {QTY_EPS} from '../core/quantity.js'
import type {MarketTape} from './tape.js'

export interface MarginRules {
  readonly venue: string
  /** Cash instruments cannot be sold short (crypto spot: sells need the coin held). */
  readonly noShorting: boolean
  readonly allowShortStocks: boolean
}

export class Margin {
  constructor(
    private readonly loop: EventLoop,
    private readonly rules: MarginRules,
    private readonly instruments: readonly Instrument[],
    private readonly symIndex: ReadonlyMap<string, number>,
    private readonly ledger: Ledger,
    private readonly tape: MarketTape,
    private readonly book: OrderBook,
    private readonly fills: Fills,
  ) {}

  /** Checks buying power or margin and holds it for the order; throws when there is not enough. */
  reserve(req: OrderRequest, inst: Instrument, sym: number, amending?: SimOrder): number {
    const venue = this.rules.venue
    const side = req.positionSide ?? 'net'
    const price = req.limitPrice ?? req.stopPrice ?? this.tape.last[sym]
    if (inst.contract === 'linear_perpetual') {
      let opening = req.qty
      if (side === 'net') {
        // One-way mode: the part of the order that closes the position needs no margin; the rest opens (or reverses).
        const q = this.ledger.positions.qty(req.symbol, 'net')
        const closable = req.side === 'sell' ? Math.max(0, q) : Math.max(0, -q)
        if (req.reduceOnly) {
          if (closable <= QTY_EPS) throw new InvalidOrderError(`${req.clientOrderId}: reduce-only ${req.side} but the position of ${req.symbol} is ${q > QTY_EPS ? 'long' : q < -QTY_EPS ? 'short' : 'flat'}`, venue, 'reduce_only_flat')
          return 0
        }
        opening = Math.max(0, req.qty - closable)
        if (opening <= QTY_EPS) return 0
      }
      const leg = this.ledger.positions.find(req.symbol, side)
      if (side !== 'net' && (req.reduceOnly || !opensLeg(req.side, side))) {
        if (!leg || leg.qty <= QTY_EPS) {
          throw new InvalidOrderError(`${req.clientOrderId}: reduce-only order but the ${side} leg of ${req.symbol} is flat`, venue, 'reduce_only_flat')
        }
        return 0
      }
      const margin = (opening * price) / inst.leverage
      const totals = this.ledger.atMarks()
      const free = totals.equity - totals.margin - this.fills.reservedCash
      if (margin > free + 1e-9) {
        throw new InsufficientFundsError(`${req.clientOrderId}: needs margin ${margin.toFixed(2)}, free ${free.toFixed(2)}`, venue, 'insufficient_margin')
      }
      this.fills.hold(margin)
      return margin
    }
    const position = this.ledger.positions.qty(req.symbol)
    if (req.side === 'sell') {
      const held = this.book.heldForSells(sym, amending)
      if (req.reduceOnly && req.qty > position - held + QTY_EPS) {
        throw new InvalidOrderError(`${req.clientOrderId}: reduce-only sell of ${req.qty} exceeds the position ${position}`, venue, 'reduce_only_exceeds')
      }
      if ((this.rules.noShorting || !this.rules.allowShortStocks) && req.qty > position - held + QTY_EPS) {
        // Spot: a sell needs the base coin held (the venue lends nothing); stocks: short selling is off.
        const free = Math.max(0, position - held)
        const msg = inst.baseCurrency && this.rules.noShorting
          ? `insufficient ${inst.baseCurrency} balance: ${free} free for a sell of ${req.qty} ${req.symbol} (spot sells need the coin held; no shorting)`
          : `insufficient qty available: ${free} of ${req.symbol} (short selling is off)`
        throw new InsufficientFundsError(`${req.clientOrderId}: ${msg}`, venue, 'insufficient_qty')
      }
      return 0
    }
    if (req.reduceOnly && req.qty > Math.max(0, -position) + QTY_EPS) {
      throw new InvalidOrderError(`${req.clientOrderId}: reduce-only buy of ${req.qty} exceeds the short position ${Math.max(0, -position)}`, venue, 'reduce_only_exceeds')
    }
    if (!(price > 0)) throw new InvalidOrderError(`${req.clientOrderId}: no price known yet for ${req.symbol}`, venue, 'no_price')
    const cost = req.qty * price
    const free = this.ledger.cash - this.fills.reservedCash
    if (cost > free + 1e-9) {
      throw new InsufficientFundsError(`${req.clientOrderId}: insufficient buying power: needs ${cost.toFixed(2)}, has ${free.toFixed(2)}`, venue, 'insufficient_buying_power')
    }
    this.fills.hold(cost)
    return cost
  }

  /** Perpetuals: below maintenance margin, every position is closed at the mark (the venue's liquidation). */
  checkMargin(sym: number): void {
    if (this.instruments[sym].contract !== 'linear_perpetual') return
    const totals = this.ledger.atMarks()
    if (totals.equity >= totals.maintenance) return
    for (const p of [...this.ledger.positions.open()]) {
      const i = this.symIndex.get(p.symbol)!
      if (this.instruments[i].contract !== 'linear_perpetual') continue
      const side: PositionSide = p instanceof HedgeLeg ? p.side : 'net'
      const req: OrderRequest = {
        clientOrderId: `liq-${this.book.nextSeq}`,
        symbol: p.symbol,
        side: side === 'short' || (side === 'net' && p.qty < 0) ? 'buy' : 'sell',
        type: 'market',
        qty: Math.abs(p.qty),
        tif: 'ioc',
        reduceOnly: true,
        positionSide: side,
      }
      const o: SimOrder = {req, sym: i, venueOrderId: this.book.newVenueOrderId(), status: 'accepted', filledQty: 0, avgFillPrice: 0, createdAt: this.loop.clock.now(), updatedAt: this.loop.clock.now(), reason: 'liquidation', arrivedAt: this.loop.clock.now(), activeFrom: this.loop.clock.now(), expiresAt: Infinity, triggered: true, marketableOnArrival: true, reserved: 0, feesCharged: 0, feesAtRate: 0}
      this.book.register(o)
      this.fills.fill(o, req.qty, this.tape.last[i], 'taker')
    }
    // Orders of a liquidated account are cancelled with it.
    for (let s = 0; s < this.book.symbols; s++) {
      for (const o of this.book.bookOf(s)) if (!isTerminal(o.status)) this.fills.finish(o, 'canceled', 'liquidation')
      this.book.prune(s)
    }
  }
}
