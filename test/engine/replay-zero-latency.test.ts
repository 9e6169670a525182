/**
 * Replay of sessions recorded with zero venue latency. A venue message then lands at the very time of a bar
 * instant, between two of its bars (an order filled on the bar after it was placed), and replay has no simulator
 * reacting to bars: the recorded bar mark tells it after which bar the message came. And a call the strategy
 * made that settles at once (refused before the venue) has its continuation run right after that bar, in the
 * recording and in the replay alike, not at whichever later await comes first.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar, BarChunk, BarStream} from '../../src/core/market-data.js'
import {planBacktest, runBacktestJob} from '../../src/run/backtest-job.js'
import {runBacktest} from '../../src/run/backtest.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import {replayJournal} from '../../src/run/replay.js'
import {BAR_MARK} from '../../src/run/session-runner.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {profileFor} from '../../src/sim/venue-profile.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-replay-zero-'))
  process.env.TRADER_DATA_DB = join(dir, 'market.duckdb')
})

afterAll(() => {
  delete process.env.TRADER_DATA_DB
  rmSync(dir, {recursive: true, force: true})
})

async function record(flags: Parameters<typeof planBacktest>[0]): Promise<{records: JournalRecord[]; hash: string}> {
  const plan = await planBacktest(flags)
  const journal = new Journal({keep: true})
  const job = await runBacktestJob(plan, {journal})
  return {records: [...journal.records], hash: job.result.journalHash}
}

describe('replay of a zero-latency backtest', () => {
  it('sma-cross on four stocks: bar marks recorded, replay reproduces it exactly; without the marks it diverges', async () => {
    const {records, hash} = await record({symbols: 'SPY,IBM,AIG,BAC', seed: 5, latency: '0', params: '{"fast":5,"slow":20}'})
    const marks = records.filter((r) => r.type === BAR_MARK)
    expect(marks.length).toBeGreaterThan(50)
    expect(records.filter((r) => r.type === 'request').length).toBeGreaterThan(100)

    const report = await replayJournal(records)
    expect(report.divergences).toEqual([])
    expect(report.violations).toEqual([])
    expect(report.replayedHash).toBe(hash)
    expect(report.ok).toBe(true)

    // The marks are what makes it replayable: the same recording without them is delivered too early.
    const unmarked = records.filter((r) => r.type !== BAR_MARK)
    const naive = await replayJournal(unmarked)
    expect(naive.ok).toBe(false)
    expect(naive.divergenceCount).toBeGreaterThan(0)
  }, 120_000)

  it('the grid (hedge mode, Bybit minutes) with zero latency replays exactly', async () => {
    const {records, hash} = await record({strategy: 'grid', symbols: 'BTCUSDT', latency: '0'})
    expect(records.filter((r) => r.type === 'request').length).toBeGreaterThan(100)
    expect(records.some((r) => r.type === BAR_MARK)).toBe(true)
    const report = await replayJournal(records)
    expect(report.divergences).toEqual([])
    expect(report.replayedHash).toBe(hash)
    expect(report.ok).toBe(true)
  }, 120_000)

  it('venue answers in the same millisecond as a strategy timer (the grid at 60 s and 30 s latency) replay exactly', async () => {
    // The grid's sync timer and its restore answers land on the same instants: the simulator gives its messages
    // before same-millisecond timers, as a live session and the replay do.
    for (const latency of ['60000', '30000']) {
      const {records, hash} = await record({strategy: 'grid', symbols: 'BTCUSDT', latency})
      const report = await replayJournal(records)
      expect(report.divergences, `latency ${latency}`).toEqual([])
      expect(report.replayedHash).toBe(hash)
    }
  }, 120_000)

  it('a recording with latency has no bar marks (messages land between instants)', async () => {
    const {records} = await record({symbols: 'SPY,IBM', seed: 5, latency: '40:25', params: '{"fast":5,"slow":20}'})
    expect(records.filter((r) => r.type === 'request').length).toBeGreaterThan(20)
    expect(records.some((r) => r.type === BAR_MARK)).toBe(false)
  }, 120_000)
})

/** Two symbols, bars at the same instants: two bars per instant with no venue work due between them. */
function twoSymbolStream(instants: number): BarStream {
  const n = instants * 2
  const chunk: BarChunk = {
    length: n,
    symbol: new Uint16Array(n).map((_, i) => i % 2),
    ts: new Float64Array(n).map((_, i) => Date.UTC(2024, 0, 2) + Math.floor(i / 2) * 60_000),
    open: new Float64Array(n).fill(100),
    high: new Float64Array(n).fill(101),
    low: new Float64Array(n).fill(99),
    close: new Float64Array(n).fill(100),
    volume: new Float64Array(n).fill(1_000),
  }
  return {symbols: ['AAA', 'BBB'], timeframe: '1m', [Symbol.asyncIterator]: async function* () { yield chunk }}
}

/** Sends one order, then sends the same id again (refused at once as a duplicate) and notes when it learns so. */
class DuplicateProbe implements Strategy {
  readonly name = 'duplicate-probe'
  private ctx!: StrategyContext
  private bars = 0
  private refusedAt = -1
  /** The bar at which the refusal was known, seen from the bar after the resend. */
  seenAtNextBar: number | undefined

  start(ctx: StrategyContext): void {
    this.ctx = ctx
  }

  onBar(bar: Bar): void {
    const k = this.bars++
    const req = {clientOrderId: 'probe-1', symbol: 'AAA', side: 'buy', type: 'market', qty: 1, tif: 'day'} as const
    if (k === 0 && bar.symbol === 'AAA') void this.ctx.orders.submit(req)
    // Bar 2 is AAA at the second instant; bar 3 is BBB at that same instant.
    if (k === 2) {
      void this.ctx.orders.submit(req).then((r) => {
        if (!r.ok) this.refusedAt = this.bars
      })
    }
    if (k === 3) this.seenAtNextBar = this.refusedAt
  }
}

describe('the bar loop settles a call that resolves at once before the next bar', () => {
  it('a duplicate-id refusal made on one bar is known on the next bar of the same instant', async () => {
    const probe = new DuplicateProbe()
    const instruments = ['AAA', 'BBB'].map((s) => defaultInstrument(s, 'us_equity', 'sim'))
    await runBacktest({stream: twoSymbolStream(5), instruments, profile: profileFor('sim'), strategy: probe, sim: {seed: 1, latency: {fixedMs: 20, jitterMs: 0}}, journal: new Journal()})
    // Learned after bar 2's onBar (3 bars seen), before bar 3's.
    expect(probe.seenAtNextBar).toBe(3)
  })
})
