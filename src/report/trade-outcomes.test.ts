/**
 * Trade outcomes in the report. Breakeven trades are counted apart from wins and losses ("W / B / L"), stay in the
 * win rate's denominator (W / (W + B + L), as Freqtrade's Win%), and are recognised through float noise but not
 * past a real outcome. Trade durations come from the fills' own times (TradeRecorder), to the millisecond.
 */
import {describe, expect, it} from 'vitest'
import type {ClosedTrade} from '../core/trade.js'
import {BacktestReportSchema, BREAKEVEN_EPSILON, computeReport, outcomeOf, type ReportInput} from './statistics.js'
import {renderReport} from './tables.js'
import {duration} from './format.js'
import {TradeRecorder} from '../engine/trade-recorder.js'

const T0 = Date.UTC(2024, 0, 1)
const H = 3_600_000

/** A long trade of 10 at 100 (notional 1000) closed with the given net pnl. */
function trade(symbol: string, pnl: number, exitReason = 'signal'): ClosedTrade {
  return {symbol, direction: 'long', qty: 10, entryTs: T0 + H, entryPrice: 100, exitTs: T0 + 2 * H, exitPrice: 100 + pnl / 10, pnl, fees: 0, exitReason}
}

function input(trades: ClosedTrade[]): ReportInput {
  return {
    strategy: 'sma-cross', symbols: ['AAPL', 'MSFT'], timeframe: '1h', from: T0, to: T0 + 3 * H, bars: 3, initialCash: 10_000, trades,
    equity: {ts: Float64Array.from([T0 + H, T0 + 2 * H]), equity: Float64Array.from([10_000, 10_000]), exposure: Float64Array.from([1, 0])},
    fees: 0,
  }
}

describe('breakeven trades', () => {
  it('are exactly zero after fees, or within BREAKEVEN_EPSILON of the entry notional', () => {
    expect(outcomeOf(trade('AAPL', 0))).toBe('breakeven')
    // Float noise of a zero-sum round trip (e.g. 0.1 + 0.2 - 0.3) is breakeven.
    expect(outcomeOf(trade('AAPL', 0.1 + 0.2 - 0.3))).toBe('breakeven')
    expect(outcomeOf(trade('AAPL', -(0.1 + 0.2 - 0.3)))).toBe('breakeven')
    // Just past the tolerance (1000 notional × 1e-9 = 1e-6) is a real outcome.
    expect(outcomeOf(trade('AAPL', 2 * BREAKEVEN_EPSILON * 1000))).toBe('win')
    expect(outcomeOf(trade('AAPL', -2 * BREAKEVEN_EPSILON * 1000))).toBe('loss')
    // A cent on a 1000 notional is a win, never rounded away.
    expect(outcomeOf(trade('AAPL', 0.01))).toBe('win')
  })

  it('count apart, and stay in the win rate denominator: W / (W + B + L)', () => {
    const trades = [trade('AAPL', 50), trade('AAPL', 0), trade('MSFT', 1e-13, 'stop_loss'), trade('MSFT', -20, 'stop_loss'), trade('AAPL', 30)]
    const r = computeReport(input(trades))
    BacktestReportSchema.parse(JSON.parse(JSON.stringify(r)))
    expect([r.wins, r.breakeven, r.losses]).toEqual([2, 2, 1])
    expect(r.winRate).toBeCloseTo(2 / 5, 12)
    // The noise trade adds neither to the gross profit nor to the average win.
    expect(r.grossProfit).toBe(80)
    expect(r.avgWin).toBe(40)
    expect(r.grossLoss).toBe(20)
    // Per symbol and per exit reason the same rule: MSFT has a breakeven (noise) and a loss, so no win.
    expect(r.perSymbol.find((s) => s.symbol === 'MSFT')!.winRate).toBe(0)
    expect(r.perSymbol.find((s) => s.symbol === 'AAPL')!.winRate).toBeCloseTo(2 / 3, 12)
    expect(r.exitReasons.find((x) => x.reason === 'stop_loss')!.winRate).toBe(0)
  })

  it('show in the summary as "W / B / L"', () => {
    const trades = [trade('AAPL', 50), trade('AAPL', 0), trade('MSFT', -20)]
    const text = renderReport(computeReport(input(trades)))
    expect(text).toMatch(/Win rate\s+│ 33\.33% \(1 W \/ 1 B \/ 1 L\)/)
  })
})

describe('trade durations', () => {
  it('are the time between the entry and exit fills, not bar times', () => {
    // Fills at intra-bar times: a 1h bar opening 10:00 fills the entry at 10:00:00.020, the exit at 11:00:00.020 + 1.5 s.
    const rec = new TradeRecorder(() => undefined)
    const fill = (side: 'buy' | 'sell', ts: number, price: number) => ({execId: `e${ts}`, clientOrderId: `c${ts}`, venueOrderId: 'v', symbol: 'AAPL', side,
      positionSide: 'net' as const, qty: 10, price, fee: 0, liquidity: 'taker' as const, ts})
    const open = T0 + 10 * H
    rec.apply(fill('buy', open + 20, 100))
    rec.apply(fill('sell', open + H + 1520, 101))
    rec.apply(fill('buy', open + 2 * H + 20, 100))
    rec.apply(fill('sell', open + 2 * H + 3_000, 100))
    const r = computeReport({...input(rec.trades), to: T0 + 13 * H})
    expect(r.avgTradeDurationMs).toBe((H + 1500 + 2_980) / 2)
    expect(r.bestTrade!.entryTime).toBe(new Date(open + 20).toISOString())
    expect(renderReport(r)).toMatch(/Avg trade duration\s+│ 30m 2s/)
    expect(computeReport(input([])).avgTradeDurationMs).toBeNull()
  })

  it('format largest units first', () => {
    expect(duration(93_784_000)).toBe('1d 2h 3m 4s')
    expect(duration(3_600_000)).toBe('1h')
    expect(duration(1_500)).toBe('1.5s')
    expect(duration(0)).toBe('0s')
    expect(duration(null)).toBe('n/a')
  })
})
