/** Market data shapes shared by the data store, the engine, the simulator and strategies. Times are UTC epoch ms. */

export type Timeframe = '1m' | '5m' | '15m' | '1h' | '1d'

export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
}

/**
 * A columnar slice of bars, merged across symbols in (ts, symbol index) order.
 * `ts` is the bar's OPEN time; a bar is known (delivered) at ts + timeframe.
 * `symbol[i]` indexes into `BarStream.symbols`, which is sorted, so the merge order never depends on how
 * the user listed the symbols.
 */
export interface BarChunk {
  readonly length: number
  readonly symbol: Uint16Array
  readonly ts: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
}

/** One bar, as strategies see it. Built on demand from a chunk row; never allocated in bulk. */
export interface Bar {
  readonly symbol: string
  /** Position of `symbol` in the run's sorted symbol list (StrategyContext.symbols): an array index for hot paths. */
  readonly index: number
  readonly ts: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

/** A stream of bar chunks for a fixed, sorted symbol list. */
export interface BarStream extends AsyncIterable<BarChunk> {
  readonly symbols: readonly string[]
  readonly timeframe: Timeframe
}
