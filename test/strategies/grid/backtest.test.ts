/**
 * The grid as `trader backtest --strategy grid` runs it: on the bundled Bybit BTCUSDT perpetual minutes and on
 * perpetual data imported from a CSV file, with the grid's figures in the report; the same inputs give the same
 * journal; a stock symbol is refused with one clear line.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {planBacktest, runBacktestJob} from '../../../src/run/backtest-job.js'
import {reportOf} from '../../../src/run/backtest-report.js'
import {renderFigures} from '../../../src/report/figures.js'

let dir: string
let db: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trader-grid-'))
  db = join(dir, 'market.duckdb')
  const {MarketDataStore} = await import('../../../src/data/store.js')
  const {ensureSampleData} = await import('../../../src/data/sample.js')
  const {importPaths} = await import('../../../src/data/import/index.js')
  const store = await MarketDataStore.open(db)
  try {
    await ensureSampleData(store)
    // Two days of ETHUSDT perpetual minutes: a slow swing with noise (USDT symbols import as Bybit perpetuals).
    const rows = ['ts,symbol,open,high,low,close,volume']
    let prev = 2000
    for (let i = 0; i < 2 * 1440; i++) {
      const close = Math.round((2000 + 40 * Math.sin(i / 90) + 6 * Math.sin(i / 7)) * 100) / 100
      const ts = Date.UTC(2024, 2, 1) + i * 60_000
      rows.push(`${ts},ETHUSDT,${prev},${Math.max(prev, close) + 0.5},${Math.min(prev, close) - 0.5},${close},500`)
      prev = close
    }
    writeFileSync(join(dir, 'eth.csv'), rows.join('\n'))
    await importPaths(store, [join(dir, 'eth.csv')], {tsUnit: 'ms'})
    expect(await store.instrumentsFor(['ETHUSDT'])).toEqual([{symbol: 'ETHUSDT', venue: 'bybit', assetClass: 'crypto_perp'}])
  } finally {
    store.close()
  }
}, 120_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('grid backtest', () => {
  it('runs on the bundled Bybit BTCUSDT minutes and reports PnL, fees, drawdown and the grid figures', async () => {
    const plan = await planBacktest({strategy: 'grid', symbols: 'BTCUSDT', db, fee: 0.0002})
    const job = await runBacktestJob(plan)
    const r = job.result
    expect(r.bars).toBe(721)
    expect(r.violations).toEqual([])
    const report = reportOf('grid', '1m', r, job.instruments)
    expect(report.trades).toBeGreaterThan(3)
    expect(report.fees).toBeGreaterThan(0)
    expect(report.maxDrawdown).toBeGreaterThan(0)
    const figures = Object.fromEntries(r.figures.map((f) => [f.label, f.value]))
    expect(figures['TP cycles']).toBeGreaterThan(3)
    expect(String(figures['Max levels used'])).toMatch(/^\d+ \(opening \+ \d+ averaging\)$/)
    expect(String(figures['Max margin used'])).toMatch(/^\d+\.\d\d USDT$/)
    expect(figures['Orphan orders cancelled']).toBe(0)
    expect(figures['Resync loops']).toBe(0)
    const text = renderFigures(r.figures)
    expect(text).toContain('Strategy figures')
    expect(text).toContain('TP cycles')
    // Same data, settings and seed: the same journal, byte for byte.
    const again = await runBacktestJob(plan)
    expect(again.result.journalHash).toBe(r.journalHash)
  }, 60_000)

  it('runs on imported perpetual data', async () => {
    const job = await runBacktestJob(await planBacktest({strategy: 'grid', symbols: 'ETHUSDT', db, latency: '50:20'}))
    expect(job.result.bars).toBe(2 * 1440)
    expect(job.result.violations).toEqual([])
    const figures = Object.fromEntries(job.result.figures.map((f) => [f.label, f.value]))
    expect(figures['TP cycles']).toBeGreaterThan(10)
    expect(String(figures['TP close → reopen at venue, ms (mean / max (n))'])).toMatch(/^\d+ \/ \d+ \(\d+\)$/)
  }, 60_000)

  it('refuses stocks (a netting venue) with one clear line', async () => {
    const plan = await planBacktest({strategy: 'grid', symbols: 'SPY', db, timeframe: '1d'})
    await expect(runBacktestJob(plan)).rejects.toThrow(/^grid symbol SPY is spot, not a linear perpetual; the grid trades perpetuals in hedge mode — use Bybit perpetual data$/)
  }, 60_000)

  it('runs the simulated account in hedge mode by itself, and refuses an explicit one-way in one line', async () => {
    expect((await planBacktest({strategy: 'grid', symbols: 'ETHUSDT', db})).sim.positionMode).toBe('hedge')
    expect((await planBacktest({strategy: 'sma-cross', symbols: 'ETHUSDT', db})).sim.positionMode).toBeUndefined()
    await expect(planBacktest({strategy: 'grid', symbols: 'ETHUSDT', db, positionMode: 'one-way'})).rejects.toThrow(
      /^grid needs hedge mode on perpetuals, but --position-mode says one-way; use --position-mode hedge \(positionMode: hedge in the sim settings\) or leave it out$/,
    )
  })
})
