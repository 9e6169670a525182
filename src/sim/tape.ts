/**
 * What the venue knows of each symbol's market, by symbol index: the last price (the mark, kept in the ledger too),
 * the latest bar or print and how much of its volume orders have taken. Typed arrays, shared by the parts of the
 * simulated exchange that read or move the market; written by the price feed (price-feed.ts; start-up marks too)
 * and the matcher (the volume taken).
 */
import type {Ledger} from '../core/ledger.js'
import type {Instrument} from '../core/instrument.js'

export class MarketTape {
  readonly last: Float64Array
  /** Volume of the latest bar (or size of the latest print). */
  readonly lastVolume: Float64Array
  /** Volume already taken by orders in the current bar, per symbol. */
  readonly taken: Float64Array
  /** Open time of the latest bar (or time of the latest print). */
  readonly barTs: Float64Array
  /** Length of the symbol's bars (0 for trade prints). */
  readonly barTf: Float64Array
  /** The ledger's mark slot of each symbol index. */
  readonly slots: Int32Array
  /** Whether bars come time-true (a backtest) rather than whole at their close (a live feed). */
  timeTrue = false

  constructor(instruments: readonly Instrument[], private readonly ledger: Ledger) {
    const n = instruments.length
    this.last = new Float64Array(n)
    this.lastVolume = new Float64Array(n)
    this.taken = new Float64Array(n)
    this.barTs = new Float64Array(n).fill(-Infinity)
    this.barTf = new Float64Array(n)
    this.slots = Int32Array.from(instruments, (inst) => ledger.slotOf(inst.symbol))
  }

  /** A new bar or print of `sym`: nothing of its volume taken yet. */
  startBar(sym: number, ts: number, tfMs: number, volume: number): void {
    this.lastVolume[sym] = volume
    this.barTs[sym] = ts
    this.barTf[sym] = tfMs
    this.taken[sym] = 0
  }

  /** Sets the symbol's last price and the ledger's mark. */
  mark(sym: number, price: number): void {
    this.last[sym] = price
    this.ledger.setMarkAt(this.slots[sym], price)
  }
}
