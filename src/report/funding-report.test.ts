/** Funding in the report: shown only for runs on perpetuals, per symbol and in total, with the notes. */
import {describe, expect, it} from 'vitest'
import {BacktestReportSchema, computeReport, type ReportInput, ReportInputError} from './statistics.js'
import {renderReport} from './tables.js'

const T0 = Date.UTC(2022, 11, 13)
const H = 3_600_000

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    strategy: 'grid',
    symbols: ['BTCUSDT', 'ETHUSDT'],
    timeframe: '1m',
    from: T0,
    to: T0 + 12 * H,
    bars: 1442,
    initialCash: 100_000,
    trades: [],
    equity: {ts: Float64Array.from([T0 + H]), equity: Float64Array.from([100_002.5]), exposure: Float64Array.from([0.3])},
    fees: 0,
    ...over,
  }
}

describe('funding in the report', () => {
  it('a run on perpetuals: net, received and paid, payments, a Funding column per symbol, and its notes', () => {
    const report = computeReport(input({
      funding: {net: 2.5, received: 4, paid: 1.5, bySymbol: {BTCUSDT: 4, ETHUSDT: -1.5}, payments: 3},
      notes: ['no funding rates for XRPUSDT between …: funding was not charged'],
    }))
    expect(BacktestReportSchema.parse(report)).toEqual(report)
    expect(report.funding).toEqual({net: 2.5, received: 4, paid: 1.5, payments: 3})
    expect(report.perSymbol.map((s) => [s.symbol, s.funding])).toEqual([['BTCUSDT', 4], ['ETHUSDT', -1.5]])
    const text = renderReport(report)
    expect(text).toContain('│ Funding (net)               │ +2.50 (4.00 received, 1.50 paid; 3 payments)')
    expect(text).toMatch(/│ BTCUSDT .*│\s+\+4\.00 │\n/)
    expect(text).toMatch(/│ ETHUSDT .*│\s+-1\.50 │\n/)
    expect(text.endsWith('Notes\n- no funding rates for XRPUSDT between …: funding was not charged\n')).toBe(true)
  })

  it('a run without perpetuals shows no funding at all', () => {
    const report = computeReport(input({symbols: ['SPY']}))
    expect(report.funding).toBeNull()
    expect(report.perSymbol[0].funding).toBeNull()
    expect(report.notes).toEqual([])
    const text = renderReport(report)
    expect(text).not.toMatch(/Funding|Notes/)
  })

  it('refuses non-finite funding figures as a bug in the run, not a report', () => {
    expect(() => computeReport(input({funding: {net: Number.NaN, received: 0, paid: 0, bySymbol: {}, payments: 0}}))).toThrow(ReportInputError)
    expect(() => computeReport(input({funding: {net: 0, received: 0, paid: 0, bySymbol: {BTCUSDT: Infinity}, payments: 0}}))).toThrow(/funding BTCUSDT is Infinity/)
    expect(() => computeReport(input({funding: {net: 0, received: 0, paid: 0, bySymbol: {}, payments: 1.5}}))).toThrow(/funding payments is 1.5/)
  })
})
