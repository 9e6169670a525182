/**
 * Price paths inside a bar, where an order's trigger or limit is first reached on them, and the price rules of a
 * trade there (slippage; whether an order is marketable). The matcher (matcher.ts) trades the book with these.
 *
 * Convention: a bar that closes at or above its open went open → low → high → close; one that closes below
 * went open → high → low → close (the extreme farthest from the close is visited first). A trade print is a
 * one-point path. Prices between path points move continuously, so a level between two points is reached
 * exactly at that level; a level already passed at the first point (a gap) is reached at that point's price.
 */
import {roundToStep} from '../core/instrument.js'
import type {OrderRequest} from '../core/order.js'

/** Up to four path points, reused to avoid allocation on the hot path. */
export class PricePath {
  readonly points = new Float64Array(4)
  length = 0

  setBar(open: number, high: number, low: number, close: number): this {
    const p = this.points
    p[0] = open
    if (close >= open) {
      p[1] = low
      p[2] = high
    } else {
      p[1] = high
      p[2] = low
    }
    p[3] = close
    this.length = 4
    return this
  }

  /** The stretch of a bar's path between two consecutive points (time-true bars match point by point). */
  setSegment(from: number, to: number): this {
    this.points[0] = from
    this.points[1] = to
    this.length = 2
    return this
  }

  setPrint(price: number): this {
    this.points[0] = price
    this.length = 1
    return this
  }
}

/** Where on a path a level was reached: the segment start index (fractional position) and the price. */
export interface Touch {
  /** Index of the path point at or after which the level was reached; -1 when never. */
  index: number
  price: number
}

/**
 * First point where the price is at or above `level` (direction 'up') or at or below it ('down'), searching
 * from path position `from`. Writes into `out` and returns whether it was reached.
 */
export function firstTouch(path: PricePath, level: number, direction: 'up' | 'down', from: number, fromPrice: number, out: Touch): boolean {
  const p = path.points
  const reached = (x: number): boolean => (direction === 'up' ? x >= level : x <= level)
  if (reached(fromPrice)) {
    out.index = from
    out.price = fromPrice
    return true
  }
  for (let i = from + 1; i < path.length; i++) {
    if (reached(p[i])) {
      out.index = i
      out.price = level
      return true
    }
  }
  out.index = -1
  return false
}

/**
 * `price` moved against the taker by the slippage setting (ticks plus basis points), rounded adversely onto the
 * tick grid, as venues print on it.
 */
export function slipped(price: number, buy: boolean, tickSize: number, s: {readonly ticks: number; readonly bps: number}): number {
  if (s.ticks === 0 && s.bps === 0) return price
  const d = s.ticks * tickSize + (price * s.bps) / 10_000
  const k = buy ? Math.ceil((price + d) / tickSize - 1e-9) : Math.floor((price - d) / tickSize + 1e-9)
  return roundToStep(Math.max(1, k) * tickSize, tickSize)
}

/** Whether an order could take liquidity at the last price `last` (0: none known yet). */
export function marketable(req: OrderRequest, last: number): boolean {
  if (req.type === 'market') return true
  if (req.type !== 'limit' || !(last > 0)) return false
  return req.side === 'buy' ? last <= req.limitPrice! : last >= req.limitPrice!
}
