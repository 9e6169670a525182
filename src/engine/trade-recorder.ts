/**
 * Turns executions into closed round trips: a trade opens when a position (or hedge leg) leaves zero and
 * closes when it returns to zero. Fees of both legs are charged to the trade; a fill that flips a netting
 * position closes one trade and opens the next, splitting its fee pro rata.
 */
import type {Fill} from '../core/fill.js'
import type {ClosedTrade} from '../core/trade.js'

interface OpenTrade {
  /** Kept here, not parsed back from the map key: a symbol may itself contain ':' (e.g. 'BINANCE:BTCUSDT'). */
  symbol: string
  direction: 'long' | 'short'
  qty: number
  maxQty: number
  entryTs: number
  entryCost: number
  exitValue: number
  exitQty: number
  fees: number
}

export class TradeRecorder {
  readonly trades: ClosedTrade[] = []
  private readonly open = new Map<string, OpenTrade>()

  constructor(private readonly reasonOf: (clientOrderId: string) => string | undefined) {}

  apply(f: Fill): void {
    const key = f.positionSide === 'net' ? f.symbol : `${f.symbol}\u0000${f.positionSide}`
    let qty = f.qty
    let t = this.open.get(key)
    if (t) {
      const reducing = (t.direction === 'long') === (f.side === 'sell')
      if (!reducing) {
        this.add(t, qty, f.price, f.fee)
        return
      }
      const closeQty = Math.min(qty, t.qty)
      const fee = (f.fee * closeQty) / f.qty
      t.exitValue += closeQty * f.price
      t.exitQty += closeQty
      t.fees += fee
      t.qty -= closeQty
      qty -= closeQty
      // 1e-12, not QTY_EPS (1e-9): kept so trades (and their outputs) do not change.
      if (t.qty <= 1e-12) {
        this.close(f.symbol, t, f.ts, this.reasonOf(f.clientOrderId) ?? 'signal')
        this.open.delete(key)
      }
      if (qty <= 1e-12) return
    }
    const direction = f.positionSide === 'long' ? 'long' : f.positionSide === 'short' ? 'short' : f.side === 'buy' ? 'long' : 'short'
    t = {symbol: f.symbol, direction, qty: 0, maxQty: 0, entryTs: f.ts, entryCost: 0, exitValue: 0, exitQty: 0, fees: 0}
    this.add(t, qty, f.price, (f.fee * qty) / f.qty)
    this.open.set(key, t)
  }

  /** Positions still open at the end of the data, valued at their marks without an exit fee. */
  closeOpen(ts: number, markOf: (symbol: string) => number): void {
    for (const [, t] of [...this.open.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      t.exitValue += t.qty * markOf(t.symbol)
      t.exitQty += t.qty
      t.qty = 0
      this.close(t.symbol, t, ts, 'end_of_data')
    }
    this.open.clear()
  }

  private add(t: OpenTrade, qty: number, price: number, fee: number): void {
    t.entryCost += qty * price
    t.qty += qty
    t.maxQty += qty
    t.fees += fee
  }

  private close(symbol: string, t: OpenTrade, ts: number, exitReason: string): void {
    const entryPrice = t.entryCost / t.maxQty
    const exitPrice = t.exitValue / t.exitQty
    const gross = t.direction === 'long' ? t.exitValue - t.entryCost : t.entryCost - t.exitValue
    this.trades.push({
      symbol,
      direction: t.direction,
      qty: t.maxQty,
      entryTs: t.entryTs,
      entryPrice,
      exitTs: ts,
      exitPrice,
      pnl: gross - t.fees,
      fees: t.fees,
      exitReason,
    })
  }
}
