/**
 * The market data an emulator replays: bars in the order they close, shifted by a fixed offset so the first bar
 * opens at the venue's time origin. Bars stay in columns (as the DuckDB stream yields them, or converted once from
 * FeedBar objects); a FeedBar is built only when a bar is replayed.
 */
import type {FeedBar} from '../../broker/market-feed.js'
import type {BarChunk} from '../../core/market-data.js'
import {EmulatorError} from './errors.js'

/** Bars in columnar chunks, merged across symbols in (ts, symbol) order, all of one length: what the store streams. */
export interface BarSeries {
  /** Names of the chunks' symbol indices. */
  readonly symbols: readonly string[]
  readonly tfMs: number
  readonly chunks: readonly BarChunk[]
}

export type BarSource = readonly FeedBar[] | BarSeries

interface Column extends BarChunk {
  /** Bar length: one for the chunk, or per row. */
  readonly tf: number | Float64Array
}

export class BarTape {
  private readonly columns: Column[]
  private readonly names: readonly string[]
  private readonly count: number
  private chunk = 0
  private row = 0
  private taken = 0

  /** Added to every bar's open time (see `shiftTo`). */
  private offset = 0

  /** `symbols` are the names the venue serves. */
  constructor(source: BarSource, symbols: ReadonlySet<string>) {
    if (isSeries(source)) {
      this.names = source.symbols
      this.columns = source.chunks.filter((c) => c.length > 0).map((c) => ({...c, tf: source.tfMs}))
      if (!(source.tfMs > 0)) throw new EmulatorError(`bar length must be > 0 ms, got ${source.tfMs}`)
    } else {
      const fromObjects = columnsOf(source)
      this.names = fromObjects.names
      this.columns = fromObjects.column.length > 0 ? [fromObjects.column] : []
    }
    const foreign = this.names.filter((s) => !symbols.has(s))
    if (foreign.length > 0) throw new EmulatorError(`bars of ${foreign.join(', ')}, which is not among the emulated instruments (${[...symbols].join(', ')}); add the instrument or drop its bars`)
    this.count = this.columns.reduce((n, c) => n + c.length, 0)
    this.checkOrder()
  }

  /** Shifts the data so the first bar opens at `start` (venue time). */
  shiftTo(start: number): void {
    const first = this.firstOpen()
    this.offset = first === undefined ? 0 : start - first
  }

  /** What `shiftTo` adds to the data's times (ms): other data of the same period (funding rates) moves with it. */
  get shift(): number {
    return this.offset
  }

  /** Open time of the first bar in the data's own time; undefined without bars. */
  firstOpen(): number | undefined {
    return this.columns.length === 0 ? undefined : this.columns[0].ts[0]
  }

  get total(): number {
    return this.count
  }

  get replayed(): number {
    return this.taken
  }

  /** Venue time at which the next bar closes; +Infinity when the tape is done. */
  nextEnd(): number {
    if (this.chunk >= this.columns.length) return Infinity
    const c = this.columns[this.chunk]
    return c.ts[this.row] + tfAt(c, this.row) + this.offset
  }

  /** The next bar, shifted to venue time. */
  take(): FeedBar {
    const c = this.columns[this.chunk]
    const i = this.row
    const bar: FeedBar = {symbol: this.names[c.symbol[i]], ts: c.ts[i] + this.offset, tfMs: tfAt(c, i), open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i]}
    this.taken++
    if (++this.row >= c.length) {
      this.chunk++
      this.row = 0
    }
    return bar
  }

  /** The first open of each symbol, to mark the book before any bar has closed. */
  firstOpens(): Map<string, number> {
    const out = new Map<string, number>()
    for (const c of this.columns) {
      for (let i = 0; i < c.length && out.size < this.names.length; i++) {
        const name = this.names[c.symbol[i]]
        if (!out.has(name)) out.set(name, c.open[i])
      }
    }
    return out
  }

  private checkOrder(): void {
    let prevEnd = -Infinity
    let n = 0
    for (const c of this.columns) {
      for (let i = 0; i < c.length; i++, n++) {
        const tf = tfAt(c, i)
        const end = c.ts[i] + tf
        if (!(tf > 0) || !Number.isFinite(c.ts[i])) throw new EmulatorError(`bar ${n} of ${this.names[c.symbol[i]]} has ts ${c.ts[i]} and tfMs ${tf}; both must be finite and tfMs > 0`)
        if (end < prevEnd) throw new EmulatorError(`bars must be given oldest first: bar ${n} (${this.names[c.symbol[i]]}) closes before bar ${n - 1}; sort them by close time`)
        prevEnd = end
      }
    }
  }
}

function isSeries(s: BarSource): s is BarSeries {
  return !Array.isArray(s)
}

function tfAt(c: Column, i: number): number {
  return typeof c.tf === 'number' ? c.tf : c.tf[i]
}

function columnsOf(bars: readonly FeedBar[]): {names: string[]; column: Column} {
  const names: string[] = []
  const index = new Map<string, number>()
  const n = bars.length
  const column = {
    length: n,
    symbol: new Uint16Array(n),
    ts: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    tf: new Float64Array(n),
  }
  for (let i = 0; i < n; i++) {
    const b = bars[i]
    let k = index.get(b.symbol)
    if (k === undefined) {
      index.set(b.symbol, (k = names.length))
      names.push(b.symbol)
    }
    column.symbol[i] = k
    column.ts[i] = b.ts
    column.open[i] = b.open
    column.high[i] = b.high
    column.low[i] = b.low
    column.close[i] = b.close
    column.volume[i] = b.volume
    column.tf[i] = b.tfMs
  }
  return {names, column}
}
