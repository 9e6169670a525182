import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {strToU8, unzipSync, zipSync} from 'fflate'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {BarChunk} from '../../core/market-data.js'
import {DataImportError, InvalidBarError} from '../errors.js'
import {SAMPLE_DIR} from '../sample.js'
import {MarketDataStore} from '../store.js'
import {importPaths} from './import-paths.js'
import {parseLeanPath} from './lean.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-lean-'))
let store: MarketDataStore

beforeAll(async () => {
  store = await MarketDataStore.open(join(dir, 'lean.duckdb'))
})
afterAll(() => {
  store.close()
  rmSync(dir, {recursive: true, force: true})
})

function rawRows(zipPath: string): string[][] {
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)))
  const text = new TextDecoder().decode(Object.values(files)[0])
  return text.trim().split('\n').map((l) => l.split(','))
}

/** Writes a one-CSV Lean zip at `rel` under the temp dir. */
function writeLeanZip(rel: string, csvName: string, lines: string[]): string {
  const path = join(dir, rel)
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, zipSync({[csvName]: strToU8(lines.join('\n'))}))
  return path
}

async function allRows(symbols: string[], timeframe: '1m' | '1d'): Promise<BarChunk[]> {
  const chunks: BarChunk[] = []
  for await (const c of await store.streamBars({symbols, timeframe})) chunks.push(c)
  return chunks
}

function find(chunks: BarChunk[], ts: number) {
  for (const c of chunks) {
    const i = c.ts.indexOf(ts)
    if (i >= 0) return {open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i], symbol: c.symbol[i]}
  }
  return undefined
}

describe('Lean path recognition', () => {
  it('reads type, market, resolution, ticker, date and tick type from the path', () => {
    expect(parseLeanPath('x/equity/usa/minute/spy/20131004_trade.zip')).toMatchObject({
      securityType: 'equity',
      market: 'usa',
      resolution: 'minute',
      symbol: 'SPY',
      date: {year: 2013, month: 10, day: 4},
      tickType: 'trade',
    })
    expect(parseLeanPath('equity/usa/daily/aapl.zip')).toMatchObject({resolution: 'daily', symbol: 'AAPL', tickType: 'trade'})
    expect(parseLeanPath('/d/crypto/coinbase/daily/btcusd_trade.zip')).toMatchObject({securityType: 'crypto', symbol: 'BTCUSD'})
    expect(parseLeanPath('/d/cryptofuture/bybit/minute/btcusdt/20221213_quote.zip')).toMatchObject({tickType: 'quote'})
    expect(parseLeanPath('bars.zip')).toBeUndefined()
  })
})

describe('Lean import', () => {
  it('imports an SPY minute session: 09:30 New York is 13:30 UTC in October 2013, prices are raw / 10000', async () => {
    const zip = join(SAMPLE_DIR, 'equity/usa/minute/spy/20131004_trade.zip')
    const summary = await importPaths(store, [zip])
    const raw = rawRows(zip)
    expect(summary.imported).toEqual([
      expect.objectContaining({symbol: 'SPY', timeframe: '1m', rows: raw.length, format: 'lean'}),
    ])
    const open930 = raw.find((r) => r[0] === '34200000')!
    const bar = find(await allRows(['SPY'], '1m'), Date.UTC(2013, 9, 4, 13, 30))
    expect(bar).toEqual({
      symbol: 0,
      open: Number(open930[1]) / 10000,
      high: Number(open930[2]) / 10000,
      low: Number(open930[3]) / 10000,
      close: Number(open930[4]) / 10000,
      volume: Number(open930[5]),
    })
    expect(bar!.open).toBe(167.74)
    const [instrument] = await store.instrumentsFor(['SPY'])
    expect(instrument).toEqual({symbol: 'SPY', venue: 'alpaca', assetClass: 'us_equity'})
  })

  it('converts a winter (EST) session: 09:30 New York is 14:30 UTC', async () => {
    const zip = writeLeanZip('equity/usa/minute/xyz/20131204_trade.zip', '20131204_xyz_minute_trade.csv', [
      '34200000,1000000,1010000,990000,1005000,1200',
      '34260000,1005000,1006000,1004000,1004500,300',
    ])
    await importPaths(store, [zip])
    const chunks = await allRows(['XYZ'], '1m')
    expect(Array.from(chunks[0].ts)).toEqual([Date.UTC(2013, 11, 4, 14, 30), Date.UTC(2013, 11, 4, 14, 31)])
    expect(chunks[0].close[0]).toBe(100.5)
  })

  it('imports daily equity bars at 00:00 New York of each date (04:00Z in summer, 05:00Z in winter)', async () => {
    const zip = join(SAMPLE_DIR, 'equity/usa/daily/spy.zip')
    const [imported] = (await importPaths(store, [zip])).imported
    const raw = rawRows(zip)
    expect(imported).toMatchObject({symbol: 'SPY', timeframe: '1d', rows: raw.length})
    const chunks = await allRows(['SPY'], '1d')
    expect(find(chunks, Date.UTC(2013, 9, 4, 4))).toMatchObject({open: 167.74, high: 169.06, low: 167.53, close: 168.89, volume: 84960871})
    expect(find(chunks, Date.UTC(2013, 11, 4, 5))).toMatchObject({open: 179.21, close: 179.67})
    expect(imported.first).toBe(Date.UTC(1998, 0, 2, 5))
  })

  it('imports Bybit perpetual minute bars: UTC times, unscaled prices, venue bybit, crypto_perp', async () => {
    const zip = join(SAMPLE_DIR, 'cryptofuture/bybit/minute/btcusdt/20221213_trade.zip')
    const [imported] = (await importPaths(store, [zip])).imported
    expect(imported).toMatchObject({symbol: 'BTCUSDT', timeframe: '1m', rows: 721, first: Date.UTC(2022, 11, 13), last: Date.UTC(2022, 11, 13, 12)})
    const chunks = await allRows(['BTCUSDT'], '1m')
    expect(find(chunks, Date.UTC(2022, 11, 13, 0, 1))).toMatchObject({open: 17199.5, high: 17212.5, low: 17199, close: 17212.5, volume: 153.152})
    expect(await store.instrumentsFor(['btcusdt'])).toEqual([{symbol: 'BTCUSDT', venue: 'bybit', assetClass: 'crypto_perp'}])
  })

  it('imports crypto spot as crypto_spot and refuses to turn a stored perpetual into a spot pair', async () => {
    const spot = writeLeanZip('crypto/coinbase/minute/ethusd/20180404_trade.zip', '20180404_ethusd_minute_trade.csv', [
      '0,380.5,381,380,380.9,12.5',
    ])
    await importPaths(store, [spot])
    expect(await store.instrumentsFor(['ETHUSD'])).toEqual([{symbol: 'ETHUSD', venue: 'bybit', assetClass: 'crypto_spot'}])
    const clash = writeLeanZip('crypto/bybit/minute/btcusdt/20221213_trade.zip', '20221213_btcusdt_minute_trade.csv', [
      '0,17194,17199.5,17193.5,17199,78.677',
    ])
    await expect(importPaths(store, [clash])).rejects.toThrow(/BTCUSDT is already stored as crypto_perp/)
  })

  it('skips quote zips with a notice, also when named', async () => {
    const quote = writeLeanZip('equity/usa/minute/spy/20131004_quote.zip', 'q.csv', ['0,1,1,1,1,1,1,1,1,1,1'])
    const summary = await importPaths(store, [quote])
    expect(summary.imported).toEqual([])
    expect(summary.skipped).toEqual([{path: quote, reason: expect.stringMatching(/quote data: only trade bars/)}])
  })

  it('rejects a bad row with the zip, CSV and line, importing nothing from that file', async () => {
    const bad = writeLeanZip('equity/usa/minute/bad/20131004_trade.zip', '20131004_bad_minute_trade.csv', [
      '34200000,1000000,1010000,990000,1005000,100',
      '34260000,1000000,990000,1010000,1005000,100',
    ])
    const error = await importPaths(store, [bad]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidBarError)
    expect((error as Error).message).toContain(`${bad} (20131004_bad_minute_trade.csv line 2): high 99 is below low 101`)
    expect((await store.list()).some((s) => s.symbol === 'BAD')).toBe(false)
  })

  it('walks a directory and is idempotent: importing the sample twice leaves the same rows', async () => {
    const first = await importPaths(store, [SAMPLE_DIR])
    const before = await store.list()
    const second = await importPaths(store, [SAMPLE_DIR])
    expect(await store.list()).toEqual(before)
    expect(second.imported).toEqual(first.imported)
    expect(first.imported).toHaveLength(30)
    expect(first.skipped.map((s) => s.path.split('/').pop()).sort()).toEqual(['LICENSE', 'PROVENANCE.md'])
    const spy1m = before.find((s) => s.symbol === 'SPY' && s.timeframe === '1m')!
    const expected = ['20131004', '20131007', '20131008', '20131009', '20131010', '20131011']
      .map((d) => rawRows(join(SAMPLE_DIR, `equity/usa/minute/spy/${d}_trade.zip`)).length)
      .reduce((a, b) => a + b)
    expect(spy1m.rows).toBe(expected)
  })

  it('names a missing path or an unknown format in one line', async () => {
    await expect(importPaths(store, [join(dir, 'nope.csv')])).rejects.toThrow(DataImportError)
    await expect(importPaths(store, [join(dir, 'nope.csv')])).rejects.toThrow(/nope\.csv: no such file or directory/)
    const txt = join(dir, 'bars.txt')
    writeFileSync(txt, 'x')
    await expect(importPaths(store, [txt])).rejects.toThrow(/bars\.txt: unknown format/)
  })
})
