/**
 * Market data for `trader exchange serve`: the bars of the chosen symbols from the DuckDB store, read through the
 * backtest's data path (same store, sample import, stream plan and reader), kept in the stream's columnar chunks.
 */
import type {Instrument} from '../../core/instrument.js'
import type {FundingRate} from '../../sim/funding.js'
import {type BarChunk, TIMEFRAME_MS, type Timeframe} from '../../core/market-data.js'
import {UserInputError} from '../../core/errors.js'
import type {BarSeries} from './bar-tape.js'

export interface EmulatorDataQuery {
  readonly venue: 'alpaca' | 'bybit'
  /** Default: $TRADER_DATA_DB or data/trader.duckdb, with the bundled sample imported on first use. */
  readonly db?: string
  /** Default: every symbol the store lists for this venue in `timeframe`. */
  readonly symbols?: readonly string[]
  readonly from?: number
  readonly to?: number
  readonly timeframe: Timeframe
}

export interface EmulatorData {
  /** The store's chunks as streamed (columns, (ts, symbol) order): no object per bar until it is replayed. */
  readonly bars: BarSeries
  readonly rows: number
  /** Open of the first bar and close of the last, data time. */
  readonly first: number
  readonly end: number
  /** In the store's sorted symbol order, with `venue` set to the emulated venue. */
  readonly instruments: Instrument[]
  readonly notices: string[]
  /** Funding rates of the perpetuals over the period (data time), from the store. */
  readonly funding: readonly FundingRate[]
}

/** Which asset classes each emulated venue trades. */
const SERVES: Record<'alpaca' | 'bybit', readonly string[]> = {alpaca: ['us_equity', 'crypto_spot'], bybit: ['crypto_perp']}

export async function loadEmulatorData(q: EmulatorDataQuery): Promise<EmulatorData> {
  const symbols = q.symbols && q.symbols.length > 0 ? q.symbols : await venueSymbols(q)
  const {openBacktestData} = await import('../../run/backtest-job.js')
  const data = await openBacktestData({strategy: 'none', params: {}, symbols, from: q.from, to: q.to, timeframe: q.timeframe, db: q.db, sim: {}, risk: null})
  const wrong = data.instruments.filter((i) => !SERVES[q.venue].includes(i.assetClass))
  if (wrong.length > 0) {
    throw new UserInputError(
      `${wrong.map((i) => `${i.symbol} (${i.assetClass})`).join(', ')} cannot be served by the ${q.venue} emulator, which trades ${SERVES[q.venue].join(' / ')}; choose --symbols from \`trader data list\``,
    )
  }
  const tfMs = TIMEFRAME_MS[q.timeframe]
  const chunks: BarChunk[] = []
  let rows = 0
  for await (const c of data.stream) {
    if (c.length === 0) continue
    chunks.push(c)
    rows += c.length
  }
  if (rows === 0) throw new UserInputError(`no ${q.timeframe} bars for ${data.stream.symbols.join(',')} in the chosen period; check --from / --to against \`trader data list\``)
  const last = chunks[chunks.length - 1]
  return {
    bars: {symbols: data.stream.symbols, tfMs, chunks},
    rows,
    first: chunks[0].ts[0],
    end: last.ts[last.length - 1] + tfMs,
    instruments: data.instruments.map((i) => ({...i, venue: q.venue})),
    notices: [...data.notices],
    funding: data.funding,
  }
}

/** The store's symbols of `venue` in `timeframe` (the sample is imported first when no database is named). */
async function venueSymbols(q: EmulatorDataQuery): Promise<string[]> {
  const {defaultDatabasePath, openStoreForReading} = await import('../../data/sample.js')
  const store = await openStoreForReading(q.db ?? defaultDatabasePath(), {sample: !q.db})
  try {
    const series = (await store.list()).filter((s) => s.timeframe === q.timeframe && s.venue === q.venue)
    if (series.length === 0) throw new UserInputError(`the store has no ${q.timeframe} bars for ${q.venue}; import some with \`trader data import\` or pass --symbols / --timeframe from \`trader data list\``)
    return series.map((s) => s.symbol)
  } finally {
    store.close()
  }
}
