/** Synthetic bar chunks for the bar walk's tests (src/engine/bar-walk.test.ts, test/engine/bar-walk-runs.test.ts). */
import type {BarChunk, BarStream} from '../../src/core/market-data.js'

export const T0 = Date.UTC(2024, 0, 2)
export const MIN = 60_000

/** `instants` bar instants of `symbols` symbols each (1m bars), split into chunks of `chunkRows` rows. */
export function chunks(instants: number, symbols: number, chunkRows: number): BarChunk[] {
  const n = instants * symbols
  const out: BarChunk[] = []
  for (let at = 0; at < n; at += chunkRows) {
    const len = Math.min(chunkRows, n - at)
    const row = (i: number): number => at + i
    out.push({
      length: len,
      symbol: Uint16Array.from({length: len}, (_, i) => row(i) % symbols),
      ts: Float64Array.from({length: len}, (_, i) => T0 + Math.floor(row(i) / symbols) * MIN),
      // The close carries the row number, so a test can see which row a hook got.
      open: new Float64Array(len).fill(100),
      high: new Float64Array(len).fill(101),
      low: new Float64Array(len).fill(99),
      close: Float64Array.from({length: len}, (_, i) => row(i)),
      volume: new Float64Array(len).fill(1_000),
    })
  }
  return out
}

export function streamOf(parts: readonly BarChunk[], symbols = ['AAA', 'BBB']): BarStream {
  return {symbols, timeframe: '1m', [Symbol.asyncIterator]: async function* () { yield* parts }}
}
