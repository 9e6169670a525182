/**
 * Performance statistics of a finished run: one pass over the trades, one over the equity curve.
 * Every ratio is finite or null (see schema.ts); bad input (NaN, unsorted samples) is an error, not a silent skip.
 */
import type {ClosedTrade, EquityCurve} from '../core/trade.js'
import type {BacktestReport, ExitReasonRow, RejectionRow, SymbolRow, TradeSummary} from './schema.js'

export {BacktestReportSchema} from './schema.js'
export type {BacktestReport, ExitReasonRow, RejectionRow, SymbolRow, TradeSummary} from './schema.js'

export interface ReportInput {
  strategy: string
  symbols: string[]
  timeframe: string
  /** Run start, UTC epoch ms. */
  from: number
  /** Run end, UTC epoch ms. */
  to: number
  bars: number
  initialCash: number
  trades: readonly ClosedTrade[]
  equity: EquityCurve
  /** Total fees paid in the run. */
  fees: number
  /** Periods per year for annualising; default from the asset classes: 252 trading days for equities, 365 for crypto. */
  tradingDaysPerYear?: number
  rejections?: Record<string, number>
  orders?: number
  fills?: number
  /** Perpetual funding, + received, − paid: net per symbol, total and settlements. Absent when no perpetual was traded. */
  funding?: {net: number; received: number; paid: number; bySymbol: Readonly<Record<string, number>>; payments: number}
  /** Lines for the report's notes (e.g. a perpetual run without funding data). */
  notes?: readonly string[]
}

/** The input breaks a precondition of the report (non-finite number, unsorted equity samples, ...). */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReportInputError'
  }
}

export const DAY_MS = 86_400_000
/** Calendar year used by CAGR. */
const YEAR_DAYS = 365.25
/** Exposure below this (fraction of equity) is float dust from a closed position, not a position. */
const EXPOSURE_EPSILON = 1e-9
/** A daily-return spread below this is zero variance (float noise on a flat or constant-return curve). */
const VARIANCE_EPSILON = 1e-12
/**
 * A trade whose net pnl (after fees) is within this fraction of its entry notional is breakeven: zero but for float
 * rounding of sums of prices × quantities (~1e-16 relative), far below a real outcome (one price tick is ≥ 5e-6 of the
 * price on the bundled instruments; a fee of 0.1 bp is 1e-5).
 */
export const BREAKEVEN_EPSILON = 1e-9

/** Win (net pnl > 0), loss (< 0) or breakeven (0 within BREAKEVEN_EPSILON of the entry notional), as Freqtrade's W / D / L. */
export function outcomeOf(t: Pick<ClosedTrade, 'pnl' | 'qty' | 'entryPrice'>): 'win' | 'breakeven' | 'loss' {
  const tolerance = BREAKEVEN_EPSILON * Math.abs(t.qty * t.entryPrice)
  return t.pnl > tolerance ? 'win' : t.pnl < -tolerance ? 'loss' : 'breakeven'
}

const CRYPTO_QUOTES = /(USDT|USDC|BUSD|FDUSD|PERP)$/
const CRYPTO_PAIR = /^[A-Z0-9]+[-/:][A-Z0-9]+$/

/**
 * Crypto or equity from the symbol's shape, until instruments carry their asset class: a pair ("BTC/USD",
 * "ETH-USD"), a stablecoin- or PERP-quoted contract ("BTCUSDT"), or a long *USD code ("BTCUSD") is crypto;
 * anything else ("AAPL", "BRK.B") is an equity.
 */
export function isCryptoSymbol(symbol: string): boolean {
  const s = symbol.toUpperCase()
  return CRYPTO_PAIR.test(s) || CRYPTO_QUOTES.test(s) || (s.length > 5 && s.endsWith('USD'))
}

/** 365 when any symbol trades around the clock (the curve then has a sample every calendar day), else 252. */
export function defaultPeriodsPerYear(symbols: readonly string[]): number {
  return symbols.some((s) => isCryptoSymbol(s)) ? 365 : 252
}

export function computeReport(input: ReportInput): BacktestReport {
  validate(input)
  const {equity, initialCash} = input
  const n = equity.ts.length
  const finalEquity = n > 0 ? equity.equity[n - 1] : initialCash
  const days = (input.to - input.from) / DAY_MS
  const periodsPerYear = input.tradingDaysPerYear ?? defaultPeriodsPerYear(input.symbols)

  const trades = tradeStats(input.trades)
  const dd = maxDrawdown(input.from, initialCash, equity)
  const returns = dailyReturns(initialCash, equity)

  return {
    strategy: input.strategy,
    symbols: [...input.symbols],
    timeframe: input.timeframe,
    period: {from: iso(input.from), to: iso(input.to), fromMs: input.from, toMs: input.to, days},
    bars: input.bars,
    trades: input.trades.length,
    orders: input.orders ?? null,
    fills: input.fills ?? null,
    initialCash,
    finalEquity,
    totalReturn: initialCash > 0 ? finite(finalEquity / initialCash - 1) : null,
    cagr: cagr(initialCash, finalEquity, days),
    maxDrawdown: dd.fraction,
    maxDrawdownPeak: dd.fraction > 0 ? iso(dd.peakTs) : null,
    maxDrawdownTrough: dd.fraction > 0 ? iso(dd.troughTs) : null,
    periodsPerYear,
    dailyReturns: returns.length,
    sharpe: sharpe(returns, periodsPerYear),
    sortino: sortino(returns, periodsPerYear),
    ...trades.summary,
    exposure: exposureTime(equity.exposure),
    fees: input.fees,
    perSymbol: perSymbolRows(input.symbols, input.trades, initialCash).map((r) => ({...r, funding: input.funding?.bySymbol[r.symbol] ?? null})),
    exitReasons: exitReasonRows(input.trades),
    rejections: rejectionRows(input.rejections ?? {}),
    funding: input.funding
      ? {net: input.funding.net, received: input.funding.received, paid: input.funding.paid, payments: input.funding.payments}
      : null,
    notes: [...(input.notes ?? [])],
  }
}

/**
 * (final / initial)^(365.25 / days) − 1. Defined as null under one day or with no starting capital, −1 when the
 * account ends at or below zero (a negative base has no real root), null when the power overflows.
 */
export function cagr(initialCash: number, finalEquity: number, days: number): number | null {
  if (days < 1 || !(initialCash > 0)) return null
  if (finalEquity <= 0) return -1
  return finite(Math.pow(finalEquity / initialCash, YEAR_DAYS / days) - 1)
}

/**
 * Returns of the equity at the last sample of each UTC day that has samples, the first day measured from
 * initialCash (the equity before the first sample). A day after a non-positive close has no defined return and
 * is skipped.
 */
export function dailyReturns(initialCash: number, equity: EquityCurve): Float64Array {
  const {ts, equity: eq} = equity
  const n = ts.length
  const out = new Float64Array(n)
  let k = 0
  let prev = initialCash
  for (let i = 0; i < n; i++) {
    const lastOfDay = i === n - 1 || Math.floor(ts[i + 1] / DAY_MS) !== Math.floor(ts[i] / DAY_MS)
    if (!lastOfDay) continue
    if (prev > 0) out[k++] = eq[i] / prev - 1
    prev = eq[i]
  }
  return out.subarray(0, k)
}

/** mean / sample std × √periodsPerYear, risk-free 0. */
export function sharpe(returns: Float64Array, periodsPerYear: number): number | null {
  const n = returns.length
  if (n < 2) return null
  const m = mean(returns)
  let ss = 0
  for (let i = 0; i < n; i++) ss += (returns[i] - m) ** 2
  const sd = Math.sqrt(ss / (n - 1))
  if (sd < VARIANCE_EPSILON) return null
  return finite((m / sd) * Math.sqrt(periodsPerYear))
}

/** mean / downside deviation × √periodsPerYear; downside deviation = √(Σ min(r, 0)² / n) over ALL n days. */
export function sortino(returns: Float64Array, periodsPerYear: number): number | null {
  const n = returns.length
  if (n < 2) return null
  let ss = 0
  for (let i = 0; i < n; i++) if (returns[i] < 0) ss += returns[i] ** 2
  const dd = Math.sqrt(ss / n)
  if (dd < VARIANCE_EPSILON) return null
  return finite((mean(returns) / dd) * Math.sqrt(periodsPerYear))
}

/** Largest fall from a running peak, the account's starting cash at `from` being the first peak. */
export function maxDrawdown(from: number, initialCash: number, equity: EquityCurve): {fraction: number; peakTs: number; troughTs: number} {
  const {ts, equity: eq} = equity
  let peak = initialCash
  let peakTs = from
  let best = {fraction: 0, peakTs: from, troughTs: from}
  for (let i = 0; i < ts.length; i++) {
    const e = eq[i]
    if (e > peak) {
      peak = e
      peakTs = ts[i]
      continue
    }
    if (peak <= 0) continue
    const fraction = (peak - e) / peak
    if (fraction > best.fraction) best = {fraction, peakTs, troughTs: ts[i]}
  }
  return best
}

/** Fraction of samples holding a position (|exposure| above float dust). */
export function exposureTime(exposure: Float64Array): number | null {
  const n = exposure.length
  if (n === 0) return null
  let held = 0
  for (let i = 0; i < n; i++) if (Math.abs(exposure[i]) > EXPOSURE_EPSILON) held++
  return held / n
}

type TradeFields = Pick<BacktestReport, 'wins' | 'breakeven' | 'losses' | 'winRate' | 'grossProfit' | 'grossLoss' | 'profitFactor' |
  'expectancy' | 'avgWin' | 'avgLoss' | 'bestTrade' | 'worstTrade' | 'avgTradeDurationMs'>

function tradeStats(trades: readonly ClosedTrade[]): {summary: TradeFields} {
  let wins = 0
  let breakeven = 0
  let losses = 0
  let grossProfit = 0
  let grossLoss = 0
  let total = 0
  // Entry and exit times are the fills' (TradeRecorder), not bar times: a fill inside a bar counts from its own time.
  let held = 0
  let best: ClosedTrade | null = null
  let worst: ClosedTrade | null = null
  for (const t of trades) {
    total += t.pnl
    // A position opened by a fill after the last bar instant is valued at that instant: no negative holding time.
    held += Math.max(0, t.exitTs - t.entryTs)
    const outcome = outcomeOf(t)
    if (outcome === 'win') {
      wins++
      grossProfit += t.pnl
    } else if (outcome === 'loss') {
      losses++
      grossLoss -= t.pnl
    } else {
      breakeven++
    }
    if (best === null || t.pnl > best.pnl) best = t
    if (worst === null || t.pnl < worst.pnl) worst = t
  }
  const n = trades.length
  return {
    summary: {
      wins,
      breakeven,
      losses,
      // Over all trades, breakeven ones included (W / (W + B + L)), as Freqtrade's Win%.
      winRate: n > 0 ? wins / n : null,
      grossProfit,
      grossLoss,
      profitFactor: grossLoss > 0 ? finite(grossProfit / grossLoss) : null,
      expectancy: n > 0 ? total / n : null,
      avgWin: wins > 0 ? grossProfit / wins : null,
      avgLoss: losses > 0 ? -grossLoss / losses : null,
      bestTrade: best && summarise(best),
      worstTrade: worst && summarise(worst),
      avgTradeDurationMs: n > 0 ? held / n : null,
    },
  }
}

function summarise(t: ClosedTrade): TradeSummary {
  const notional = t.qty * t.entryPrice
  return {
    symbol: t.symbol,
    direction: t.direction,
    qty: t.qty,
    entryTime: iso(t.entryTs),
    exitTime: iso(t.exitTs),
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    pnl: t.pnl,
    return: notional !== 0 ? finite(t.pnl / Math.abs(notional)) : null,
    exitReason: t.exitReason,
  }
}

/** One row per symbol of the run (even without trades) and per traded symbol, sorted by code point. */
function perSymbolRows(symbols: readonly string[], trades: readonly ClosedTrade[], initialCash: number): Omit<SymbolRow, 'funding'>[] {
  const acc = new Map<string, {trades: number; wins: number; pnl: number; fees: number}>()
  for (const s of symbols) acc.set(s, {trades: 0, wins: 0, pnl: 0, fees: 0})
  for (const t of trades) {
    let a = acc.get(t.symbol)
    if (!a) acc.set(t.symbol, (a = {trades: 0, wins: 0, pnl: 0, fees: 0}))
    a.trades++
    if (outcomeOf(t) === 'win') a.wins++
    a.pnl += t.pnl
    a.fees += t.fees
  }
  return [...acc.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([symbol, a]) => ({
    symbol,
    trades: a.trades,
    winRate: a.trades > 0 ? a.wins / a.trades : null,
    pnl: a.pnl,
    fees: a.fees,
    returnContribution: initialCash > 0 ? finite(a.pnl / initialCash) : null,
  }))
}

/** Sorted by count (most frequent first), then reason. */
function exitReasonRows(trades: readonly ClosedTrade[]): ExitReasonRow[] {
  const acc = new Map<string, {count: number; wins: number; pnl: number}>()
  for (const t of trades) {
    let a = acc.get(t.exitReason)
    if (!a) acc.set(t.exitReason, (a = {count: 0, wins: 0, pnl: 0}))
    a.count++
    if (outcomeOf(t) === 'win') a.wins++
    a.pnl += t.pnl
  }
  return [...acc.entries()]
    .sort(([ra, a], [rb, b]) => b.count - a.count || byCodePoint(ra, rb))
    .map(([reason, a]) => ({reason, count: a.count, winRate: a.wins / a.count, pnl: a.pnl, avgPnl: a.pnl / a.count}))
}

function rejectionRows(rejections: Record<string, number>): RejectionRow[] {
  return Object.entries(rejections)
    .filter(([, count]) => count > 0)
    .sort(([ra, a], [rb, b]) => b - a || byCodePoint(ra, rb))
    .map(([reason, count]) => ({reason, count}))
}

function validate(input: ReportInput): void {
  const fail = (what: string): never => {
    throw new ReportInputError(`Cannot build the report: ${what}. This is a bug in the code that produced the run's results.`)
  }
  const checkTime = (ms: number, name: string) => {
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) fail(`${name} is not a valid epoch-ms time (${ms})`)
  }
  checkTime(input.from, 'from')
  checkTime(input.to, 'to')
  if (input.to < input.from) fail(`the period ends (${input.to}) before it starts (${input.from})`)
  if (!Number.isFinite(input.initialCash)) fail(`initialCash is ${input.initialCash}`)
  if (!Number.isFinite(input.fees)) fail(`fees is ${input.fees}`)
  if (input.funding) {
    const {net, received, paid, bySymbol} = input.funding
    for (const [what, v] of [['net', net], ['received', received], ['paid', paid], ...Object.entries(bySymbol)] as const) {
      if (!Number.isFinite(v)) fail(`funding ${what} is ${v}`)
    }
    if (received < 0 || paid < 0) fail(`funding received ${received} / paid ${paid} must not be negative`)
    if (!(Number.isSafeInteger(input.funding.payments) && input.funding.payments >= 0)) fail(`funding payments is ${input.funding.payments}, expected a count`)
  }
  for (const [name, v] of [['bars', input.bars], ['orders', input.orders], ['fills', input.fills]] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) fail(`${name} is ${v}, expected a count`)
  }
  const ppy = input.tradingDaysPerYear
  if (ppy !== undefined && !(Number.isFinite(ppy) && ppy > 0)) fail(`tradingDaysPerYear is ${ppy}, expected > 0`)
  for (const [reason, c] of Object.entries(input.rejections ?? {})) {
    if (!(Number.isSafeInteger(c) && c >= 0)) fail(`rejection count for "${reason}" is ${c}`)
  }

  input.trades.forEach((t, i) => {
    for (const k of ['qty', 'entryPrice', 'exitPrice', 'pnl', 'fees'] as const) {
      if (!Number.isFinite(t[k])) fail(`trade ${i} (${t.symbol}) has ${k} = ${t[k]}`)
    }
    checkTime(t.entryTs, `trade ${i} entryTs`)
    checkTime(t.exitTs, `trade ${i} exitTs`)
  })

  const {ts, equity, exposure} = input.equity
  if (equity.length !== ts.length || exposure.length !== ts.length) {
    fail(`equity curve columns differ in length (ts ${ts.length}, equity ${equity.length}, exposure ${exposure.length})`)
  }
  for (let i = 0; i < ts.length; i++) {
    if (!Number.isFinite(ts[i]) || !Number.isFinite(equity[i]) || !Number.isFinite(exposure[i])) {
      fail(`equity sample ${i} is not finite (ts ${ts[i]}, equity ${equity[i]}, exposure ${exposure[i]})`)
    }
    if (i > 0 && ts[i] < ts[i - 1]) fail(`equity samples are not in time order at index ${i}`)
  }
}

function mean(xs: Float64Array): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]
  return s / xs.length
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
