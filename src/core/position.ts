/**
 * Positions. Netting mode keeps one signed quantity per symbol (stocks); hedge mode keeps a long and a short
 * leg per symbol, each non-negative (Bybit positionIdx 1 and 2). Realised PnL is computed on the average cost.
 */
import type {PositionSide, Side} from './order.js'

export class PositionError extends Error {
  override readonly name = 'PositionError'
}

export interface PositionSnapshot {
  readonly symbol: string
  readonly side: PositionSide
  /** Signed in netting mode (negative = short); non-negative for a hedge leg. */
  readonly qty: number
  readonly avgPrice: number
  readonly realizedPnl: number
  readonly ts: number
}

export interface FillEffect {
  /** PnL realised by the part of the fill that reduced the position (before fees). */
  readonly realized: number
  /** Quantity that opened or added to the position. */
  readonly opened: number
  /** Quantity that reduced the position. */
  readonly closed: number
}

// Tighter than QTY_EPS (./quantity.ts, 1e-9): changing it could move where a position counts as flat, and with
// it journals; kept until such a change is wanted.
const FLAT_EPS = 1e-12

/**
 * Quantities are sums of float fills: two that differ by float noise are the same quantity. The tolerance is
 * relative (one part in 1e9) so it holds for 0.001 BTC and for 1e8 shares alike.
 */
export function sameQty(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(FLAT_EPS, 1e-9 * Math.max(Math.abs(a), Math.abs(b)))
}

/** A netting position: buys add, sells subtract; crossing zero closes and reopens at the fill price. */
export class NetPosition {
  qty = 0
  avgPrice = 0
  realizedPnl = 0
  updatedAt = 0

  constructor(readonly symbol: string) {}

  apply(side: Side, qty: number, price: number, ts: number): FillEffect {
    const signed = side === 'buy' ? qty : -qty
    let realized = 0
    let closed = 0
    let opened = 0
    if (this.qty === 0 || Math.sign(this.qty) === Math.sign(signed)) {
      const next = this.qty + signed
      this.avgPrice = (Math.abs(this.qty) * this.avgPrice + qty * price) / Math.abs(next)
      this.qty = next
      opened = qty
    } else {
      closed = Math.min(Math.abs(this.qty), qty)
      realized = closed * (price - this.avgPrice) * Math.sign(this.qty)
      const next = this.qty + signed
      opened = qty - closed
      if (sameQty(Math.abs(this.qty), qty)) {
        closed = qty
        opened = 0
        this.qty = 0
        this.avgPrice = 0
      } else {
        if (Math.sign(next) !== Math.sign(this.qty)) this.avgPrice = price
        this.qty = next
      }
    }
    this.realizedPnl += realized
    this.updatedAt = ts
    return {realized, opened, closed}
  }

  unrealized(mark: number): number {
    return this.qty * (mark - this.avgPrice)
  }

  snapshot(): PositionSnapshot {
    return {symbol: this.symbol, side: 'net', qty: this.qty, avgPrice: this.avgPrice, realizedPnl: this.realizedPnl, ts: this.updatedAt}
  }
}

/** One leg of a hedge-mode position. Opening trades add; reducing trades may not exceed the leg. */
export class HedgeLeg {
  qty = 0
  avgPrice = 0
  realizedPnl = 0
  updatedAt = 0

  constructor(readonly symbol: string, readonly side: 'long' | 'short') {}

  /** Direction of a trade that opens this leg. */
  get openingSide(): Side {
    return this.side === 'long' ? 'buy' : 'sell'
  }

  apply(side: Side, qty: number, price: number, ts: number): FillEffect {
    if (side === this.openingSide) {
      this.avgPrice = (this.qty * this.avgPrice + qty * price) / (this.qty + qty)
      this.qty += qty
      this.updatedAt = ts
      return {realized: 0, opened: qty, closed: 0}
    }
    // Refused before any change, so a rejected fill leaves the leg exactly as it was.
    if (qty > this.qty && !sameQty(qty, this.qty)) {
      throw new PositionError(`${this.symbol} ${this.side} leg: reduce of ${qty} exceeds the leg's ${this.qty}`)
    }
    this.updatedAt = ts
    const realized = qty * (price - this.avgPrice) * (this.side === 'long' ? 1 : -1)
    this.qty = sameQty(qty, this.qty) ? 0 : this.qty - qty
    if (this.qty < FLAT_EPS) {
      this.qty = 0
      this.avgPrice = 0
    }
    this.realizedPnl += realized
    return {realized, opened: 0, closed: qty}
  }

  unrealized(mark: number): number {
    return this.qty * (mark - this.avgPrice) * (this.side === 'long' ? 1 : -1)
  }

  snapshot(): PositionSnapshot {
    return {symbol: this.symbol, side: this.side, qty: this.qty, avgPrice: this.avgPrice, realizedPnl: this.realizedPnl, ts: this.updatedAt}
  }
}

export type AnyPosition = NetPosition | HedgeLeg

/** All positions of one account, keyed by symbol and leg. */
export class PositionBook {
  private readonly byKey = new Map<string, AnyPosition>()
  /** Every position ever opened, for allocation-free scans (callers skip qty 0). */
  readonly list: AnyPosition[] = []

  get(symbol: string, side: PositionSide): AnyPosition {
    const key = side === 'net' ? symbol : `${symbol}\u0000${side}`
    let p = this.byKey.get(key)
    if (!p) {
      p = side === 'net' ? new NetPosition(symbol) : new HedgeLeg(symbol, side)
      this.byKey.set(key, p)
      this.list.push(p)
    }
    return p
  }

  find(symbol: string, side: PositionSide): AnyPosition | undefined {
    return this.byKey.get(side === 'net' ? symbol : `${symbol}\u0000${side}`)
  }

  /** Signed quantity: net qty, or long leg qty for 'long', minus short leg for 'short' callers wanting sign. */
  qty(symbol: string, side: PositionSide = 'net'): number {
    return this.find(symbol, side)?.qty ?? 0
  }

  *open(): IterableIterator<AnyPosition> {
    for (const p of this.byKey.values()) if (p.qty !== 0) yield p
  }

  /**
   * Sets a position to what the venue reports (start-up reconcile): quantity and average price replace what the
   * book had; realized P&L stays the book's. `qty` is signed for a net position, the leg's size for a hedge leg.
   */
  reset(symbol: string, side: PositionSide, qty: number, avgPrice: number, ts: number): void {
    const p = this.get(symbol, side)
    p.qty = side === 'net' ? qty : Math.abs(qty)
    p.avgPrice = p.qty === 0 ? 0 : avgPrice
    p.updatedAt = ts
  }

  snapshots(): PositionSnapshot[] {
    return [...this.byKey.values()].map((p) => p.snapshot()).sort(comparePositions)
  }
}

function comparePositions(a: PositionSnapshot, b: PositionSnapshot): number {
  return a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.side < b.side ? -1 : a.side > b.side ? 1 : 0
}
