/**
 * Position modes through the built CLI, on the bundled Bybit BTCUSDT perpetual (one-way mode, Bybit's default):
 * every bundled strategy but the grid trades it without a refused order; the grid runs the simulated account in
 * hedge mode by itself and refuses an explicit one-way in one line (exit 2); the journal header names the mode and
 * replay rebuilds the same venue from it.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, traderIn} from '../support/cli.js'
import {readJournalHead} from '../../src/state/journal-file.js'

let dir: string

const trader = traderIn(() => dir)

/** The rows of a CSV the backtest wrote (no quoted commas in these files). */
function csv(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n')
  const cols = head.split(',')
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])))
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-cli-modes-'))
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('BTCUSDT perpetual on the one-way venue', () => {
  it.each(['sma-cross', 'momentum', 'buy-and-hold', 'parabolic-sar', 'volume-profile', 'consensus'])('%s trades and the venue refuses none of its orders', (strategy) => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--strategy', strategy, '--no-risk', '--json', '--out', `out-${strategy}`)
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as {trades: number; orders: number}
    expect(report.orders).toBeGreaterThan(0)
    expect(report.trades).toBeGreaterThan(0)
    const orders = csv(join(dir, `out-${strategy}`, 'orders.csv'))
    expect(orders.length).toBe(report.orders)
    expect(orders.filter((o) => o.status === 'rejected').map((o) => o.reject_reason)).toEqual([])
    expect(orders.filter((o) => o.status === 'filled').length).toBeGreaterThan(0)
  }, 120_000)

  it('opening-range makes no order: the bundled day ends at 12:00 UTC, before the New York open it trades (14:30 UTC)', () => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--strategy', 'opening-range', '--no-risk', '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as {orders: number; period: {toMs: number}}
    expect(report.period.toMs).toBeLessThanOrEqual(Date.UTC(2022, 11, 13, 14, 30))
    expect(report.orders).toBe(0)
  }, 120_000)
})

describe('the grid and the position mode', () => {
  it('runs the simulated account in hedge mode by itself; the journal header says so and replay rebuilds it', () => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--strategy', 'grid', '--json', '--journal', 'grid.journal')
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as {trades: number}).trades).toBeGreaterThan(0)
    const header = readJournalHead(join(dir, 'grid.journal'))[0] as {data: {sim: {positionMode?: string}}}
    expect(header.data.sim.positionMode).toBe('hedge')
    const replay = trader('replay', 'grid.journal')
    expect(replay.code, replay.stdout + replay.stderr).toBe(0)
    expect(replay.stdout).toMatch(/1 passed, 0 failed/)
  }, 120_000)

  it('a one-way run records one-way in its header', () => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--json', '--journal', 'sma.journal')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.stringify(readJournalHead(join(dir, 'sma.journal'))[0])).toContain('"positionMode":"one-way"')
  }, 120_000)

  it('refuses an explicit one-way in one line naming the setting and its fix, exit 2', () => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--strategy', 'grid', '--position-mode', 'one-way')
    expect(r.code).toBe(2)
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '')
    expect(lines).toEqual(['Error: grid needs hedge mode on perpetuals, but --position-mode says one-way; use --position-mode hedge (positionMode: hedge in the sim settings) or leave it out'])
    expect(r.stdout).toBe('')
  }, 120_000)

  it('an explicit hedge mode on a strategy that holds one position refuses its orders, and says how to fix it', () => {
    const r = trader('backtest', '--symbols', 'BTCUSDT', '--strategy', 'sma-cross', '--no-risk', '--position-mode', 'hedge', '--json')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/position_idx/)
    expect(r.stderr).toMatch(/--position-mode one-way/)
  }, 120_000)
})

describe('crypto spot data runs on the spot venue', () => {
  it('Lean crypto spot BTCUSDT: spot fees (0.1 %), no short sale, and the header records the fees it ran with', () => {
    const imp = trader('data', 'import', join(ROOT, '../shared/data/lean/crypto/bybit/minute/btcusdt/20221213_trade.zip'), '--db', 'spot.duckdb')
    expect(imp.code, imp.stderr).toBe(0)
    const r = trader('backtest', '--db', 'spot.duckdb', '--symbols', 'BTCUSDT', '--no-risk', '--json', '--out', 'out-spot', '--journal', 'spot.journal')
    expect(r.code, r.stderr).toBe(0)
    const fills = csv(join(dir, 'out-spot', 'fills.csv'))
    expect(fills.length).toBeGreaterThan(0)
    for (const f of fills) expect(Number(f.fee)).toBeCloseTo(Number(f.qty) * Number(f.price) * 0.001, 6)
    // Long only: what was sold had been bought first, so the base balance never went negative.
    let base = 0
    for (const f of fills) {
      base += f.side === 'buy' ? Number(f.qty) : -Number(f.qty)
      expect(base).toBeGreaterThan(-1e-9)
    }
    const header = JSON.stringify(readJournalHead(join(dir, 'spot.journal'))[0])
    expect(header).toContain('"fees":{"makerRate":0.001,"takerRate":0.001')
    expect(header).not.toContain('positionMode')
    // A fee given by the user wins over the venue's schedule.
    const own = trader('backtest', '--db', 'spot.duckdb', '--symbols', 'BTCUSDT', '--no-risk', '--fee', '0', '--json')
    expect((JSON.parse(own.stdout) as {fees: number}).fees).toBe(0)
  }, 120_000)
})
