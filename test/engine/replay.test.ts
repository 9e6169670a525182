/**
 * DESIGN property 5: a journal recorded by a simulated session replays exactly — same decisions, same journal
 * hash — through the same wiring and strategy code with the recording as the venue; a tampered recording shows
 * up as divergences.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {planBacktest, runBacktestJob} from '../../src/run/backtest-job.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import {replayJournal} from '../../src/run/replay.js'
import {frameRecord, JournalFile, readJournal} from '../../src/state/journal-file.js'

let dir: string
let file: string
let recordedHash: string
let records: JournalRecord[]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trader-replay-'))
  process.env.TRADER_DATA_DB = join(dir, 'market.duckdb')
  file = join(dir, 'run.journal')
  const plan = await planBacktest({symbols: 'SPY,IBM,AIG', seed: 7, latency: '40:25', from: '2013-10-07', to: '2013-10-09', fee: 0.0005, slippage: '1bps', params: '{"fast":5,"slow":20}'})
  const sink = new JournalFile(file)
  const job = await runBacktestJob(plan, {journal: new Journal({sinks: [sink]})})
  sink.close()
  recordedHash = job.result.journalHash
  records = readJournal(file).records
}, 120_000)

afterAll(() => {
  delete process.env.TRADER_DATA_DB
  rmSync(dir, {recursive: true, force: true})
})

function writeRecords(name: string, recs: readonly JournalRecord[]): string {
  const path = join(dir, name)
  writeFileSync(path, recs.map((r) => frameRecord(r)).join(''))
  return path
}

describe('replay of a recorded backtest', () => {
  it('starts with the session header and reproduces the recording exactly', async () => {
    expect(records[0].type).toBe('session')
    expect(records[0].data).toMatchObject({mode: 'backtest', strategy: 'sma-cross', symbols: ['AIG', 'IBM', 'SPY'], timeframe: '1m', seed: 7, epoch: 1, source: 'sample'})
    expect(records.filter((r) => r.type === 'event').length).toBeGreaterThan(200)
    expect(records.filter((r) => r.type === 'request').length).toBeGreaterThan(20)

    const report = await replayJournal(file)
    expect(report.divergences).toEqual([])
    expect(report.violations).toEqual([])
    expect(report.recordedHash).toBe(recordedHash)
    expect(report.replayedHash).toBe(recordedHash)
    expect(report.replayedRecords).toBe(records.length)
    expect(report.delivered).toBe(records.filter((r) => r.type === 'event' || r.type === 'response').length)
    expect(report.ok).toBe(true)
  })

  it('reports a recorded request the replay does not find (the recording dropped it)', async () => {
    const k = records.findIndex((r, j) => j > 100 && r.type === 'request')
    const n = (records[k].data as {n: number}).n
    const dropped = records.filter((r, j) => j !== k && !(r.type === 'response' && (r.data as {n: number}).n === n))
    const report = await replayJournal(writeRecords('dropped.journal', dropped))
    expect(report.ok).toBe(false)
    const unexpected = report.divergences.filter((d) => d.kind === 'unexpected_request')
    expect(unexpected).toHaveLength(1)
    expect(unexpected[0].detail).toContain((records[k].data as {args: {clientOrderId: string}}).args.clientOrderId)
    expect(report.replayedHash).not.toBe(report.recordedHash)
  })

  it('reports a changed recorded fill price', async () => {
    const tampered = structuredClone(records)
    const i = tampered.findIndex((r) => r.type === 'event' && (r.data as {kind: string}).kind === 'execution')
    const fill = (tampered[i].data as {fill: {price: number; clientOrderId: string}}).fill
    fill.price += 0.5
    const report = await replayJournal(writeRecords('fill-price.journal', tampered))
    expect(report.ok).toBe(false)
    const mismatch = report.violations.filter((v) => v.rule === 'fill_price_mismatch')
    expect(mismatch).toHaveLength(1)
    expect(mismatch[0].detail).toContain(fill.clientOrderId)
  })

  it('reports a changed recorded order size as a request that differs', async () => {
    const tampered = structuredClone(records)
    const k = tampered.findIndex((r, j) => j > 100 && r.type === 'request' && (r.data as {op: string}).op === 'submit')
    const args = (tampered[k].data as {args: {qty: number; clientOrderId: string}}).args
    args.qty += 1
    const report = await replayJournal(writeRecords('order-size.journal', tampered))
    expect(report.ok).toBe(false)
    const differs = report.divergences.filter((d) => d.kind === 'request_differs')
    expect(differs).toHaveLength(1)
    expect(differs[0].detail).toBe(`order ${args.clientOrderId}: qty ${args.qty} recorded, ${args.qty - 1} in replay`)
  })

  it('refuses a journal without a session header, in one line', async () => {
    await expect(replayJournal(writeRecords('headless.journal', records.slice(1)))).rejects.toThrow(/does not start with a session header/)
  })
})
