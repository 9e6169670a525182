/**
 * The raw read cost of a backtest: every bar of the benchmark database through the reader the backtest uses
 * (the planned stream of all 100 symbols, 1m, read on a worker thread), each value folded into a checksum so no
 * read can be skipped.
 */

import {MarketDataStore} from '../src/data/store.js'
import {threadedBarStream} from '../src/data/threaded-stream.js'

export interface ScanResult {
  readonly rows: number
  readonly seconds: number
  readonly checksum: number
}

export async function scanRaw(dbPath: string, opts: {chunkRows?: number; windowRows?: number} = {}): Promise<ScanResult> {
  const started = performance.now()
  const store = await MarketDataStore.open(dbPath, {readOnly: true})
  let plan
  try {
    plan = await store.planStream({timeframe: '1m', chunkRows: opts.chunkRows, windowRows: opts.windowRows})
  } finally {
    store.close()
  }
  {
    // The same reader the backtest uses: DuckDB on a worker thread, chunks transferred to this one.
    const stream = threadedBarStream(dbPath, plan)
    let rows = 0
    let checksum = 0
    for await (const chunk of stream) {
      const {symbol, ts, open, high, low, close, volume} = chunk
      for (let i = 0; i < chunk.length; i++) {
        checksum += symbol[i] + ts[i] * 1e-12 + open[i] + high[i] + low[i] + close[i] + volume[i] * 1e-4
      }
      rows += chunk.length
    }
    return {rows, seconds: (performance.now() - started) / 1000, checksum}
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const {ensureBenchData} = await import('./generate-data.js')
  const data = await ensureBenchData()
  const chunkRows = process.argv[2] ? Number(process.argv[2]) : undefined
  for (let run = 1; run <= 3; run++) {
    const r = await scanRaw(data.dbPath, {chunkRows})
    console.log(
      `run ${run}: ${r.rows} rows in ${r.seconds.toFixed(2)} s = ${(r.rows / r.seconds / 1e6).toFixed(2)} M rows/s (checksum ${r.checksum.toFixed(3)}, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB)`,
    )
  }
}
