/**
 * Perpetual funding: at each funding time every open position of the symbol pays or receives
 * `position value × rate`, where the value is |qty| × the mark price at that time. With a positive rate longs pay
 * and shorts receive; with a negative rate the reverse. In hedge mode each leg settles on its own side. Amounts here
 * are signed from the account's point of view: + received, − paid.
 */
import {z} from 'zod'
import type {PositionSide} from '../core/order.js'

/** One funding rate of a symbol: the fraction of position value exchanged at `ts` (UTC epoch ms). */
export interface FundingRate {
  readonly symbol: string
  readonly ts: number
  readonly rate: number
}

/** zod 4 numbers are finite; a rate beyond ±10 % per interval is a unit mistake (percent given as fraction), not a rate. */
export const FundingRateSchema = z.object({
  symbol: z.string().trim().min(1),
  ts: z.number().int(),
  rate: z.number().min(-0.1).max(0.1),
})

/** One position's settlement at one funding time. */
export interface FundingPayment {
  readonly ts: number
  readonly symbol: string
  readonly positionSide: PositionSide
  /** Size of the position or leg (never negative). */
  readonly qty: number
  readonly markPrice: number
  readonly rate: number
  /** + received, − paid. */
  readonly amount: number
}

/** What funding needs of a position: a net position's qty is signed, a hedge leg's is its size. */
export interface FundedPosition {
  readonly symbol: string
  readonly side: PositionSide
  readonly qty: number
  readonly avgPrice: number
}

/** +1 for a long exposure, −1 for a short one, 0 for none. */
function direction(p: FundedPosition): number {
  if (p.side === 'long') return p.qty > 0 ? 1 : 0
  if (p.side === 'short') return p.qty > 0 ? -1 : 0
  return Math.sign(p.qty)
}

/** The signed amount one position receives (+) or pays (−) at `rate`, valued at `mark`. */
export function fundingAmount(p: FundedPosition, mark: number, rate: number): number {
  const value = Math.abs(p.qty) * mark
  // A zero amount is written as 0, not −0, so outputs never show "-0".
  return value === 0 || rate === 0 ? 0 : -direction(p) * value * rate
}

/**
 * The settlements of `symbol` at `ts`: one per open position (or leg) of that symbol, none without positions.
 * A position without a mark yet is valued at its average price, as the ledger values it.
 */
export function fundingPayments(positions: Iterable<FundedPosition>, symbol: string, mark: number, rate: number, ts: number): FundingPayment[] {
  const out: FundingPayment[] = []
  for (const p of positions) {
    if (p.symbol !== symbol || direction(p) === 0) continue
    const markPrice = mark > 0 ? mark : p.avgPrice
    out.push({ts, symbol, positionSide: p.side, qty: Math.abs(p.qty), markPrice, rate, amount: fundingAmount(p, markPrice, rate)})
  }
  return out
}

/** Rates of the listed symbols, checked and in (ts, symbol) order, so their settlements are scheduled deterministically. */
export function fundingSchedule(rates: readonly FundingRate[], listed: (symbol: string) => boolean): FundingRate[] {
  const out: FundingRate[] = []
  for (const [i, r] of rates.entries()) {
    const parsed = FundingRateSchema.safeParse(r)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new RangeError(`funding rate ${i} (${JSON.stringify(r)}): ${issue.path.join('.') || 'value'} ${issue.message}`)
    }
    if (listed(parsed.data.symbol)) out.push(parsed.data)
  }
  return out.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
}

/** Net funding (+ received, − paid) per symbol in symbol order, the total, and its received and paid parts. */
export function fundingTotals(payments: readonly FundingPayment[]): {total: number; received: number; paid: number; bySymbol: Record<string, number>} {
  const by = new Map<string, number>()
  let total = 0
  let received = 0
  let paid = 0
  for (const p of payments) {
    by.set(p.symbol, (by.get(p.symbol) ?? 0) + p.amount)
    total += p.amount
    if (p.amount > 0) received += p.amount
    else paid -= p.amount
  }
  return {total, received, paid, bySymbol: Object.fromEntries([...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}
}

/** Longest gap between funding times that still counts as covered (Bybit's usual interval is 8 h; some are 1–4 h). */
const MAX_GAP_MS = 8 * 3_600_000

/**
 * Notes for a report when funding data does not cover a perpetual's run: no rates at all, or none near one end of
 * the period [from, end]. Funding is then not (fully) charged, and the report must say so.
 */
export function fundingCoverageNotes(perpetuals: readonly string[], rates: readonly FundingRate[], from: number, end: number): string[] {
  const notes: string[] = []
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
  for (const symbol of [...perpetuals].sort()) {
    const times = rates.filter((r) => r.symbol === symbol && r.ts >= from - MAX_GAP_MS && r.ts <= end + MAX_GAP_MS).map((r) => r.ts)
    if (times.length === 0) {
      notes.push(`no funding rates for ${symbol} between ${iso(from)} and ${iso(end)}: funding was not charged; import them with \`trader data import <file> --funding --symbol ${symbol}\``)
      continue
    }
    const first = Math.min(...times)
    const last = Math.max(...times)
    if (first > from + MAX_GAP_MS || last < end - MAX_GAP_MS) {
      notes.push(`funding rates for ${symbol} cover only ${iso(first)} to ${iso(last)} of the period ${iso(from)} to ${iso(end)}: funding outside it was not charged`)
    }
  }
  return notes
}
