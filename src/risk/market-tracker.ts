/**
 * What the risk checks need to know about the data: per symbol, when its last bar arrived (the bar's close: that
 * is when the data became known, so a daily bar is fresh when it arrives), how many bars it has had, and its last
 * close. Fed by the session's bar loop; typed arrays by symbol index, O(1) per bar.
 */
export class MarketTracker {
  readonly lastTs: Float64Array
  readonly count: Float64Array
  readonly lastClose: Float64Array
  private readonly index: Map<string, number>
  /** When the first bar of the session arrived: a symbol not seen yet is only stale once it had time to arrive. */
  private start = Infinity

  constructor(readonly symbols: readonly string[]) {
    this.index = new Map(symbols.map((s, i) => [s, i]))
    this.lastTs = new Float64Array(symbols.length).fill(-Infinity)
    this.count = new Float64Array(symbols.length)
    this.lastClose = new Float64Array(symbols.length)
  }

  onBar(index: number, receivedAt: number, close: number): void {
    if (receivedAt < this.start) this.start = receivedAt
    this.lastTs[index] = receivedAt
    this.count[index]++
    this.lastClose[index] = close
  }

  indexOf(symbol: string): number {
    return this.index.get(symbol) ?? -1
  }

  lastDataAt(symbol: string): number {
    const i = this.indexOf(symbol)
    return i < 0 ? -Infinity : this.lastTs[i]
  }

  dataPoints(symbol: string): number {
    const i = this.indexOf(symbol)
    return i < 0 ? 0 : this.count[i]
  }

  price(symbol: string): number {
    const i = this.indexOf(symbol)
    return i < 0 ? 0 : this.lastClose[i]
  }

  /**
   * Fraction of symbols whose last bar arrived more than `maxAgeMs` before `now`. A symbol with no bar yet counts
   * as stale once the session has run longer than `maxAgeMs` (before that its first bar may simply not be due).
   */
  staleFraction(now: number, maxAgeMs: number): number {
    if (this.symbols.length === 0) return 0
    let stale = 0
    for (let i = 0; i < this.lastTs.length; i++) {
      const since = this.lastTs[i] === -Infinity ? this.start : this.lastTs[i]
      if (!(now - since <= maxAgeMs)) stale++
    }
    return stale / this.symbols.length
  }
}
