/**
 * Perpetual funding through a whole backtest: rates from the store reach the simulated venue, every open position
 * pays or receives at each funding time at the mark of that time, the ledger, the report and the output files carry
 * it, a run without rates says so, the same inputs give the same journal, and the journal replays exactly.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {importPaths} from '../../src/data/import/import-paths.js'
import {SAMPLE_DIR} from '../../src/data/sample.js'
import {MarketDataStore} from '../../src/data/store.js'
import {planBacktest, runBacktestJob, type BacktestJobResult} from '../../src/run/backtest-job.js'
import {outputsOf, reportOf} from '../../src/run/backtest-report.js'
import {Journal} from '../../src/engine/journal.js'
import {replayJournal} from '../../src/run/replay.js'
import {writeRunOutputs} from '../../src/report/output.js'
import {BacktestReportSchema} from '../../src/report/schema.js'
import {renderReport} from '../../src/report/tables.js'
import {JournalFile} from '../../src/state/journal-file.js'

const H = 3_600_000
const D0 = Date.UTC(2022, 11, 13)
const MIN = 60_000
/** Hourly rates 00:00 … 11:00, every third one negative, and one at 13:00 the run never reaches (bars end 12:00). */
const RATES = [...Array.from({length: 12}, (_, h) => ({ts: D0 + h * H, rate: h % 3 === 2 ? -0.0002 : 0.0001})), {ts: D0 + 13 * H, rate: 0.0003}]

let dir: string
let withRates: string
let withoutRates: string
let run: BacktestJobResult

async function store(path: string, rates: boolean): Promise<void> {
  const s = await MarketDataStore.open(path)
  try {
    await importPaths(s, [join(SAMPLE_DIR, 'cryptofuture/bybit/minute/btcusdt/20221213_trade.zip')])
    if (rates) {
      const csv = join(dir, 'hourly.csv')
      writeFileSync(csv, `ts,rate\n${RATES.map((r) => `${new Date(r.ts).toISOString()},${r.rate}`).join('\n')}\n`)
      await importPaths(s, [csv], {funding: true, symbol: 'BTCUSDT'})
    }
  } finally {
    s.close()
  }
}

const holdPlan = (db: string) => planBacktest({strategy: 'buy-and-hold', symbols: 'BTCUSDT', db, risk: false, params: '{"fraction":0.5}'})

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trader-funding-'))
  withRates = join(dir, 'rates.duckdb')
  withoutRates = join(dir, 'none.duckdb')
  await store(withRates, true)
  await store(withoutRates, false)
  run = await runBacktestJob(await holdPlan(withRates))
}, 120_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('funding in a backtest', () => {
  it('settles the held position at every funding time after entry, at that time\'s mark, long paying a positive rate', async () => {
    const r = run.result
    expect(r.fills).toHaveLength(1)
    const entry = r.fills[0]
    expect(entry).toMatchObject({side: 'buy', symbol: 'BTCUSDT'})
    const due = RATES.filter((x) => x.ts > entry.ts && x.ts <= r.to)
    expect(due.length).toBeGreaterThanOrEqual(11)
    const payments = r.funding!.payments
    expect(payments.map((p) => [p.ts, p.rate])).toEqual(due.map((x) => [x.ts, x.rate]))

    // The mark is the market at the funding time: within the range of the bars around it.
    const s = await MarketDataStore.open(withRates, {readOnly: true})
    const bars: {ts: number; low: number; high: number}[] = []
    try {
      for await (const c of await s.streamBars({symbols: ['BTCUSDT'], timeframe: '1m'})) {
        for (let i = 0; i < c.length; i++) bars.push({ts: c.ts[i], low: c.low[i], high: c.high[i]})
      }
    } finally {
      s.close()
    }
    for (const p of payments) {
      const near = bars.filter((b) => b.ts >= p.ts - 2 * MIN && b.ts < p.ts + MIN)
      expect(p.markPrice).toBeGreaterThanOrEqual(Math.min(...near.map((b) => b.low)))
      expect(p.markPrice).toBeLessThanOrEqual(Math.max(...near.map((b) => b.high)))
      expect(p).toMatchObject({symbol: 'BTCUSDT', positionSide: 'net', qty: entry.qty})
      expect(p.amount).toBe(-entry.qty * p.markPrice * p.rate)
      expect(Math.sign(p.amount)).toBe(-Math.sign(p.rate))
    }
    const total = payments.reduce((a, p) => a + p.amount, 0)
    expect(r.funding!.total).toBeCloseTo(total, 9)
    expect(r.funding!.bySymbol).toEqual({BTCUSDT: r.funding!.total})
    expect(r.funding!.received).toBeCloseTo(payments.filter((p) => p.amount > 0).reduce((a, p) => a + p.amount, 0), 9)
    expect(r.funding!.notes).toEqual([])
    // Funding is in the equity, not in the trades: final equity = start + trade PnL (net of fees) + funding.
    const tradePnl = r.trades.reduce((a, t) => a + t.pnl, 0)
    expect(r.finalEquity - r.initialCash).toBeCloseTo(tradePnl + total, 6)
  })

  it('the report shows funding in total and per symbol, and --out writes the payments as CSV and Parquet', async () => {
    const report = reportOf('buy-and-hold', '1m', run.result, run.instruments)
    expect(BacktestReportSchema.parse(report)).toEqual(report)
    const f = run.result.funding!
    expect(report.funding).toEqual({net: f.total, received: f.received, paid: f.paid, payments: f.payments.length})
    expect(report.perSymbol.map((s) => [s.symbol, s.funding])).toEqual([['BTCUSDT', f.total]])
    const text = renderReport(report)
    expect(text).toMatch(/Funding \(net\)\s+│ [-+]\d+\.\d\d \(\d+\.\d\d received, \d+\.\d\d paid; \d+ payments\)/)
    expect(text).toMatch(/│ Symbol\s+│ Trades.*│ Funding │/)

    const out = join(dir, 'out')
    const files = await writeRunOutputs(out, outputsOf(run.result))
    expect(files).toContain(join(out, 'funding.csv'))
    expect(files).toContain(join(out, 'funding.parquet'))
    const lines = readFileSync(join(out, 'funding.csv'), 'utf8').trim().split('\n')
    expect(lines[0]).toBe('time,ts,symbol,position_side,qty,mark_price,rate,amount')
    expect(lines).toHaveLength(f.payments.length + 1)
    const first = f.payments[0]
    expect(lines[1]).toBe(`${new Date(first.ts).toISOString()},${first.ts},BTCUSDT,net,${first.qty},${first.markPrice},${first.rate},${first.amount}`)
    const {DuckDBInstance} = await import('@duckdb/node-api')
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    try {
      const rows = (await conn.runAndReadAll(`SELECT count(*) AS n, sum(amount) AS total FROM read_parquet('${join(out, 'funding.parquet')}')`)).getRowObjectsJS()
      expect(Number(rows[0].n)).toBe(f.payments.length)
      expect(Number(rows[0].total)).toBeCloseTo(f.total, 9)
    } finally {
      conn.closeSync()
      db.closeSync()
    }
  })

  it('a perpetual run without funding data charges nothing and says so in the report', async () => {
    const job = await runBacktestJob(await holdPlan(withoutRates))
    expect(job.result.fills).toHaveLength(1)
    expect(job.result.funding).toMatchObject({payments: [], total: 0, bySymbol: {BTCUSDT: 0}})
    const report = reportOf('buy-and-hold', '1m', job.result, job.instruments)
    expect(report.funding).toEqual({net: 0, received: 0, paid: 0, payments: 0})
    expect(report.notes).toEqual([expect.stringMatching(/^no funding rates for BTCUSDT between 2022-12-13T00:00:00Z and 2022-12-13T12:0\d:00Z: funding was not charged/)])
    expect(renderReport(report)).toMatch(/\nNotes\n- no funding rates for BTCUSDT/)
    // Without funding the account ends where the trades say.
    expect(job.result.finalEquity - job.result.initialCash).toBeCloseTo(job.result.trades.reduce((a, t) => a + t.pnl, 0), 6)
  })

  it('is deterministic (same journal hash twice, another without rates), and the journal replays exactly', async () => {
    const again = await runBacktestJob(await holdPlan(withRates))
    expect(again.result.journalHash).toBe(run.result.journalHash)
    expect(again.result.funding!.payments).toEqual(run.result.funding!.payments)
    const none = await runBacktestJob(await holdPlan(withoutRates))
    // The settlements are venue events in the journal: without them the journal differs.
    expect(none.result.journalHash).not.toBe(run.result.journalHash)

    const file = join(dir, 'funding.journal')
    const sink = new JournalFile(file)
    const recorded = await runBacktestJob(await holdPlan(withRates), {journal: new Journal({sinks: [sink]})})
    sink.close()
    expect(recorded.result.journalHash).toBe(run.result.journalHash)
    const replay = await replayJournal(file)
    expect(replay.divergences).toEqual([])
    expect(replay.replayedHash).toBe(replay.recordedHash)
    expect(replay.recordedHash).toBe(recorded.result.journalHash)
    expect(replay.ok).toBe(true)
  }, 120_000)
})
