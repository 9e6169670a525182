import {describe, expect, it} from 'vitest'
import type {ClosedTrade} from '../core/trade.js'
import {money, percent, ratio, signedMoney} from './format.js'
import {computeReport, type ReportInput} from './statistics.js'
import {renderReport} from './tables.js'

const T0 = Date.UTC(2024, 0, 1)
const H = 3_600_000
const D = 24 * H

function trade(symbol: string, pnl: number, exitReason: string): ClosedTrade {
  return {symbol, direction: 'long', qty: 10, entryTs: T0 + H, entryPrice: 100, exitTs: T0 + 2 * H, exitPrice: 100 + pnl / 10,
    pnl, fees: 1.25, exitReason}
}

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    strategy: 'sma-cross',
    symbols: ['AAPL', 'MSFT'],
    timeframe: '1d',
    from: T0,
    to: T0 + 4 * D,
    bars: 8,
    initialCash: 1_000_000,
    trades: [trade('AAPL', 1234.5, 'take_profit'), trade('MSFT', -200, 'stop_loss'), trade('AAPL', 50, 'signal')],
    equity: {
      ts: Float64Array.from([T0, T0 + D, T0 + 2 * D, T0 + 3 * D]),
      equity: Float64Array.from([1_000_000, 1_001_234.5, 1_001_034.5, 1_001_084.5]),
      exposure: Float64Array.from([0, 1, 0, 0.5]),
    },
    fees: 3.75,
    rejections: {insufficient_funds: 4},
    orders: 7,
    fills: 6,
    ...over,
  }
}

const SUMMARY_LABELS = ['Period', 'Bars', 'Trades', 'Total return', 'CAGR', 'Max drawdown', 'Sharpe', 'Sortino',
  'Win rate', 'Profit factor', 'Expectancy', 'Exposure time', 'Fees', 'Final equity', 'Initial cash', 'Orders', 'Fills',
  'Avg win', 'Avg loss', 'Best trade', 'Worst trade']

function assertClean(text: string): void {
  expect(text).not.toMatch(/NaN|Infinity|undefined|null|\[object/)
  expect(text).not.toContain('\x1b[')
}

describe('renderReport', () => {
  it('renders every summary row, the per-symbol, exit-reason and rejection tables', () => {
    const text = renderReport(computeReport(input()))
    for (const label of SUMMARY_LABELS) expect(text, label).toContain(label)
    for (const title of ['Summary', 'Per symbol', 'Exit reasons', 'Rejections']) expect(text).toContain(title)
    for (const head of ['Symbol', 'Win rate', 'PnL', 'Return contrib.', 'Exit reason', 'Avg PnL', 'Rejection reason']) {
      expect(text).toContain(head)
    }
    assertClean(text)
  })

  it('formats money with separators and percentages with 2 decimals', () => {
    const text = renderReport(computeReport(input()))
    expect(text).toMatch(/Final equity\s+│ 1,001,084\.50/)
    expect(text).toMatch(/Total return\s+│ 0\.11%/) // 1084.5 / 1e6
    expect(text).toMatch(/Win rate\s+│ 66\.67% \(2 W \/ 0 B \/ 1 L\)/)
    expect(text).toMatch(/Profit factor\s+│ 6\.42/) // 1284.5 / 200
    expect(text).toMatch(/Expectancy\s+│ 361\.50/)
    expect(text).toMatch(/Exposure time\s+│ 50\.00%/)
    expect(text).toMatch(/AAPL\s+│\s+2 │\s+100\.00% │\s+\+1,284\.50 │\s+2\.50 │\s+0\.13% │/)
    expect(text).toMatch(/stop_loss\s+│\s+1 │\s+0\.00% │\s+-200\.00 │\s+-200\.00 │/)
    expect(text).toMatch(/insufficient_funds\s+│\s+4 │/)
  })

  it('prints ∞ for a profit factor with wins and no losses', () => {
    const text = renderReport(computeReport(input({trades: [trade('AAPL', 10, 'signal')]})))
    expect(text).toMatch(/Profit factor\s+│ ∞/)
    expect(text).toMatch(/Avg loss\s+│ n\/a/)
    assertClean(text)
  })

  it('renders a run with no trades, no samples and no rejections: n/a cells, no rejection table', () => {
    const empty = input({trades: [], to: T0, rejections: {}, orders: undefined, fills: undefined,
      equity: {ts: new Float64Array(0), equity: new Float64Array(0), exposure: new Float64Array(0)}})
    const text = renderReport(computeReport(empty))
    for (const label of ['CAGR', 'Sharpe', 'Sortino', 'Win rate', 'Profit factor', 'Expectancy', 'Exposure time']) {
      expect(text).toMatch(new RegExp(`${label}[^│]*│ n/a`))
    }
    expect(text).toContain('no trades')
    expect(text).not.toContain('Rejections')
    expect(text).not.toMatch(/│ Orders/)
    assertClean(text)
  })

  it('adds ANSI colour only when asked', () => {
    expect(renderReport(computeReport(input()), {color: true})).toContain('\x1b[')
  })
})

describe('formatters', () => {
  it('never prints -0.00 and groups thousands', () => {
    expect(money(-0.001)).toBe('0.00')
    expect(money(-1234567.891)).toBe('-1,234,567.89')
    expect(percent(-0.00001)).toBe('0.00%')
    expect(percent(0.123456)).toBe('12.35%')
    expect(ratio(null)).toBe('n/a')
    expect(signedMoney(0.001)).toBe('0.00')
    expect(signedMoney(5)).toBe('+5.00')
  })
})
