import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Timeframe} from '../../core/market-data.js'
import {DataImportError, InvalidBarError} from '../errors.js'
import {MarketDataStore} from '../store.js'
import {importPaths} from './import-paths.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-tabular-'))
let store: MarketDataStore

beforeAll(async () => {
  store = await MarketDataStore.open(join(dir, 'tabular.duckdb'))
})
afterAll(() => {
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

interface Row {
  symbol: string
  ts: number
  open: number
  high: number
  low: number
  close: number
  volume: number
}

async function rows(symbols: string[], timeframe: Timeframe = '1m'): Promise<Row[]> {
  const stream = await store.streamBars({symbols, timeframe})
  const out: Row[] = []
  for await (const c of stream) {
    for (let i = 0; i < c.length; i++) {
      out.push({symbol: stream.symbols[c.symbol[i]], ts: c.ts[i], open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i]})
    }
  }
  return out
}

const T0 = Date.UTC(2024, 0, 2, 14, 30)
const M = 60_000

describe('CSV import', () => {
  it('reads columns from the header: ISO times, a symbol column, several symbols, timeframe inferred', async () => {
    const path = file(
      'header.csv',
      [
        'timestamp,symbol,open,high,low,close,volume',
        '2024-01-02T14:30:00Z,csva,10,11,9.5,10.5,100',
        '2024-01-02T14:30:00Z,CSVB,20,21,19,20.5,200',
        '2024-01-02T09:31:00-05:00,CSVA,10.5,10.7,10.1,10.2,150',
        '2024-01-02 14:32:00,CSVA,10.2,10.3,10.0,10.1,120',
      ].join('\n'),
    )
    const summary = await importPaths(store, [path])
    expect(summary.imported.map(({symbol, timeframe, rows}) => ({symbol, timeframe, rows}))).toEqual([
      {symbol: 'CSVA', timeframe: '1m', rows: 3},
      {symbol: 'CSVB', timeframe: '1m', rows: 1},
    ])
    expect(await rows(['CSVA', 'CSVB'])).toEqual([
      {symbol: 'CSVA', ts: T0, open: 10, high: 11, low: 9.5, close: 10.5, volume: 100},
      {symbol: 'CSVB', ts: T0, open: 20, high: 21, low: 19, close: 20.5, volume: 200},
      {symbol: 'CSVA', ts: T0 + M, open: 10.5, high: 10.7, low: 10.1, close: 10.2, volume: 150},
      {symbol: 'CSVA', ts: T0 + 2 * M, open: 10.2, high: 10.3, low: 10, close: 10.1, volume: 120},
    ])
    expect(await store.instrumentsFor(['CSVA'])).toEqual([{symbol: 'CSVA', venue: 'alpaca', assetClass: 'us_equity'}])
  })

  it('takes explicit column flags, epoch seconds, --symbol and --asset-class', async () => {
    const t = T0 / 1000
    const path = file('flags.csv', ['when,px_o,px_h,px_l,px_c,qty', `${t},1,2,0.5,1.5,7`, `${t + 300},1.5,1.6,1.4,1.45,8`].join('\n'))
    const summary = await importPaths(store, [path], {
      symbol: 'flagx',
      tsColumn: 'when',
      openColumn: 'px_o',
      highColumn: 'px_h',
      lowColumn: 'px_l',
      closeColumn: 'px_c',
      volumeColumn: 'qty',
      assetClass: 'crypto_spot',
    })
    expect(summary.imported).toEqual([expect.objectContaining({symbol: 'FLAGX', timeframe: '5m', rows: 2, first: T0, last: T0 + 5 * M})])
    expect((await rows(['FLAGX'], '5m')).map((r) => r.volume)).toEqual([7, 8])
    expect(await store.instrumentsFor(['FLAGX'])).toEqual([{symbol: 'FLAGX', venue: 'bybit', assetClass: 'crypto_spot'}])
  })

  it('names the columns of a header-less file with --columns (epoch ms)', async () => {
    const path = file('noheader.csv', [`${T0},100,101,99,100.5,1`, `${T0 + M},100.5,102,100,101,2`].join('\n'))
    const summary = await importPaths(store, [path], {columns: 'ts,open,high,low,close,volume', symbol: 'NOHDR', timeframe: '1m'})
    expect(summary.imported).toEqual([expect.objectContaining({symbol: 'NOHDR', rows: 2, first: T0})])
  })

  it('rejects a malformed row naming the file and line, and imports nothing from it', async () => {
    const path = file('bad.csv', ['ts,open,high,low,close,volume', `${T0},1,2,0.5,1.5,7`, `${T0 + M},1,2,0.5,1.5,7`, `${T0 + 2 * M},1,0.9,1.1,1,7`].join('\n'))
    const error = await importPaths(store, [path], {symbol: 'BADCSV'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidBarError)
    expect((error as Error).message).toMatch(new RegExp(`^${path} line 4: high 0.9 is below low 1.1\\. `))
    await expect(store.streamBars({symbols: ['BADCSV'], timeframe: '1m'})).rejects.toThrow(/No 1m bars for BADCSV/)
  })

  it('reports NaN, negative prices, text in number columns and unreadable times by line', async () => {
    const header = 'ts,open,high,low,close,volume'
    const cases: Array<[string, RegExp]> = [
      [`${T0},NaN,2,0.5,1.5,7`, /line 2: open is NaN/],
      [`${T0},-1,2,-2,1.5,7`, /line 2: open -1 is not a positive price/],
      [`${T0},abc,2,0.5,1.5,7`, /line 2: open "abc" is not a number/],
      [`${T0},1,2,0.5,1.5,`, /line 2: volume is empty/],
      [`yesterday,1,2,0.5,1.5,7\n2024-01-02T10:00:00Z,1,2,0.5,1.5,7\n2024-01-02T10:01:00Z,1,2,0.5,1.5,7`, /line 2: time "yesterday" is not/],
    ]
    for (const [line, message] of cases) {
      const path = file('case.csv', `${header}\n${line}\n`)
      await expect(importPaths(store, [path], {symbol: 'CASES', timeframe: '1m'})).rejects.toThrow(message)
    }
  })

  it('rejects a duplicate bar in one file', async () => {
    const path = file('dup.csv', ['ts,open,high,low,close,volume', `${T0},1,2,0.5,1.5,7`, `${T0},1,2,0.5,1.5,7`].join('\n'))
    await expect(importPaths(store, [path], {symbol: 'DUP', timeframe: '1m'})).rejects.toThrow(/line 3: duplicate bar for DUP .* \(same time as .* line 2\)/)
  })

  it('explains a missing column or symbol and an uninferable timeframe', async () => {
    const path = file('cols.csv', ['time,open,high,low,close,volume', `${T0},1,2,0.5,1.5,7`].join('\n'))
    await expect(importPaths(store, [path], {symbol: 'X', openColumn: 'opn'})).rejects.toThrow(
      /cols\.csv: no column "opn" \(from --open-column\); its columns are: time, open, high, low, close, volume\./,
    )
    await expect(importPaths(store, [path])).rejects.toThrow(/no symbol column .*pass --symbol/)
    await expect(importPaths(store, [path], {symbol: 'X'})).rejects.toThrow(/cannot infer the bar timeframe .*--timeframe/)
    await expect(importPaths(store, [path], {symbol: 'X', symbolColumn: 'sym'})).rejects.toThrow(DataImportError)
    await expect(importPaths(store, [path], {timeframe: '2m' as Timeframe})).rejects.toThrow(/^--timeframe: /)
  })
})

describe('Parquet and Arrow import', () => {
  const expected = [
    {symbol: 'PQA', ts: T0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10},
    {symbol: 'PQB', ts: T0, open: 3, high: 4, low: 2.5, close: 3.5, volume: 30},
    {symbol: 'PQA', ts: T0 + M, open: 1.5, high: 1.75, low: 1.25, close: 1.5, volume: 11},
  ]

  it('round-trips a Parquet file written by DuckDB COPY (TIMESTAMP column)', async () => {
    const path = join(dir, 'bars.parquet')
    await store.connection.run(`
      COPY (SELECT * FROM (VALUES
        ('PQA', epoch_ms(${T0}::BIGINT), 1.0, 2.0, 0.5, 1.5, 10.0),
        ('PQB', epoch_ms(${T0}::BIGINT), 3.0, 4.0, 2.5, 3.5, 30.0),
        ('PQA', epoch_ms(${T0 + M}::BIGINT), 1.5, 1.75, 1.25, 1.5, 11.0)
      ) t(symbol, ts, open, high, low, close, volume)) TO '${path}' (FORMAT parquet)`)
    const summary = await importPaths(store, [path])
    expect(summary.imported.map((s) => [s.format, s.symbol, s.timeframe, s.rows])).toEqual([
      ['parquet', 'PQA', '1m', 2],
      ['parquet', 'PQB', '1m', 1],
    ])
    expect(await rows(['PQB', 'PQA'])).toEqual(expected)
  })

  it('round-trips Arrow IPC file and stream formats written by apache-arrow (timestamp + dictionary symbol)', async () => {
    const arrow = await import('apache-arrow')
    const table = new arrow.Table({
      ts: arrow.vectorFromArray([new Date(T0), new Date(T0), new Date(T0 + M)], new arrow.TimestampMillisecond()),
      ticker: arrow.vectorFromArray(['ARA', 'ARB', 'ARA'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      open: arrow.vectorFromArray([1, 3, 1.5], new arrow.Float64()),
      high: arrow.vectorFromArray([2, 4, 1.75], new arrow.Float64()),
      low: arrow.vectorFromArray([0.5, 2.5, 1.25], new arrow.Float64()),
      close: arrow.vectorFromArray([1.5, 3.5, 1.5], new arrow.Float32()),
      volume: arrow.vectorFromArray([10n, 30n, 11n], new arrow.Int64()),
    })
    const want = expected.map((r) => ({...r, symbol: r.symbol.replace('PQ', 'AR')}))
    const filePath = join(dir, 'bars.arrow')
    writeFileSync(filePath, arrow.tableToIPC(table, 'file'))
    expect((await importPaths(store, [filePath])).imported.map((s) => [s.format, s.symbol, s.rows])).toEqual([
      ['arrow', 'ARA', 2],
      ['arrow', 'ARB', 1],
    ])
    expect(await rows(['ARA', 'ARB'])).toEqual(want)

    const streamPath = join(dir, 'bars.arrows')
    writeFileSync(streamPath, arrow.tableToIPC(table, 'stream'))
    await importPaths(store, [streamPath])
    expect(await rows(['ARA', 'ARB'])).toEqual(want)
  })

  it('reports a null price in an Arrow file by row', async () => {
    const arrow = await import('apache-arrow')
    const table = new arrow.Table({
      ts: arrow.vectorFromArray([T0, T0 + M], new arrow.Float64()),
      open: arrow.vectorFromArray([1, null], new arrow.Float64()),
      high: arrow.vectorFromArray([2, 2], new arrow.Float64()),
      low: arrow.vectorFromArray([0.5, 0.5], new arrow.Float64()),
      close: arrow.vectorFromArray([1, 1], new arrow.Float64()),
      volume: arrow.vectorFromArray([1, 1], new arrow.Float64()),
    })
    const path = join(dir, 'null.feather')
    writeFileSync(path, arrow.tableToIPC(table, 'file'))
    await expect(importPaths(store, [path], {symbol: 'NULLS'})).rejects.toThrow(`${path} row 2: open is NaN (missing or not a number)`)
  })
})
