import {describe, expect, it} from 'vitest'
import type {ClosedTrade, EquityCurve} from '../core/trade.js'
import {
  BacktestReportSchema, cagr, computeReport, dailyReturns, defaultPeriodsPerYear, isCryptoSymbol, ReportInputError,
  type BacktestReport, type ReportInput,
} from './statistics.js'

const T0 = Date.UTC(2024, 0, 1) // Monday 2024-01-01 00:00 UTC
const H = 3_600_000
const D = 24 * H

function curve(points: [ts: number, equity: number, exposure?: number][]): EquityCurve {
  return {
    ts: Float64Array.from(points, (p) => p[0]),
    equity: Float64Array.from(points, (p) => p[1]),
    exposure: Float64Array.from(points, (p) => p[2] ?? 0),
  }
}

function trade(symbol: string, direction: 'long' | 'short', qty: number, entry: number, exit: number, pnl: number,
  fees: number, exitReason: string, day: number): ClosedTrade {
  return {symbol, direction, qty, entryTs: T0 + day * D + 10 * H, entryPrice: entry, exitTs: T0 + day * D + 15 * H,
    exitPrice: exit, pnl, fees, exitReason}
}

/** Every number anywhere in the report is finite (JSON.stringify would hide NaN as null, so walk the object). */
function assertAllFinite(value: unknown, path = 'report'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), `${path} = ${value}`).toBe(true)
  else if (Array.isArray(value)) value.forEach((v, i) => assertAllFinite(v, `${path}[${i}]`))
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertAllFinite(v, `${path}.${k}`)
  }
}

function valid(report: BacktestReport): BacktestReport {
  assertAllFinite(report)
  BacktestReportSchema.parse(JSON.parse(JSON.stringify(report)))
  return report
}

// Day-end equities give daily returns of exactly +1%, -1%, +2%, -1%, +3% from 10,000.
const E1 = 10000 * 1.01
const E2 = E1 * 0.99
const E3 = E2 * 1.02
const E4 = E3 * 0.99
const E5 = E4 * 1.03

const THREE_TRADES: ClosedTrade[] = [
  trade('AAPL', 'long', 10, 100, 110, 98, 2, 'take_profit', 0),
  trade('AAPL', 'long', 10, 105, 100, -52, 2, 'stop_loss', 1),
  trade('MSFT', 'short', 5, 200, 190, 49, 1, 'take_profit', 2),
]

function baseInput(over: Partial<ReportInput> = {}): ReportInput {
  return {
    strategy: 'sma-cross',
    symbols: ['MSFT', 'AAPL', 'TSLA'],
    timeframe: '1h',
    from: T0,
    to: T0 + 5 * D,
    bars: 120,
    initialCash: 10_000,
    trades: THREE_TRADES,
    equity: curve([
      [T0 + 10 * H, 10050, 0],
      [T0 + 20 * H, E1, 0.5], // day 1 close; the drawdown peak
      [T0 + D + 12 * H, 9900, 0.5], // intraday trough: (10100 - 9900) / 10100
      [T0 + D + 20 * H, E2, 1e-12], // float dust, not a position
      [T0 + 2 * D + 20 * H, E3, 0],
      [T0 + 3 * D + 20 * H, E4, 0.25],
      [T0 + 4 * D + 20 * H, E5, 0.3],
    ]),
    fees: 5,
    rejections: {insufficient_funds: 2, market_closed: 5, never: 0},
    orders: 8,
    fills: 6,
    ...over,
  }
}

describe('computeReport on a hand-computed run', () => {
  const r = valid(computeReport(baseInput()))

  it('reports the period, counts and returns', () => {
    expect(r.period).toEqual({from: '2024-01-01T00:00:00.000Z', to: '2024-01-06T00:00:00.000Z', fromMs: T0, toMs: T0 + 5 * D, days: 5})
    expect([r.bars, r.trades, r.orders, r.fills]).toEqual([120, 3, 8, 6])
    expect(r.finalEquity).toBeCloseTo(10399.899906, 9)
    expect(r.totalReturn).toBeCloseTo(0.0399899906, 12)
    // (10399.899906 / 10000) ^ (365.25 / 5) - 1, computed outside the code under test
    expect(r.cagr).toBeCloseTo(16.538001280290818, 9)
  })

  it('finds the max drawdown and its peak and trough times', () => {
    expect(r.maxDrawdown).toBeCloseTo(200 / 10100, 12)
    expect(r.maxDrawdownPeak).toBe('2024-01-01T20:00:00.000Z')
    expect(r.maxDrawdownTrough).toBe('2024-01-02T12:00:00.000Z')
  })

  it('computes Sharpe and Sortino from the last sample of each UTC day', () => {
    // r = [.01, -.01, .02, -.01, .03]; mean .008; deviations .002 -.018 .012 -.018 .022; Σd² = 1280e-6;
    // sample var = 320e-6, sd = .0178885; mean/sd = 1/√5; × √252 → √(252/5).
    expect(r.dailyReturns).toBe(5)
    expect(r.periodsPerYear).toBe(252)
    expect(r.sharpe).toBeCloseTo(7.0992957397195395, 9)
    // downside: (.01² + .01²) / 5 = 4e-5, dd = .0063246; mean/dd = √1.6; × √252 → √403.2
    expect(r.sortino).toBeCloseTo(20.079840636817814, 9)
  })

  it('computes the trade statistics', () => {
    expect([r.wins, r.losses]).toEqual([2, 1])
    expect(r.winRate).toBeCloseTo(2 / 3, 12)
    expect(r.grossProfit).toBe(147)
    expect(r.grossLoss).toBe(52)
    expect(r.profitFactor).toBeCloseTo(147 / 52, 12)
    expect(r.expectancy).toBeCloseTo(95 / 3, 12)
    expect(r.avgWin).toBe(73.5)
    expect(r.avgLoss).toBe(-52)
    expect(r.bestTrade).toMatchObject({symbol: 'AAPL', pnl: 98, return: 0.098, exitReason: 'take_profit',
      entryTime: '2024-01-01T10:00:00.000Z', exitTime: '2024-01-01T15:00:00.000Z'})
    expect(r.worstTrade?.pnl).toBe(-52)
    expect(r.worstTrade?.return).toBeCloseTo(-52 / 1050, 12)
    expect(r.fees).toBe(5)
  })

  it('counts exposure time over samples, ignoring float dust', () => {
    expect(r.exposure).toBeCloseTo(4 / 7, 12)
  })

  it('builds per-symbol rows, sorted, including symbols without trades', () => {
    expect(r.perSymbol).toEqual([
      {symbol: 'AAPL', trades: 2, winRate: 0.5, pnl: 46, fees: 4, returnContribution: 0.0046, funding: null},
      {symbol: 'MSFT', trades: 1, winRate: 1, pnl: 49, fees: 1, returnContribution: 0.0049, funding: null},
      {symbol: 'TSLA', trades: 0, winRate: null, pnl: 0, fees: 0, returnContribution: 0, funding: null},
    ])
  })

  it('builds exit-reason rows, most frequent first', () => {
    expect(r.exitReasons).toEqual([
      {reason: 'take_profit', count: 2, winRate: 1, pnl: 147, avgPnl: 73.5},
      {reason: 'stop_loss', count: 1, winRate: 0, pnl: -52, avgPnl: -52},
    ])
  })

  it('lists rejections by count, dropping zero counts', () => {
    expect(r.rejections).toEqual([{reason: 'market_closed', count: 5}, {reason: 'insufficient_funds', count: 2}])
  })

  it('is deterministic', () => {
    expect(JSON.stringify(computeReport(baseInput()))).toBe(JSON.stringify(r))
  })
})

describe('annualisation', () => {
  it('defaults to 365 periods when any symbol is crypto', () => {
    const r = valid(computeReport(baseInput({symbols: ['BTCUSDT']})))
    expect(r.periodsPerYear).toBe(365)
    expect(r.sharpe).toBeCloseTo(Math.sqrt(365 / 5), 9)
  })

  it('takes an explicit tradingDaysPerYear over the default', () => {
    expect(computeReport(baseInput({tradingDaysPerYear: 12})).sharpe).toBeCloseTo(Math.sqrt(12 / 5), 9)
  })

  it('classifies symbols by shape', () => {
    expect(['BTC/USD', 'ETH-USD', 'BTCUSDT', 'SOLUSDC', 'BTCUSD', 'BTC-PERP'].map(isCryptoSymbol)).toEqual(Array(6).fill(true))
    expect(['AAPL', 'BRK.B', 'SPY', 'TUSD'].map(isCryptoSymbol)).toEqual([false, false, false, false])
    expect(defaultPeriodsPerYear(['AAPL', 'ETH/USD'])).toBe(365)
    expect(defaultPeriodsPerYear([])).toBe(252)
  })

  it('puts a sample exactly at midnight in the new day', () => {
    const rs = dailyReturns(100, curve([[T0 + D - 1, 110], [T0 + D, 121]]))
    expect(Array.from(rs).map((x) => +x.toFixed(12))).toEqual([0.1, 0.1])
  })
})

describe('degenerate runs', () => {
  it('no trades and no samples over zero days: nulls, never NaN', () => {
    const r = valid(computeReport(baseInput({trades: [], equity: curve([]), to: T0, rejections: undefined,
      orders: undefined, fills: undefined})))
    expect(r.period.days).toBe(0)
    expect(r.finalEquity).toBe(10_000)
    expect(r.totalReturn).toBe(0)
    expect([r.cagr, r.sharpe, r.sortino, r.winRate, r.profitFactor, r.expectancy, r.avgWin, r.avgLoss,
      r.bestTrade, r.worstTrade, r.exposure, r.orders, r.fills, r.maxDrawdownPeak]).toEqual(Array(14).fill(null))
    expect(r.maxDrawdown).toBe(0)
    expect(r.dailyReturns).toBe(0)
    expect(r.exitReasons).toEqual([])
    expect(r.rejections).toEqual([])
    expect(r.perSymbol.map((s) => s.winRate)).toEqual([null, null, null])
  })

  it('flat equity: zero variance gives null ratios, zero drawdown, zero CAGR', () => {
    const flat = curve([0, 1, 2, 3, 4].map((d) => [T0 + d * D + 20 * H, 10_000, 0] as [number, number, number]))
    const r = valid(computeReport(baseInput({trades: [], equity: flat})))
    expect(r.dailyReturns).toBe(5)
    expect(r.sharpe).toBeNull()
    expect(r.sortino).toBeNull()
    expect(r.maxDrawdown).toBe(0)
    expect(r.cagr).toBe(0)
    expect(r.exposure).toBe(0)
  })

  it('constant positive returns: float-noise variance is still zero variance, and no downside', () => {
    const steady = curve([0, 1, 2, 3, 4].map((d) => [T0 + d * D, 10_000 * 1.01 ** (d + 1)] as [number, number]))
    const r = valid(computeReport(baseInput({equity: steady})))
    expect(r.sharpe).toBeNull()
    expect(r.sortino).toBeNull()
  })

  it('rising but uneven returns: Sharpe defined, Sortino null (no downside)', () => {
    const up = curve([[T0, 10_100], [T0 + D, 10_302], [T0 + 2 * D, 10_508.04]]) // +1%, +2%, +2%
    const r = valid(computeReport(baseInput({equity: up})))
    // mean 5/300, sd of (1,2,2)% = 0.57735%: Sharpe = (5/3)/0.57735 × √252
    expect(r.sharpe).toBeCloseTo((5 / 3 / Math.sqrt(1 / 3)) * Math.sqrt(252), 6)
    expect(r.sortino).toBeNull()
  })

  it('a single sample: one daily return, no ratios, drawdown measured from the initial cash', () => {
    const r = valid(computeReport(baseInput({equity: curve([[T0 + H, 9_500, 1]])})))
    expect(r.dailyReturns).toBe(1)
    expect(r.sharpe).toBeNull()
    expect(r.sortino).toBeNull()
    expect(r.maxDrawdown).toBeCloseTo(0.05, 12)
    expect(r.maxDrawdownPeak).toBe('2024-01-01T00:00:00.000Z')
    expect(r.maxDrawdownTrough).toBe('2024-01-01T01:00:00.000Z')
    expect(r.exposure).toBe(1)
  })

  it('all wins: profit factor null (no loss), avg loss null', () => {
    const wins = [THREE_TRADES[0], THREE_TRADES[2]]
    const r = valid(computeReport(baseInput({trades: wins})))
    expect(r.winRate).toBe(1)
    expect(r.profitFactor).toBeNull()
    expect(r.grossProfit).toBe(147)
    expect(r.grossLoss).toBe(0)
    expect(r.avgLoss).toBeNull()
    expect(r.avgWin).toBe(73.5)
  })

  it('a break-even trade is neither a win nor a loss', () => {
    const r = valid(computeReport(baseInput({trades: [trade('AAPL', 'long', 1, 10, 10, 0, 0, 'signal', 0)]})))
    expect([r.wins, r.losses, r.winRate, r.profitFactor, r.expectancy]).toEqual([0, 0, 0, null, 0])
  })

  it('zero initial cash: return ratios null instead of dividing by zero', () => {
    const r = valid(computeReport(baseInput({initialCash: 0})))
    expect(r.totalReturn).toBeNull()
    expect(r.cagr).toBeNull()
    expect(r.perSymbol.every((s) => s.returnContribution === null)).toBe(true)
  })

  it('a zero-notional trade has a null return', () => {
    const r = valid(computeReport(baseInput({trades: [trade('AAPL', 'long', 0, 10, 11, -1, 1, 'signal', 0)]})))
    expect(r.bestTrade?.return).toBeNull()
  })
})

describe('cagr edge cases', () => {
  it('is null under one day', () => expect(cagr(100, 200, 0.5)).toBeNull())
  it('is -1 when the account ends at or below zero', () => {
    expect(cagr(100, 0, 30)).toBe(-1)
    expect(cagr(100, -5, 30)).toBe(-1)
  })
  it('is null when the power overflows', () => expect(cagr(1, 1e300, 1)).toBeNull())
  it('is exact over one 365.25-day year', () => expect(cagr(100, 150, 365.25)).toBeCloseTo(0.5, 12))
  it('gives -1 in the report when equity is wiped out', () => {
    const wiped = curve([[T0 + H, 5_000], [T0 + 2 * D, -100], [T0 + 3 * D, -50]])
    const r = valid(computeReport(baseInput({equity: wiped})))
    expect(r.cagr).toBe(-1)
    expect(r.maxDrawdown).toBeCloseTo(1.01, 12)
    expect(r.dailyReturns).toBe(2) // -50%, -102%; the day after a negative close has no return
  })
})

describe('input validation', () => {
  it('rejects a NaN pnl', () => {
    const bad = [{...THREE_TRADES[0], pnl: Number.NaN}]
    expect(() => computeReport(baseInput({trades: bad}))).toThrow(ReportInputError)
    expect(() => computeReport(baseInput({trades: bad}))).toThrow(/trade 0 \(AAPL\) has pnl = NaN/)
  })

  it('rejects unsorted equity samples and mismatched columns', () => {
    expect(() => computeReport(baseInput({equity: curve([[T0 + D, 1], [T0, 1]])}))).toThrow(/not in time order/)
    const mismatched = {ts: new Float64Array(2), equity: new Float64Array(2), exposure: new Float64Array(1)}
    expect(() => computeReport(baseInput({equity: mismatched}))).toThrow(/differ in length/)
  })

  it('rejects a period that ends before it starts', () => {
    expect(() => computeReport(baseInput({to: T0 - 1}))).toThrow(ReportInputError)
  })
})

describe('BacktestReportSchema', () => {
  it('rejects Infinity and NaN', () => {
    const r = computeReport(baseInput())
    expect(BacktestReportSchema.safeParse({...r, sharpe: Infinity}).success).toBe(false)
    expect(BacktestReportSchema.safeParse({...r, profitFactor: Number.NaN}).success).toBe(false)
    expect(BacktestReportSchema.safeParse({...r, cagr: null}).success).toBe(true)
  })
})
