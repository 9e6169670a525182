/**
 * Matching: trades a symbol's book against a price path (a bar, a stretch of a time-true bar, a print), deciding
 * which orders trade, how much (within the bar's volume share and, for reduce-only orders, the position) and at what
 * price (matching.ts: where the path first reaches a trigger or limit; slippage); the fills go to fills.ts.
 */
import {floorToStep, type Instrument} from '../core/instrument.js'
import type {Ledger} from '../core/ledger.js'
import {isConditional, opensLeg, type PositionSide, triggerDirection} from '../core/order.js'
import {isTerminal} from '../core/order-state.js'
import type {SimConfig} from './config.js'
import type {Fills} from './fills.js'
import {firstTouch, PricePath, slipped, type Touch} from './matching.js'
import {type OrderBook, type SimOrder} from './order-book.js'
import {QTY_EPS} from '../core/quantity.js'
import type {MarketTape} from './tape.js'

export class Matcher {
  /** The path being traded; the price feed sets it before `matchBook`. */
  readonly path = new PricePath()
  /** Market orders trade at this path point (the open of a bar, a print); not at later points of a bar. */
  marketsTrade = true
  private readonly touch: Touch = {index: -1, price: 0}

  constructor(
    private readonly instruments: readonly Instrument[],
    private readonly slippage: SimConfig['slippage'],
    /** Share of a bar's volume orders may take (Infinity: no volume limit). */
    private readonly share: number,
    private readonly ledger: Ledger,
    private readonly tape: MarketTape,
    private readonly book: OrderBook,
    private readonly fills: Fills,
  ) {}

  /** Trades the book against `this.path`; orders that reached the book (and became active) by `eligibleAt` take part. */
  matchBook(sym: number, eligibleAt: number, volume: number): void {
    const book = this.book.bookOf(sym)
    const inst = this.instruments[sym]
    let available = floorToStep(this.share * volume, inst.lotSize) - this.tape.taken[sym]
    let ended = false
    for (let k = 0; k < book.length; k++) {
      const o = book[k]
      if (isTerminal(o.status)) {
        ended = true
        continue
      }
      if (o.arrivedAt > eligibleAt || o.activeFrom > eligibleAt) continue
      available -= this.matchOne(o, inst, available)
      if (isTerminal(o.status)) ended = true
    }
    if (ended) this.book.prune(sym)
  }

  /**
   * An order reaching the book while its symbol's bar is under way (time-true bars) meets the price of the last path
   * point passed, as a one-point path: a market order fills there at once, a marketable limit takes it, a stop
   * already crossed triggers there; what does not trade rests for the rest of the path.
   */
  matchOnArrival(o: SimOrder): void {
    const inst = this.instruments[o.sym]
    this.path.setPrint(this.tape.last[o.sym])
    this.matchOne(o, inst, floorToStep(this.share * this.tape.lastVolume[o.sym], inst.lotSize) - this.tape.taken[o.sym])
    if (!isTerminal(o.status)) this.fills.rest(o)
  }

  /** A market order filled at once at the last price (fillAt 'close'), within the last bar's volume share. */
  fillAtLast(o: SimOrder): void {
    const inst = this.instruments[o.sym]
    const available = floorToStep(this.share * this.tape.lastVolume[o.sym], inst.lotSize) - this.tape.taken[o.sym]
    let qty = floorToStep(Math.min(o.req.qty, available), inst.lotSize)
    if (this.reduces(o)) qty = Math.min(qty, this.reducible(o))
    if (o.req.tif === 'fok' && qty < o.req.qty - QTY_EPS) qty = 0
    if (qty > QTY_EPS) {
      this.tape.taken[o.sym] += qty
      this.fills.fill(o, qty, this.slip(this.tape.last[o.sym], o.req.side === 'buy', inst), 'taker')
    }
    if (isTerminal(o.status)) return
    if (o.req.tif === 'ioc' || o.req.tif === 'fok') {
      this.fills.finish(o, 'canceled', 'immediate-or-cancel remainder')
      return
    }
    this.fills.rest(o)
  }

  /** Trades `o` against `this.path` with `available` of the bar's volume left; returns the quantity it took. */
  private matchOne(o: SimOrder, inst: Instrument, available: number): number {
    let took = 0
    const price = this.matchPrice(o, inst)
    if (price > 0) {
      const remaining = o.req.qty - o.filledQty
      let qty = Math.min(remaining, available)
      if (this.reduces(o)) qty = Math.min(qty, this.reducible(o))
      qty = floorToStep(qty, inst.lotSize)
      if (o.req.tif === 'fok' && qty < remaining - QTY_EPS) qty = 0
      if (qty > QTY_EPS) {
        took = qty
        this.tape.taken[o.sym] += qty
        this.fills.fill(o, qty, price, liquidityOf(o))
      }
    }
    if (!isTerminal(o.status) && (o.req.tif === 'ioc' || o.req.tif === 'fok') && hadChance(o)) {
      this.fills.finish(o, 'canceled', o.req.tif === 'fok' ? 'fill-or-kill could not fill in full' : 'immediate-or-cancel remainder')
    }
    return took
  }

  /** The price at which `o` trades on the current path, or 0 when it does not. */
  private matchPrice(o: SimOrder, inst: Instrument): number {
    const p = this.path
    const buy = o.req.side === 'buy'
    const t = this.touch
    let from = 0
    let fromPrice = p.points[0]
    if (!o.triggered) {
      // Stops trigger against the order's side, if-touched orders with it (core/order.ts triggerDirection).
      if (!firstTouch(p, o.req.stopPrice!, triggerDirection(o.req) === 'rise' ? 'up' : 'down', 0, p.points[0], t)) return 0
      o.triggered = true
      if (o.req.type === 'stop' || o.req.type === 'market_if_touched') return this.slip(t.price, buy, inst)
      from = t.index
      fromPrice = t.price
      // A triggered stop-limit (or limit-if-touched) is a limit from the trigger on: marketable if within the limit.
      if (buy ? fromPrice <= o.req.limitPrice! : fromPrice >= o.req.limitPrice!) return fromPrice
    }
    switch (o.req.type) {
      case 'market':
        return this.marketsTrade ? this.slip(p.points[0], buy, inst) : 0
      case 'stop':
      case 'market_if_touched':
        return this.slip(fromPrice, buy, inst)
      case 'limit':
      case 'stop_limit':
      case 'limit_if_touched': {
        const limit = o.req.limitPrice!
        if (!firstTouch(p, limit, buy ? 'down' : 'up', from, fromPrice, t)) return 0
        // Limit orders never trade through their limit; a marketable arrival may take slippage up to it.
        if (o.marketableOnArrival && o.filledQty === 0 && o.req.type === 'limit') {
          const slippedPrice = this.slip(t.price, buy, inst)
          return buy ? Math.min(slippedPrice, limit) : Math.max(slippedPrice, limit)
        }
        return t.price
      }
    }
  }

  private slip(price: number, buy: boolean, inst: Instrument): number {
    return slipped(price, buy, inst.tickSize, this.slippage)
  }

  /** Reduce-only orders, and hedge-mode orders against their leg (they can only close it), never exceed the position. */
  private reduces(o: SimOrder): boolean {
    const side = o.req.positionSide ?? 'net'
    return o.req.reduceOnly === true || (side !== 'net' && !opensLeg(o.req.side, side))
  }

  private reducible(o: SimOrder): number {
    const side: PositionSide = o.req.positionSide ?? 'net'
    const q = this.ledger.positions.qty(o.req.symbol, side)
    if (side === 'net') return o.req.side === 'sell' ? Math.max(0, q) : Math.max(0, -q)
    return q
  }
}

function liquidityOf(o: SimOrder): 'maker' | 'taker' {
  return o.req.type === 'limit' && !o.marketableOnArrival ? 'maker' : 'taker'
}

/** IOC / FOK orders get one matching opportunity: the first bar they are active for. */
function hadChance(o: SimOrder): boolean {
  return isConditional(o.req.type) ? o.triggered : true
}
