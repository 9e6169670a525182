/** Funding-rate import: Lean margin-interest files and `ts,rate` CSVs into the store's funding table. */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DataImportError, InvalidFundingRowError} from '../errors.js'
import {ensureSampleData, SAMPLE_DIR} from '../sample.js'
import {MarketDataStore} from '../store.js'
import {parseFundingCsv, parseFundingTime, parseLeanFundingPath} from './funding.js'
import {importPaths} from './import-paths.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-funding-'))
let store: MarketDataStore

beforeAll(async () => {
  store = await MarketDataStore.open(join(dir, 'funding.duckdb'))
})
afterAll(() => {
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

const H = 3_600_000
const D0 = Date.UTC(2022, 11, 13)
const SHARED_LEAN = join(SAMPLE_DIR, '..', '..', '..', 'shared', 'data', 'lean', 'cryptofuture', 'bybit', 'margin_interest', 'btcusdt.csv')
const SAMPLE_FUNDING = join(SAMPLE_DIR, 'cryptofuture', 'bybit', 'margin_interest', 'btcusdt.csv')

function write(rel: string, text: string): string {
  const path = join(dir, rel)
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, text)
  return path
}

describe('reading funding files', () => {
  it('recognises Lean margin-interest files by path', () => {
    expect(parseLeanFundingPath('data/sample/cryptofuture/bybit/margin_interest/btcusdt.csv')).toEqual({market: 'bybit', symbol: 'BTCUSDT'})
    expect(parseLeanFundingPath('cryptofuture/bybit/minute/btcusdt/20221213_trade.zip')).toBeUndefined()
    expect(parseLeanFundingPath('rates.csv')).toBeUndefined()
  })

  it('reads times as Lean text, epoch ms, epoch s and ISO 8601 (naive = UTC)', () => {
    const t = D0 + 8 * H
    for (const text of ['20221213 08:00:00', '20221213 08:00', String(t), String(t / 1000), '2022-12-13T08:00:00Z', '2022-12-13 08:00:00', '2022-12-13T10:00:00+02:00']) {
      expect(parseFundingTime(text), text).toBe(t)
    }
    for (const bad of ['20221332 08:00:00', '20221213 25:00:00', 'yesterday', '2022-13-01T00:00:00Z', '-5']) expect(parseFundingTime(bad), bad).toBeUndefined()
  })

  it('parses the bundled Lean file exactly (the sample is a byte copy of the shared one)', () => {
    const text = readFileSync(SAMPLE_FUNDING, 'utf8')
    expect(text).toBe(readFileSync(SHARED_LEAN, 'utf8'))
    const rows = parseFundingCsv(text, 'btcusdt.csv', {symbol: 'BTCUSDT', lean: true})
    const expected = text.trim().split('\n').map((l) => {
      const [time, rate] = l.split(',')
      return {symbol: 'BTCUSDT', ts: Date.UTC(2022, 11, 13, Number(time.slice(9, 11))), rate: Number(rate)}
    })
    expect(rows).toEqual(expected)
    expect(rows.map((r) => (r.ts - D0) / H)).toEqual([0, 8, 16])
  })

  it('reads a headed CSV with a symbol column, and a header-less ts,rate file with --symbol', () => {
    const headed = parseFundingCsv('symbol,fundingRateTimestamp,fundingRate\nethusdt,1670918400000,0.0001\nBTCUSDT,1670918400000,-0.0002\n', 'a.csv')
    expect(headed).toEqual([
      {symbol: 'BTCUSDT', ts: D0 + 8 * H, rate: -0.0002},
      {symbol: 'ETHUSDT', ts: D0 + 8 * H, rate: 0.0001},
    ])
    expect(parseFundingCsv('1670918400000,0.0001\r\n\r\n1670947200000,0\r\n', 'b.csv', {symbol: 'BTCUSDT'})).toEqual([
      {symbol: 'BTCUSDT', ts: D0 + 8 * H, rate: 0.0001},
      {symbol: 'BTCUSDT', ts: D0 + 16 * H, rate: 0},
    ])
  })

  it('refuses a bad row in one line naming the file, the line and the fix', () => {
    const bad = (text: string, opts = {symbol: 'BTCUSDT'}) => {
      try {
        parseFundingCsv(text, 'rates.csv', opts)
      } catch (err) {
        return err as Error
      }
      throw new Error('expected a refusal')
    }
    const cases: [string, RegExp][] = [
      ['ts,rate\n1670918400000,0.0001\nnot-a-time,0.0001\n', /^rates\.csv line 3: time "not-a-time" is not epoch ms/],
      ['ts,rate\n1670918400000,abc\n', /^rates\.csv line 2: rate "abc" is not a number/],
      ['ts,rate\n1670918400000,1.5\n', /^rates\.csv line 2: rate 1\.5 is beyond ±0\.1: a funding rate is a fraction per interval/],
      ['ts,rate\n1670918400000,0.0001\n1670918400000,0.0002\n', /^rates\.csv line 3: a second rate for BTCUSDT at 2022-12-13T08:00:00\.000Z \(the first is on line 2\)/],
      ['1670918400000,0.0001,7\n', /^rates\.csv line 1: expected 2 comma-separated fields \(ts,rate\), found 3/],
    ]
    for (const [text, message] of cases) {
      const err = bad(text)
      expect(err).toBeInstanceOf(InvalidFundingRowError)
      expect(err.message).toMatch(message)
      expect(err.message).toMatch(/Fix or remove that row and import again; nothing from this file was imported\.$/)
      expect(err.message.includes('\n')).toBe(false)
    }
    expect(bad('ts,rate\n1670918400000,0.0001\n', {} as {symbol: string})).toBeInstanceOf(DataImportError)
    expect(bad('ts,rate\n1670918400000,0.0001\n', {} as {symbol: string}).message).toMatch(/no symbol column; pass --symbol <TICKER>/)
    expect(bad('when,rate\n', {symbol: 'BTCUSDT'}).message).toMatch(/no time column among: when, rate/)
    expect(bad('\n\n').message).toMatch(/no funding rates in the file/)
  })
})

describe('the funding table', () => {
  it('imports a Lean margin-interest file found in a directory walk, and re-importing changes nothing', async () => {
    const lean = write('lean/cryptofuture/bybit/margin_interest/btcusdt.csv', readFileSync(SAMPLE_FUNDING, 'utf8'))
    const first = await importPaths(store, [join(dir, 'lean')])
    expect(first.imported).toEqual([])
    expect(first.skipped).toEqual([])
    expect(first.funding).toEqual([{path: lean, format: 'lean', symbol: 'BTCUSDT', rows: 3, first: D0, last: D0 + 16 * H}])
    const rates = await store.fundingRates(['btcusdt'])
    expect(rates.map((r) => [r.ts, r.rate])).toEqual([[D0, -0.0002016], [D0 + 8 * H, -0.00022398], [D0 + 16 * H, -0.00038555]])
    await importPaths(store, [lean])
    expect(await store.fundingRates(['BTCUSDT'])).toEqual(rates)
    expect(await store.fundingRates(['BTCUSDT'], {from: D0 + 1, to: D0 + 8 * H})).toEqual([rates[1]])
    expect(await store.fundingSeries()).toEqual([{symbol: 'BTCUSDT', first: D0, last: D0 + 16 * H, rows: 3}])
  })

  it('imports a ts,rate CSV with --funding (replacing the rates it overlaps) and refuses a stock symbol', async () => {
    const csv = write('eth.csv', `ts,rate\n${new Date(D0).toISOString()},0.0001\n${new Date(D0 + 8 * H).toISOString()},-0.00005\n`)
    const summary = await importPaths(store, [csv], {funding: true, symbol: 'ethusdt'})
    expect(summary.funding).toEqual([{path: csv, format: 'csv', symbol: 'ETHUSDT', rows: 2, first: D0, last: D0 + 8 * H}])
    const again = write('eth2.csv', `ts,rate\n${D0 + 8 * H},0.0002\n`)
    await importPaths(store, [again], {funding: true, symbol: 'ETHUSDT'})
    expect((await store.fundingRates(['ETHUSDT'])).map((r) => r.rate)).toEqual([0.0001, 0.0002])

    await importPaths(store, [write('spy.csv', 'ts,open,high,low,close,volume\n2024-01-02T14:30:00Z,1,2,0.5,1.5,7\n2024-01-02T14:31:00Z,1,2,0.5,1.5,7\n')], {symbol: 'SPY'})
    await expect(importPaths(store, [csv], {funding: true, symbol: 'SPY'})).rejects.toThrow(/SPY is stored as us_equity .* funding rates apply to perpetuals only/)
    expect(await store.fundingRates(['SPY'])).toEqual([])
    // Bar flags mean nothing for a funding file; a non-CSV with --funding is refused when named.
    await expect(importPaths(store, [csv], {funding: true, symbol: 'ETHUSDT', timeframe: '1m'})).rejects.toThrow(/^--funding: funding files hold a time and a rate/)
    await expect(importPaths(store, [join(SAMPLE_DIR, 'equity/usa/daily/spy.zip')], {funding: true})).rejects.toThrow(/spy\.zip: not a funding-rate file/)
  })

  it('a bad row imports nothing from its file', async () => {
    const csv = write('bad.csv', `ts,rate\n${D0 + 24 * H},0.0001\n${D0 + 32 * H},NaN\n`)
    await expect(importPaths(store, [csv], {funding: true, symbol: 'BTCUSDT'})).rejects.toThrow(`${csv} line 3: rate "NaN" is not a number`)
    expect((await store.fundingRates(['BTCUSDT'])).length).toBe(3)
  })

  it('the bundled sample brings the 2022-12-13 BTCUSDT rates with the bars', async () => {
    const sample = await MarketDataStore.open(join(dir, 'sample.duckdb'))
    try {
      const summary = await ensureSampleData(sample)
      expect(summary?.funding.map((f) => [f.symbol, f.rows])).toEqual([['BTCUSDT', 3]])
      expect((await sample.fundingRates(['BTCUSDT'])).map((r) => r.ts)).toEqual([D0, D0 + 8 * H, D0 + 16 * H])
    } finally {
      sample.close()
    }
  })

  it('a read-only store from before the funding table answers with no rates', async () => {
    const path = join(dir, 'old.duckdb')
    const writer = await MarketDataStore.open(path)
    await writer.connection.run('DROP TABLE funding')
    writer.close()
    const reader = await MarketDataStore.open(path, {readOnly: true})
    try {
      expect(await reader.fundingRates(['BTCUSDT'])).toEqual([])
      expect(await reader.fundingSeries()).toEqual([])
    } finally {
      reader.close()
    }
  })
})
