/**
 * `trader backtest` as a user runs it: the built CLI (npm test builds first), real bundled data in a temp
 * database, the report as JSON, help with examples, and one clear line with exit code 2 for bad input.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, traderIn} from '../support/cli.js'
import {BacktestReportSchema} from '../../src/report/schema.js'

let dir: string

const trader = traderIn(() => dir)

/** One clear line: a single non-empty line of error text, no stack frames. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '')
  expect(lines.length, stderr).toBe(1)
  expect(stderr).toMatch(pattern)
  expect(stderr).not.toMatch(/\n\s+at /)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-cli-'))
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('trader backtest', () => {
  it('runs the default strategy on the bundled data and prints the report as JSON', () => {
    const r = trader('backtest', '--json', '--symbols', 'SPY,IBM', '--out', 'out1')
    expect(r.code, r.stderr).toBe(0)
    const report = BacktestReportSchema.parse(JSON.parse(r.stdout))
    expect(report.strategy).toBe('sma-cross')
    expect(report.bars).toBeGreaterThan(5000)
    expect(report.trades).toBeGreaterThan(10)
    expect(readdirSync(join(dir, 'out1')).sort()).toEqual(
      ['equity.csv', 'equity.parquet', 'fills.csv', 'fills.parquet', 'orders.csv', 'orders.parquet', 'trades.csv', 'trades.parquet'],
    )
  })

  it('prints the tables by default', () => {
    const r = trader('backtest', '--strategy', 'buy-and-hold', '--timeframe', '1d', '--symbols', 'SPY,QQQ', '--from', '2015-01-01', '--to', '2016-12-31')
    expect(r.code, r.stderr).toBe(0)
    for (const label of ['Total return', 'CAGR', 'Max drawdown', 'Sharpe', 'Sortino', 'Win rate', 'Profit factor', 'Expectancy', 'Exposure time', 'Fees', 'Per symbol', 'Exit reason']) {
      expect(r.stdout).toContain(label)
    }
    expect(r.stdout).toContain('end_of_data')
  })

  it('writes the session journal, which `trader journal inspect` summarises', () => {
    const r = trader('backtest', '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--journal', 'run.journal', '--json')
    expect(r.code, r.stderr).toBe(0)
    const hash = JSON.parse(r.stdout).journalHash
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    const i = trader('journal', 'inspect', 'run.journal', '--json')
    expect(i.code, i.stderr).toBe(0)
    const s = JSON.parse(i.stdout)
    expect(s.tornTail).toBeNull()
    expect(s.intents).toBeGreaterThan(0)
    expect(s.distinctOrders).toBe(s.intents)
    expect(s.executions).toBe(s.distinctExecutions)
    expect(s.byType.request).toBe(s.byType.response)
    // The session's time span is its bars' day, not from the header's t = 0 (1970).
    expect(new Date(s.firstTime).toISOString().slice(0, 10)).toBe('2013-10-07')
    expect(s.longestGap.ms).toBeLessThan(24 * 3_600_000)
    // The recording replays exactly through the same code (default settings: 20 ms venue latency).
    const replay = trader('replay', 'run.journal', '--json')
    expect(replay.code, replay.stdout + replay.stderr).toBe(0)
    expect(JSON.parse(replay.stdout)[0]).toMatchObject({ok: true, failures: []})
    const again = trader('backtest', '--symbols', 'SPY', '--journal', 'run.journal')
    expect(again.code).toBe(2)
    expectOneLine(again.stderr, /already exists/)
    // A run that fails before its first record leaves no empty journal; an empty file is named as such.
    const failed = trader('backtest', '--symbols', 'NOPE', '--journal', 'failed.journal')
    expect(failed.code).not.toBe(0)
    expect(existsSync(join(dir, 'failed.journal'))).toBe(false)
    writeFileSync(join(dir, 'empty.journal'), '')
    const empty = trader('replay', 'empty.journal')
    expect(empty.code).toBe(2)
    expectOneLine(empty.stderr, /empty\.journal is empty/)
  })

  it('replays the journals of timer-driven strategies exactly too (momentum, grid)', () => {
    for (const [strategy, symbols] of [['momentum', 'SPY,IBM'], ['grid', 'BTCUSDT']]) {
      const file = `${strategy}.journal`
      const r = trader('backtest', '--strategy', strategy, '--symbols', symbols, '--journal', file, '--json')
      expect(r.code, r.stderr).toBe(0)
      const replay = trader('replay', file, '--json')
      expect(replay.code, replay.stdout.slice(0, 2000)).toBe(0)
      expect(JSON.parse(replay.stdout)[0]).toMatchObject({ok: true, failures: []})
    }
  })

  it('shows examples in --help', () => {
    const r = trader('backtest', '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain('--strategy buy-and-hold')
  })

  it('rejects an unknown strategy in one line with exit code 2', () => {
    const r = trader('backtest', '--strategy', 'nope')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /unknown strategy 'nope'; choose one of: sma-cross, buy-and-hold/)
  })

  it('rejects a misspelt strategy parameter in one line naming the nearest one, exit code 2', () => {
    const r = trader('backtest', '--params', '{"fsat":5}')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /parameters of sma-cross: 'fsat': unknown parameter; did you mean 'fast'\?/)
  })

  it('rejects symbols without data', () => {
    const r = trader('backtest', '--symbols', 'ZZZZ')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /ZZZZ/)
  })

  it('rejects --from after --to', () => {
    const r = trader('backtest', '--from', '2013-10-09', '--to', '2013-10-07')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /--from .* must be before --to/)
  })

  it('rejects a malformed config naming the file and the field', () => {
    const cfg = join(dir, 'bad.json')
    writeFileSync(cfg, JSON.stringify({strategy: 'sma-cross', sim: {latency: {fixedMs: 'fast'}}}))
    const r = trader('backtest', '--config', cfg)
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /bad\.json: sim\.latency\.fixedMs/)
  })

  it('rejects bad strategy parameters', () => {
    const r = trader('backtest', '--params', '{"fast":30,"slow":10}')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /parameters of sma-cross: 'fast': fast must be shorter than slow/)
  })

  it('rejects an unknown flag', () => {
    const r = trader('backtest', '--nope')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /Nonexistent flag: --nope \(see: trader backtest --help\)/)
  })

  it('rejects a malformed flag value in one line', () => {
    const r = trader('backtest', '--cash', 'lots')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /--cash.*Expected an integer but received: lots/)
  })
})

describe('trader replay (scenario files)', () => {
  it('runs every scenario of a directory and exits 0 when all pass; their journals replay exactly', () => {
    const r = trader('replay', join(ROOT, 'fixtures/scenarios'), '--json', '--journal-dir', 'scenario-journals')
    expect(r.code, r.stderr).toBe(0)
    const results = JSON.parse(r.stdout) as {id: string; ok: boolean}[]
    expect(results.length).toBeGreaterThan(0)
    expect(results.every((x) => x.ok)).toBe(true)
    // One journal per single-account scenario (the multi-account one is named and skipped), each replayable.
    const journals = readdirSync(join(dir, 'scenario-journals'))
    expect(journals.length).toBe(results.length - 1)
    expect(r.stderr).toMatch(/GRID-09 runs several accounts/)
    const replay = trader('replay', 'scenario-journals', '--json')
    expect(replay.code, replay.stdout.slice(0, 2000) + replay.stderr).toBe(0)
    const replayed = JSON.parse(replay.stdout) as {id: string; ok: boolean; replay: {recordedHash: string; replayedHash: string}}[]
    expect(replayed).toHaveLength(journals.length)
    expect(replayed.every((x) => x.ok && x.id.startsWith('scenario:') && x.replay.replayedHash === x.replay.recordedHash)).toBe(true)
  })

  it('exits 1 and names the unmet expectation when a scenario fails', () => {
    const bad = join(dir, 'failing.json')
    const s = JSON.parse(readFileSync(join(ROOT, 'fixtures/scenarios/sim-duplicate-executions.json'), 'utf8'))
    writeFileSync(bad, JSON.stringify({...s, expect: {trades: {max: 0}}}))
    const r = trader('replay', bad)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL\s+SIM-DUP-EXEC/)
    expect(r.stdout).toMatch(/trades: \d+ > max 0/)
  })
})
