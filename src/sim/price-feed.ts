/**
 * The market data the engine feeds the venue: whole bars at their close (a live feed), time-true bars walked point
 * by point along their path (a backtest), trade prints and start-up marks. Each moves the marks, trades the book on
 * the way (matcher.ts) and checks perpetual margin (margin.ts). Per bar this touches only typed arrays.
 */
import type {EventLoop} from '../engine/event-loop.js'
import type {Fills} from './fills.js'
import type {Margin} from './margin.js'
import {isMarketOpen, sessionOf} from '../core/calendar/index.js'
import type {Matcher} from './matcher.js'
import type {OrderBook} from './order-book.js'
import type {MarketTape} from './tape.js'

export class PriceFeed {
  /**
   * Time-true bars (openBar / pathPoint): each symbol's current path (open, two extremes, close; 4 per symbol), how
   * far along it the venue is (-1 before the open, 3 once closed), whether the bar is in a trading session, and the
   * times of the instant's path points (every bar of an instant shares them).
   */
  private readonly pathPrices: Float64Array
  private readonly pathPos: Int8Array
  private readonly pathTradable: Uint8Array
  private readonly pathAt = new Float64Array(4)
  /** Symbols whose bar opened at the current instant. */
  private readonly inBar: Int32Array
  private inBarCount = 0
  /** The path point every bar of the instant has reached (-1 right after they open). */
  private pathSynced = 3

  constructor(
    private readonly loop: EventLoop,
    /** Whether orders only trade in the US regular session. */
    private readonly marketHours: boolean,
    private readonly tape: MarketTape,
    private readonly book: OrderBook,
    private readonly fills: Fills,
    private readonly matcher: Matcher,
    private readonly margin: Margin,
  ) {
    const n = book.symbols
    this.pathPrices = new Float64Array(4 * n)
    this.pathPos = new Int8Array(n).fill(3)
    this.pathTradable = new Uint8Array(n)
    this.inBar = new Int32Array(n)
  }

  /**
   * One bar of symbol `sym` (open time `ts`, length `tfMs`), processed when the bar has closed. Matches the
   * resting orders that had reached the book before the bar ended, then marks the symbol at the close.
   */
  onBar(sym: number, ts: number, tfMs: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.tape.startBar(sym, ts, tfMs, volume)
    if (this.book.bookOf(sym).length > 0 && this.tradable(ts, tfMs)) {
      this.matcher.path.setBar(open, high, low, close)
      this.matcher.matchBook(sym, ts + tfMs - 1, volume)
    }
    this.tape.mark(sym, close)
    if (this.fills.perpPositions > 0) this.margin.checkMargin(sym)
  }

  /**
   * Time-true bars (a backtest): the bar of `sym` opens now, at `openAt`; its path (open, the extreme farthest from the
   * close, the other extreme, close — matching.ts) is reached point by point at the times the walk announces with
   * `pathPoint`, ending at `closeAt`. Resting orders meet the open now. `ts` / `tfMs` are the bar as stored.
   */
  openBar(sym: number, ts: number, tfMs: number, openAt: number, closeAt: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.tape.timeTrue = true
    this.tape.startBar(sym, ts, tfMs, volume)
    if (this.inBarCount === 0) {
      this.pathSynced = -1
      const at = this.pathAt
      at[0] = openAt
      at[1] = openAt + Math.floor((closeAt - openAt) / 3)
      at[2] = openAt + Math.floor(((closeAt - openAt) * 2) / 3)
      at[3] = closeAt
    }
    const base = 4 * sym
    const pp = this.pathPrices
    pp[base] = open
    if (close >= open) {
      pp[base + 1] = low
      pp[base + 2] = high
    } else {
      pp[base + 1] = high
      pp[base + 2] = low
    }
    pp[base + 3] = close
    // Whether the bar is in a session is asked only when something could trade on it (2: not asked yet).
    this.pathTradable[sym] = 2
    this.pathPos[sym] = -1
    this.inBar[this.inBarCount++] = sym
    if (!this.quiet) this.advance(sym, 0)
  }

  /**
   * Point `k` (1, 2: the extremes; 3: the close) of the paths of the bars opened at this instant is reached. While
   * nothing rests on the book and no perpetual is open, the inner points change nothing but the marks, which are
   * brought up to date when anything looks at the venue (`syncPath`), so a quiet bar costs one call per instant.
   */
  pathPoint(k: 1 | 2 | 3): void {
    if (k < 3 && this.quiet) return
    const bars = this.inBar
    for (let j = 0; j < this.inBarCount; j++) this.advance(bars[j], k)
    this.pathSynced = k
    if (k === 3) this.inBarCount = 0
  }

  /** Brings every bar of the instant up to the last path point at or before now (before the venue acts or answers). */
  syncPath(): void {
    if (this.inBarCount === 0) return
    const now = this.loop.clock.now()
    const at = this.pathAt
    const k = now >= at[3] ? 3 : now >= at[2] ? 2 : now >= at[1] ? 1 : 0
    if (k <= this.pathSynced) return
    const bars = this.inBar
    for (let j = 0; j < this.inBarCount; j++) this.advance(bars[j], k)
    this.pathSynced = k
  }

  /** Whether the symbol's bar is under way and tradable now: an arriving order meets its current price. */
  midBar(sym: number): boolean {
    const pos = this.pathPos[sym]
    return this.tape.timeTrue && pos >= 0 && pos < 3 && this.pathIsTradable(sym)
  }

  /** One trade print: a one-point path whose size bounds what orders may take from it. */
  onTrade(sym: number, ts: number, price: number, size: number): void {
    this.tape.startBar(sym, ts, 0, size)
    if (this.book.bookOf(sym).length > 0 && this.tradable(ts, 0)) {
      this.matcher.path.setPrint(price)
      this.matcher.matchBook(sym, ts, size)
    }
    this.tape.mark(sym, price)
    if (this.fills.perpPositions > 0) this.margin.checkMargin(sym)
  }

  /** Nothing the inner points of a path could trade or liquidate. */
  private get quiet(): boolean {
    return this.book.restingCount === 0 && this.fills.perpPositions === 0
  }

  /** Walks `sym`'s path up to point `k`: each point marks the symbol, then trades the book on the way to it. */
  private advance(sym: number, k: number): void {
    const pp = this.pathPrices
    const base = 4 * sym
    if (this.pathPos[sym] >= k) return
    if (this.book.bookOf(sym).length === 0 && this.fills.perpPositions === 0) {
      // Nothing to trade or liquidate on the way: only the mark moves, straight to point k.
      this.pathPos[sym] = k
      this.tape.mark(sym, pp[base + k])
      return
    }
    while (this.pathPos[sym] < k) {
      const j = ++this.pathPos[sym]
      const price = pp[base + j]
      this.tape.mark(sym, price)
      if (this.book.bookOf(sym).length > 0 && this.pathIsTradable(sym)) {
        if (j === 0) this.matcher.path.setPrint(price)
        else this.matcher.path.setSegment(pp[base + j - 1], price)
        this.matcher.marketsTrade = j === 0
        this.matcher.matchBook(sym, this.loop.clock.now(), this.tape.lastVolume[sym])
        this.matcher.marketsTrade = true
      }
      if (this.fills.perpPositions > 0) this.margin.checkMargin(sym)
    }
  }

  /** Whether the symbol's current time-true bar lies in a trading session (asked once per bar, when needed). */
  private pathIsTradable(sym: number): boolean {
    if (this.pathTradable[sym] === 2) this.pathTradable[sym] = this.tradable(this.tape.barTs[sym], this.tape.barTf[sym]) ? 1 : 0
    return this.pathTradable[sym] === 1
  }

  private tradable(ts: number, tfMs: number): boolean {
    if (!this.marketHours) return true
    if (tfMs >= 86_400_000) return sessionOf(ts + 12 * 3_600_000) !== null
    return isMarketOpen(ts)
  }
}
