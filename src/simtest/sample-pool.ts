/**
 * Data slices the simulation tester draws from besides the scenario files: minute bars of the bundled sample
 * (data/sample, Lean zips) read straight from the files — no market-data database, so any number of tester
 * processes can read them at once, and a drawn slice is written into its scenario as inline bars (a repro file
 * needs nothing else).
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {unzipSync} from 'fflate'
import {parseLeanCsv, parseLeanPath} from '../data/import/lean.js'
import {SAMPLE_DIR} from '../data/sample.js'

/** One bar as a scenario writes it: [symbol, open time (UTC ms), open, high, low, close, volume]. */
export type InlineBar = [string, number, number, number, number, number, number]

export interface SampleSeries {
  readonly symbol: string
  readonly venue: 'alpaca' | 'bybit'
  readonly assetClass: 'us_equity' | 'crypto_perp'
  readonly bars: readonly InlineBar[]
}

/** The files used, fixed so a seed draws the same slice wherever it runs (the sample's own version pins them). */
const FILES: readonly {path: string; symbol: string; venue: 'alpaca' | 'bybit'; assetClass: 'us_equity' | 'crypto_perp'}[] = [
  {path: 'cryptofuture/bybit/minute/btcusdt/20221213_trade.zip', symbol: 'BTCUSDT', venue: 'bybit', assetClass: 'crypto_perp'},
  {path: 'equity/usa/minute/spy/20131008_trade.zip', symbol: 'SPY', venue: 'alpaca', assetClass: 'us_equity'},
  {path: 'equity/usa/minute/ibm/20131010_trade.zip', symbol: 'IBM', venue: 'alpaca', assetClass: 'us_equity'},
]

let cached: readonly SampleSeries[] | undefined

/** The sample series, read once per process. */
export function samplePool(dir: string = SAMPLE_DIR): readonly SampleSeries[] {
  if (cached && dir === SAMPLE_DIR) return cached
  const out = FILES.map((f) => {
    const path = join(dir, f.path)
    const file = parseLeanPath(path)
    if (!file) throw new Error(`simtest: ${path} is not a Lean sample file`)
    const entries = unzipSync(new Uint8Array(readFileSync(path)), {filter: (e) => e.name.toLowerCase().endsWith('.csv')})
    const text = new TextDecoder().decode(Object.values(entries)[0])
    const cols = parseLeanCsv(text, file, (line) => `${path} line ${line}`)
    const bars: InlineBar[] = []
    for (let i = 0; i < cols.ts.length; i++) bars.push([f.symbol, cols.ts[i], cols.open[i], cols.high[i], cols.low[i], cols.close[i], cols.volume[i]])
    return {symbol: f.symbol, venue: f.venue, assetClass: f.assetClass, bars}
  })
  if (dir === SAMPLE_DIR) cached = out
  return out
}
