import {existsSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {BarStream} from '../core/market-data.js'
import {NoDataError, StoreOpenError} from './errors.js'
import {importPaths} from './import/import-paths.js'
import {defaultDatabasePath, ensureSampleData, SAMPLE_DIR} from './sample.js'
import {MarketDataStore} from './store.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-store-'))
const dbPath = join(dir, 'nested', 'store.duckdb')
let store: MarketDataStore

const MINUTE_SYMBOLS = ['SPY', 'AIG', 'BAC', 'IBM']

beforeAll(async () => {
  store = await MarketDataStore.open(dbPath)
  await importPaths(store, MINUTE_SYMBOLS.map((s) => join(SAMPLE_DIR, 'equity/usa/minute', s.toLowerCase())))
})
afterAll(() => {
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

type Row = [symbol: string, ts: number, open: number, high: number, low: number, close: number, volume: number]

async function collect(stream: BarStream): Promise<{rows: Row[]; chunkLengths: number[]}> {
  const rows: Row[] = []
  const chunkLengths: number[] = []
  for await (const c of stream) {
    chunkLengths.push(c.length)
    for (const col of [c.symbol, c.ts, c.open, c.high, c.low, c.close, c.volume]) expect(col.length).toBe(c.length)
    for (let i = 0; i < c.length; i++) {
      rows.push([stream.symbols[c.symbol[i]], c.ts[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]])
    }
  }
  return {rows, chunkLengths}
}

describe('MarketDataStore', () => {
  it('creates the parent directory with mode 0700', () => {
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700)
  })

  it('lists each symbol and timeframe with venue, range and row count', async () => {
    const list = await store.list()
    expect(list.map((s) => s.symbol)).toEqual(['AIG', 'BAC', 'IBM', 'SPY'])
    const spy = list.find((s) => s.symbol === 'SPY')!
    expect(spy).toEqual({
      symbol: 'SPY',
      timeframe: '1m',
      venue: 'alpaca',
      assetClass: 'us_equity',
      first: Date.UTC(2013, 9, 4, 8, 6),
      last: Date.UTC(2013, 9, 11, 23, 59),
      rows: 4839,
    })
  })

  it('merges symbols in (ts, sorted symbol index) order, matching a merge of single-symbol streams', async () => {
    const merged = await store.streamBars({symbols: ['SPY', 'AIG', 'BAC', 'IBM'], timeframe: '1m'})
    expect(merged.symbols).toEqual(['AIG', 'BAC', 'IBM', 'SPY'])
    const {rows} = await collect(merged)
    const singles: Row[] = []
    for (const s of MINUTE_SYMBOLS) singles.push(...(await collect(await store.streamBars({symbols: [s], timeframe: '1m'}))).rows)
    const order = (r: Row) => merged.symbols.indexOf(r[0])
    singles.sort((a, b) => a[1] - b[1] || order(a) - order(b))
    expect(rows).toEqual(singles)
    expect(rows.length).toBe((await store.list()).reduce((n, s) => n + s.rows, 0))
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i][1] > rows[i - 1][1] || (rows[i][1] === rows[i - 1][1] && order(rows[i]) > order(rows[i - 1]))).toBe(true)
    }
  })

  it('gives the same stream whatever the order or repetition of the requested symbols', async () => {
    const a = await store.streamBars({symbols: ['IBM', 'SPY'], timeframe: '1m'})
    const b = await store.streamBars({symbols: ['spy', 'IBM', 'SPY'], timeframe: '1m'})
    expect(b.symbols).toEqual(['IBM', 'SPY'])
    expect(await collect(b)).toEqual(await collect(a))
  })

  it('yields the same rows for any chunk size and query window, every chunk full but the last', async () => {
    const reference = (await collect(await store.streamBars({timeframe: '1m'}))).rows
    for (const [chunkRows, windowRows] of [
      [1, 1_000_000],
      [7, 50],
      [2048, 333],
      [5000, 2000],
      [1_000_000, 100_000_000],
    ]) {
      const {rows, chunkLengths} = await collect(await store.streamBars({timeframe: '1m', chunkRows, windowRows}))
      expect(rows).toEqual(reference)
      expect(chunkLengths.slice(0, -1).every((n) => n === chunkRows)).toBe(true)
      expect(chunkLengths.at(-1)).toBeLessThanOrEqual(chunkRows)
    }
  })

  it('can be abandoned mid-way and iterated again', async () => {
    const stream = await store.streamBars({symbols: ['SPY', 'IBM'], timeframe: '1m', chunkRows: 100})
    for await (const chunk of stream) {
      expect(chunk.length).toBe(100)
      break
    }
    const {rows} = await collect(stream)
    expect(rows.length).toBe(4839 + 2566)
  })

  it('restricts to [from, to) and can be iterated again, or twice at once', async () => {
    const from = Date.UTC(2013, 9, 7, 13, 30)
    const to = Date.UTC(2013, 9, 7, 20)
    const stream = await store.streamBars({symbols: ['SPY', 'BAC'], timeframe: '1m', from, to})
    const [first, second] = await Promise.all([collect(stream), collect(stream)])
    expect(second).toEqual(first)
    expect(first.rows.length).toBeGreaterThan(700)
    expect(first.rows.every((r) => r[1] >= from && r[1] < to)).toBe(true)
    expect(first.rows[0][1]).toBe(from)
  })

  it('throws NoDataError naming missing symbols and the commands to fix it', async () => {
    const error = await store.streamBars({symbols: ['SPY', 'NOPE', 'ZZZ'], timeframe: '1m'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoDataError)
    expect((error as NoDataError).symbols).toEqual(['NOPE', 'ZZZ'])
    expect((error as Error).message).toMatch(/No 1m bars for NOPE, ZZZ .*trader data import.*trader data list/)
    await expect(store.streamBars({symbols: ['SPY'], timeframe: '1d'})).rejects.toThrow(/No 1d bars for SPY/)
    await expect(store.streamBars({timeframe: '5m'})).rejects.toThrow(NoDataError)
    await expect(store.streamBars({symbols: ['SPY'], timeframe: '1m', to: Date.UTC(2013, 0, 1)})).rejects.toThrow(
      /No 1m bars for SPY between .* and 2013-01-01T00:00:00.000Z/,
    )
    await expect(store.instrumentsFor(['SPY', 'NOPE'])).rejects.toThrow(/No bars for NOPE/)
  })

  it('opens read-only for reading, refuses to write, and refuses a missing file', async () => {
    await expect(MarketDataStore.open(join(dir, 'missing.duckdb'), {readOnly: true})).rejects.toThrow(StoreOpenError)
    expect(existsSync(join(dir, 'missing.duckdb'))).toBe(false)
    const other = join(dir, 'ro.duckdb')
    const writer = await MarketDataStore.open(other)
    await importPaths(writer, [join(SAMPLE_DIR, 'equity/usa/daily/qqq.zip')])
    writer.close()
    const reader = await MarketDataStore.open(other, {readOnly: true})
    try {
      expect((await reader.list()).map((s) => [s.symbol, s.timeframe, s.rows])).toEqual([['QQQ', '1d', 3964]])
      await expect(importPaths(reader, [join(SAMPLE_DIR, 'equity/usa/daily/iwm.zip')])).rejects.toThrow(/open read-only/)
    } finally {
      reader.close()
    }
  })
})

describe('bundled sample', () => {
  it('resolves the sample folder and default database from the package root, not the cwd', () => {
    expect(existsSync(join(SAMPLE_DIR, 'PROVENANCE.md'))).toBe(true)
    expect(existsSync(join(SAMPLE_DIR, 'LICENSE'))).toBe(true)
    expect(defaultDatabasePath({})).toBe(join(SAMPLE_DIR, '..', 'trader.duckdb'))
    expect(defaultDatabasePath({TRADER_DATA_DB: '/tmp/elsewhere.duckdb'})).toBe('/tmp/elsewhere.duckdb')
  })

  it('follows the data root when one is set (OPS-02, ALP-09): TRADER_DATA_DB, then TRADER_DATA_DIR, then TRADER_HOME', () => {
    expect(defaultDatabasePath({TRADER_HOME: '/srv/ann/.trader'})).toBe('/srv/ann/.trader/data/trader.duckdb')
    expect(defaultDatabasePath({TRADER_HOME: '/srv/ann/.trader', TRADER_DATA_DIR: '/data/md'})).toBe('/data/md/trader.duckdb')
    expect(defaultDatabasePath({TRADER_DATA_DIR: '/data/md', TRADER_DATA_DB: '/x.duckdb'})).toBe('/x.duckdb')
    expect(defaultDatabasePath({TRADER_DATA_DIR: '  '})).toBe(join(SAMPLE_DIR, '..', 'trader.duckdb'))
  })

  it('ensureSampleData imports the sample once', async () => {
    const sampleStore = await MarketDataStore.open(join(dir, 'sample.duckdb'))
    try {
      const first = await ensureSampleData(sampleStore)
      expect(first?.imported).toHaveLength(30)
      const list = await sampleStore.list()
      expect(list.map((s) => `${s.symbol}/${s.timeframe}`)).toEqual([
        'AAPL/1d', 'AIG/1m', 'BAC/1m', 'BTCUSDT/1m', 'IBM/1d', 'IBM/1m', 'IWM/1d', 'QQQ/1d', 'SPY/1d', 'SPY/1m',
      ])
      expect(await ensureSampleData(sampleStore)).toBeUndefined()
      expect(await sampleStore.list()).toEqual(list)
    } finally {
      sampleStore.close()
    }
  })
})
