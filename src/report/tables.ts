/** Text rendering of a BacktestReport: summary, per-symbol, exit-reason and (when any) rejection tables. */
import {duration, money, NOT_AVAILABLE, percent, ratio, signedMoney, signedPercent, utcTime} from './format.js'
import type {BacktestReport, TradeSummary} from './schema.js'
import {textTable as table} from './text-table.js'

export interface RenderOptions {
  /** ANSI colours in table heads and borders; pass false when stdout is not a TTY (the default). */
  color?: boolean
}

export function renderReport(report: BacktestReport, opts: RenderOptions = {}): string {
  const color = opts.color ?? false
  const sections = [
    section('Summary', summaryTable(report, color)),
    section('Per symbol', perSymbolTable(report, color)),
    section('Exit reasons', exitReasonTable(report, color)),
  ]
  if (report.rejections.length > 0) sections.push(section('Rejections', rejectionTable(report, color)))
  if (report.notes.length > 0) sections.push(section('Notes', report.notes.map((n) => `- ${n}`).join('\n')))
  return sections.join('\n\n') + '\n'
}

function summaryTable(r: BacktestReport, color: boolean): string {
  const t = table(['Metric', 'Value'], color, ['left', 'left'])
  const rows: [string, string][] = [
    ['Strategy', r.strategy],
    ['Symbols', r.symbols.join(', ') || '-'],
    ['Timeframe', r.timeframe],
    ['Period', `${utcTime(r.period.from)} → ${utcTime(r.period.to)} UTC (${ratio(r.period.days)} days)`],
    ['Bars', String(r.bars)],
    ['Trades', String(r.trades)],
  ]
  if (r.orders !== null) rows.push(['Orders', String(r.orders)])
  if (r.fills !== null) rows.push(['Fills', String(r.fills)])
  rows.push(
    ['Initial cash', money(r.initialCash)],
    ['Final equity', money(r.finalEquity)],
    ['Total return', percent(r.totalReturn)],
    ['CAGR', percent(r.cagr)],
    ['Max drawdown', drawdown(r)],
    ['Sharpe (daily, annualised)', ratio(r.sharpe)],
    ['Sortino (daily, annualised)', ratio(r.sortino)],
    ['Win rate', r.trades > 0 ? `${percent(r.winRate)} (${r.wins} W / ${r.breakeven} B / ${r.losses} L)` : NOT_AVAILABLE],
    ['Profit factor', profitFactor(r)],
    ['Expectancy', money(r.expectancy)],
    ['Avg win', money(r.avgWin)],
    ['Avg loss', money(r.avgLoss)],
    ['Best trade', trade(r.bestTrade)],
    ['Worst trade', trade(r.worstTrade)],
    ['Avg trade duration', duration(r.avgTradeDurationMs)],
    ['Exposure time', percent(r.exposure)],
    ['Fees', money(r.fees)],
  )
  if (r.funding !== null) {
    const f = r.funding
    rows.push(['Funding (net)', `${signedMoney(f.net)} (${money(f.received)} received, ${money(f.paid)} paid; ${f.payments} payments)`])
  }
  t.push(...rows)
  return t.toString()
}

function perSymbolTable(r: BacktestReport, color: boolean): string {
  // A Funding column only when the run had perpetuals.
  const funded = r.funding !== null
  const t = table(['Symbol', 'Trades', 'Win rate', 'PnL', 'Fees', 'Return contrib.', ...(funded ? ['Funding'] : [])], color,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'])
  for (const s of r.perSymbol) {
    const row = [s.symbol, String(s.trades), percent(s.winRate), signedMoney(s.pnl), money(s.fees), percent(s.returnContribution)]
    t.push(funded ? [...row, s.funding === null ? NOT_AVAILABLE : signedMoney(s.funding)] : row)
  }
  if (r.perSymbol.length === 0) t.push([{colSpan: funded ? 7 : 6, content: 'no symbols'}])
  return t.toString()
}

function exitReasonTable(r: BacktestReport, color: boolean): string {
  const t = table(['Exit reason', 'Count', 'Win rate', 'PnL', 'Avg PnL'], color, ['left', 'right', 'right', 'right', 'right'])
  for (const e of r.exitReasons) {
    t.push([e.reason, String(e.count), percent(e.winRate), signedMoney(e.pnl), signedMoney(e.avgPnl)])
  }
  if (r.exitReasons.length === 0) t.push([{colSpan: 5, content: 'no trades'}])
  return t.toString()
}

function rejectionTable(r: BacktestReport, color: boolean): string {
  const t = table(['Rejection reason', 'Count'], color, ['left', 'right'])
  for (const x of r.rejections) t.push([x.reason, String(x.count)])
  return t.toString()
}

/** No profit factor is either ∞ (wins, no losses) or undefined (nothing won or lost). */
function profitFactor(r: BacktestReport): string {
  if (r.profitFactor !== null) return ratio(r.profitFactor)
  return r.grossProfit > 0 ? '∞' : NOT_AVAILABLE
}

function drawdown(r: BacktestReport): string {
  const pct = percent(r.maxDrawdown)
  if (r.maxDrawdownPeak === null || r.maxDrawdownTrough === null) return pct
  return `${pct} (${utcTime(r.maxDrawdownPeak)} → ${utcTime(r.maxDrawdownTrough)})`
}

function trade(t: TradeSummary | null): string {
  if (t === null) return NOT_AVAILABLE
  const ret = t.return === null ? '' : ` (${signedPercent(t.return)})`
  return `${t.symbol} ${t.direction} ${signedMoney(t.pnl)}${ret}`
}

function section(title: string, body: string): string {
  return `${title}\n${body}`
}
