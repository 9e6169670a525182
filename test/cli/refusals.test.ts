/**
 * No silent failure, as a user meets it: a backtest whose orders were mostly refused prints its report, then one
 * line naming the main rejection code and its fix, and exits 3; a normal run exits 0. Also: a grid backtest
 * without --symbols picks the perpetual of the bundled sample and says so.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {traderIn} from '../support/cli.js'
import {BacktestReportSchema} from '../../src/report/schema.js'
import {REFUSED_EXIT_CODE} from '../../src/engine/refusal-check.js'

let dir: string

const trader = traderIn(() => dir)

/** The error lines of stderr: exactly one, no stack frames. */
function errorLine(stderr: string): string {
  const errors = stderr.split('\n').filter((l) => l.startsWith('Error:'))
  expect(errors.length, stderr).toBe(1)
  expect(stderr).not.toMatch(/\n\s+at /)
  return errors[0]
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-refusals-'))
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('trader backtest: refused orders are not a silent result', () => {
  it('too little cash: the report, then one line naming --cash, exit 3', () => {
    const r = trader('backtest', '--cash', '1')
    expect(r.code, r.stderr).toBe(REFUSED_EXIT_CODE)
    // The report comes first and in full: the user needs it to see what was refused.
    expect(r.stdout).toContain('Rejections')
    expect(r.stdout).toMatch(/journal sha256 [0-9a-f]{64}/)
    const line = errorLine(r.stderr)
    expect(line).toMatch(/^Error: all \d+ orders were refused, size_below_minimum: .*raise --cash$/)
    // The error is the last thing said.
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(line)
  })

  it('orders that do not fit the position mode: the venue refuses them all, the line names position_idx and --position-mode', () => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--position-mode', 'hedge')
    expect(r.code, r.stderr).toBe(REFUSED_EXIT_CODE)
    expect(r.stdout).toMatch(/position_idx\s+│\s+\d+ │/)
    // The venue's own words for the first refusal are quoted, then the fix.
    expect(errorLine(r.stderr)).toMatch(/^Error: all \d+ orders were refused, position_idx \(".*hedge mode.*"\): .*--position-mode one-way/)
  })

  it('with --json the report is still complete JSON on stdout', () => {
    const r = trader('backtest', '--cash', '1', '--json', '--symbols', 'SPY')
    expect(r.code, r.stderr).toBe(REFUSED_EXIT_CODE)
    const report = BacktestReportSchema.parse(JSON.parse(r.stdout))
    expect(report.orders).toBe(0)
    expect(report.rejections.map((x) => x.reason)).toEqual(['size_below_minimum'])
    expect(errorLine(r.stderr)).toContain('--cash')
  })

  it('a risk limit that refuses every entry is named, with the limit to raise and --no-risk', () => {
    writeFileSync(join(dir, 'tight.json'), JSON.stringify({risk: {maxExposure: 0.0001}}))
    const r = trader('backtest', '--config', 'tight.json', '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--json')
    expect(r.code, r.stderr).toBe(REFUSED_EXIT_CODE)
    expect(BacktestReportSchema.parse(JSON.parse(r.stdout)).rejections[0].reason).toBe('risk:exposure_cap')
    expect(errorLine(r.stderr)).toMatch(/refused, risk:exposure_cap: .*risk\.maxExposure.*--no-risk$/)
    // The same run without the risk engine trades: nothing is refused, exit 0.
    const free = trader('backtest', '--config', 'tight.json', '--no-risk', '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--json')
    expect(free.code, free.stderr).toBe(0)
    expect(JSON.parse(free.stdout).trades).toBeGreaterThan(0)
  })

  it('a normal run exits 0 without an error line', () => {
    const r = trader('backtest', '--symbols', 'SPY,IBM', '--from', '2013-10-07', '--to', '2013-10-08', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).trades).toBeGreaterThan(0)
    expect(r.stderr).not.toContain('Error')
  })
})

describe('trader backtest --strategy grid without --symbols', () => {
  it('picks the perpetual of the sample, not the stocks, and says which', () => {
    const r = trader('backtest', '--strategy', 'grid', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^note: no --symbols given: using the bybit symbols BTCUSDT \(grid trades crypto_perp\)/m)
    const report = BacktestReportSchema.parse(JSON.parse(r.stdout))
    expect(report.symbols).toEqual(['BTCUSDT'])
    expect(report.trades).toBeGreaterThan(0)
  })
})
