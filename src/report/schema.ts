/**
 * The backtest report: a plain JSON object (numbers, strings, null; never NaN or Infinity), and its zod schema so
 * `--json` output can be validated by tests and consumers. A ratio that is undefined for the data (no trades, no
 * loss, zero variance, fewer than two daily returns, ...) is `null`, never a sentinel number.
 */
import {z} from 'zod'

/** One trade, as the best/worst trade fields show it. */
export interface TradeSummary {
  readonly symbol: string
  readonly direction: 'long' | 'short'
  readonly qty: number
  /** ISO 8601 UTC. */
  readonly entryTime: string
  /** ISO 8601 UTC. */
  readonly exitTime: string
  readonly entryPrice: number
  readonly exitPrice: number
  /** Net of fees. */
  readonly pnl: number
  /** pnl / (qty × entryPrice); null when the entry notional is zero. */
  readonly return: number | null
  readonly exitReason: string
}

export interface SymbolRow {
  readonly symbol: string
  readonly trades: number
  /** null when the symbol has no trades. */
  readonly winRate: number | null
  readonly pnl: number
  readonly fees: number
  /** pnl / initialCash: this symbol's share of the total return. null when initialCash ≤ 0. */
  readonly returnContribution: number | null
  /** Net perpetual funding of the symbol (+ received, − paid; not in pnl); null when it is not a perpetual. */
  readonly funding: number | null
}

export interface ExitReasonRow {
  readonly reason: string
  /** Always ≥ 1: a reason appears only when a trade closed for it. */
  readonly count: number
  readonly winRate: number
  readonly pnl: number
  readonly avgPnl: number
}

export interface FundingSummary {
  readonly net: number
  /** Sum of the payments received (≥ 0). */
  readonly received: number
  /** Sum of the payments made, as a positive number (≥ 0). */
  readonly paid: number
  readonly payments: number
}

export interface RejectionRow {
  readonly reason: string
  readonly count: number
}

export interface BacktestReport {
  readonly strategy: string
  readonly symbols: readonly string[]
  readonly timeframe: string
  readonly period: {
    /** ISO 8601 UTC. */
    readonly from: string
    /** ISO 8601 UTC. */
    readonly to: string
    readonly fromMs: number
    readonly toMs: number
    /** (to − from) in days, fractional. */
    readonly days: number
  }
  readonly bars: number
  readonly trades: number
  /** null when the caller did not count them. */
  readonly orders: number | null
  readonly fills: number | null
  readonly initialCash: number
  /** Last equity sample; initialCash when there are no samples. */
  readonly finalEquity: number
  /** finalEquity / initialCash − 1; null when initialCash ≤ 0. */
  readonly totalReturn: number | null
  /**
   * Compound annual growth over the period, on a 365.25-day year. null when the period is shorter than one day
   * (annualising noise gives absurd numbers) or initialCash ≤ 0 or the result overflows; −1 when finalEquity ≤ 0
   * (everything lost).
   */
  readonly cagr: number | null
  /** Largest peak-to-trough fall as a positive fraction of the peak (0 when equity never fell). */
  readonly maxDrawdown: number
  /** ISO time of the peak before the largest fall; null when there was no fall. */
  readonly maxDrawdownPeak: string | null
  /** ISO time of the trough of the largest fall; null when there was no fall. */
  readonly maxDrawdownTrough: string | null
  /** Annualisation factor used for Sharpe and Sortino (periods per year; daily returns). */
  readonly periodsPerYear: number
  /** Number of daily returns Sharpe and Sortino were computed from. */
  readonly dailyReturns: number
  /** Annualised Sharpe of daily returns, risk-free 0, sample standard deviation. null: < 2 returns or zero variance. */
  readonly sharpe: number | null
  /** Annualised Sortino of daily returns, downside deviation over all days. null: < 2 returns or no downside. */
  readonly sortino: number | null
  /** Trades with net pnl (after fees) > 0; see `breakeven`. */
  readonly wins: number
  /** Trades with net pnl 0 within 1e-9 of their entry notional (BREAKEVEN_EPSILON): neither wins nor losses. */
  readonly breakeven: number
  readonly losses: number
  /** wins / trades, breakeven trades included in the trades (Freqtrade's Win%); null with no trades. */
  readonly winRate: number | null
  /** Sum of winning pnl. */
  readonly grossProfit: number
  /** Sum of losing pnl as a positive number. */
  readonly grossLoss: number
  /** grossProfit / grossLoss; null when there is no loss (∞ when grossProfit > 0, undefined with no trades). */
  readonly profitFactor: number | null
  /** Mean pnl per trade; null with no trades. */
  readonly expectancy: number | null
  /** Mean pnl of winning trades; null with none. */
  readonly avgWin: number | null
  /** Mean pnl of losing trades (negative); null with none. */
  readonly avgLoss: number | null
  readonly bestTrade: TradeSummary | null
  readonly worstTrade: TradeSummary | null
  /** Mean time from a trade's first entry fill to its closing fill, from the fills' own times (ms); null with no trades. */
  readonly avgTradeDurationMs: number | null
  /** Fraction of equity samples with non-zero gross exposure; null with no samples. */
  readonly exposure: number | null
  /** Total fees paid in the run (from the ledger, as given). */
  readonly fees: number
  readonly perSymbol: readonly SymbolRow[]
  readonly exitReasons: readonly ExitReasonRow[]
  readonly rejections: readonly RejectionRow[]
  /**
   * Perpetual funding over the run (in the equity, not in trade pnl); null without perpetuals. `net` = received −
   * paid; `payments` counts settlements (one per open position or hedge leg per funding time).
   */
  readonly funding: FundingSummary | null
  /** Things the reader must know to trust the numbers (e.g. a perpetual run without funding data). */
  readonly notes: readonly string[]
}

const num = z.number() // zod 4: rejects NaN and ±Infinity
const nullableNum = num.nullable()
const count = z.number().int().nonnegative()
const isoTime = z.iso.datetime()

const TradeSummarySchema = z.object({
  symbol: z.string(),
  direction: z.enum(['long', 'short']),
  qty: num,
  entryTime: isoTime,
  exitTime: isoTime,
  entryPrice: num,
  exitPrice: num,
  pnl: num,
  return: nullableNum,
  exitReason: z.string(),
})

export const BacktestReportSchema = z.object({
  strategy: z.string(),
  symbols: z.array(z.string()).readonly(),
  timeframe: z.string(),
  period: z.object({from: isoTime, to: isoTime, fromMs: num, toMs: num, days: num.nonnegative()}),
  bars: count,
  trades: count,
  orders: count.nullable(),
  fills: count.nullable(),
  initialCash: num,
  finalEquity: num,
  totalReturn: nullableNum,
  cagr: nullableNum,
  maxDrawdown: num.nonnegative(),
  maxDrawdownPeak: isoTime.nullable(),
  maxDrawdownTrough: isoTime.nullable(),
  periodsPerYear: num.positive(),
  dailyReturns: count,
  sharpe: nullableNum,
  sortino: nullableNum,
  wins: count,
  breakeven: count,
  losses: count,
  winRate: num.min(0).max(1).nullable(),
  grossProfit: num.nonnegative(),
  grossLoss: num.nonnegative(),
  profitFactor: num.nonnegative().nullable(),
  expectancy: nullableNum,
  avgWin: nullableNum,
  avgLoss: nullableNum,
  bestTrade: TradeSummarySchema.nullable(),
  worstTrade: TradeSummarySchema.nullable(),
  avgTradeDurationMs: num.nonnegative().nullable(),
  exposure: num.min(0).max(1).nullable(),
  fees: num,
  perSymbol: z.array(z.object({
    symbol: z.string(),
    trades: count,
    winRate: num.min(0).max(1).nullable(),
    pnl: num,
    fees: num,
    returnContribution: nullableNum,
    funding: nullableNum,
  })).readonly(),
  exitReasons: z.array(z.object({
    reason: z.string(),
    count: count.positive(),
    winRate: num.min(0).max(1),
    pnl: num,
    avgPnl: num,
  })).readonly(),
  rejections: z.array(z.object({reason: z.string(), count})).readonly(),
  funding: z.object({net: num, received: num.nonnegative(), paid: num.nonnegative(), payments: count}).nullable(),
  notes: z.array(z.string()).readonly(),
})

// Compile-time guard: the interface (with its docs) and the schema describe the same shape.
type Parsed = z.infer<typeof BacktestReportSchema>
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _schemaMatchesInterface: Same<Parsed, BacktestReport> = true
void _schemaMatchesInterface
