/**
 * Funding from the command line on the bundled data: the grid on the bundled BTCUSDT day (its sample funding rates
 * imported with the bars) shows its funding in the report and its payments in --out, and `trader replay` of its
 * journal reproduces the run exactly.
 */
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {traderIn} from '../support/cli.js'

let dir: string
const trader = traderIn(() => dir)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-funding-cli-'))
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('trader backtest --strategy grid --symbols BTCUSDT (bundled day with its funding rates)', () => {
  it('reports the funding per symbol and in total, writes the payments, and replays exactly', () => {
    const r = trader('backtest', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--position-mode', 'hedge', '--out', join(dir, 'out'), '--journal', join(dir, 'grid.journal'))
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // The bundled rates: 00:00 (before any position), 08:00 (−0.00022398, inside the day), 16:00 (after it).
    // The grid holds both legs at 08:00: each settles on its own side.
    const csv = readFileSync(join(dir, 'out', 'funding.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toBe('time,ts,symbol,position_side,qty,mark_price,rate,amount')
    const rows = csv.slice(1).map((l) => l.split(','))
    expect(rows.length).toBeGreaterThan(0)
    for (const [time, , symbol, side, qty, mark, rate, amount] of rows) {
      expect([time, symbol, rate]).toEqual(['2022-12-13T08:00:00.000Z', 'BTCUSDT', '-0.00022398'])
      // A negative rate: the long leg receives, the short leg pays, |qty| × mark × rate.
      const sign = side === 'short' ? -1 : 1
      expect(Number(amount)).toBeCloseTo(sign * Number(qty) * Number(mark) * 0.00022398, 9)
    }
    const net = rows.reduce((a, row) => a + Number(row[7]), 0)
    const received = rows.filter((row) => Number(row[7]) > 0).reduce((a, row) => a + Number(row[7]), 0)
    const fmt = (x: number) => x.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2})
    expect(r.stdout).toContain(`Funding (net)`)
    expect(r.stdout).toContain(`${fmt(received)} received`)
    expect(r.stdout).toContain(`; ${rows.length} payments)`)
    expect(r.stdout).toMatch(/│ Symbol\s+│ Trades.*│ Funding │/)
    expect(r.stdout).toMatch(new RegExp(`│ BTCUSDT .*│\\s+[-+]?${fmt(net).replace(/^-/, '').replace('.', '\\.')} │`))
    expect(r.stdout).not.toContain('no funding rates')
    expect(readdirSync(join(dir, 'out'))).toContain('funding.parquet')

    const replay = trader('replay', join(dir, 'grid.journal'), '--json')
    expect(replay.code, replay.stdout.slice(0, 2000) + replay.stderr).toBe(0)
    expect(JSON.parse(replay.stdout)[0]).toMatchObject({ok: true, failures: []})
    const hash = /journal sha256 ([0-9a-f]{64})/.exec(r.stdout)![1]
    expect(replay.stdout).toContain(hash)
  }, 300_000)

  it('the same run twice gives the same journal hash', () => {
    const a = trader('backtest', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--position-mode', 'hedge', '--json')
    const b = trader('backtest', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--position-mode', 'hedge', '--json')
    expect(a.code, a.stderr).toBe(0)
    const ja = JSON.parse(a.stdout) as {journalHash: string; funding: {payments: number}}
    const jb = JSON.parse(b.stdout) as {journalHash: string}
    expect(ja.funding.payments).toBeGreaterThan(0)
    expect(jb.journalHash).toBe(ja.journalHash)
  }, 300_000)
})
