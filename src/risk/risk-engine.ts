/**
 * Pre-trade risk checks (RISK-01, RISK-03, RISK-05): every order passes here before the port, in every mode.
 * Orders that only reduce a position are always allowed (an exit must never be blocked by a limit meant for
 * entries), except that a frozen kill switch also holds exits back until a human clears it.
 * Pure: the caller passes the account's state and the time; decisions and the kill switch state are data.
 */
import {z} from 'zod'
import type {AssetClass} from '../core/instrument.js'
import type {OrderRequest} from '../core/order.js'
import {describeSchedule, localTimeText, TradingScheduleSchema, withinSchedule} from './trading-hours.js'

export const RiskLimitsSchema = z
  .object({
    /** Gross exposure per asset class, as a fraction of equity. */
    maxExposure: z.number().gt(0).max(10).default(0.8),
    maxOpenOrders: z.number().int().positive().default(50),
    minOrderSpacingMs: z.number().int().min(0).default(1000),
    /** Largest position value per symbol (quote currency); none by default. */
    maxPositionPerSymbol: z.number().positive().optional(),
    /** Largest gross position value over all symbols; none by default. */
    maxTotalPosition: z.number().positive().optional(),
    /** No decision on a symbol whose last bar is older than this. */
    staleDataMs: z.number().int().positive().default(15 * 60_000),
    /** Trading halts while more than this fraction of the symbols is stale. */
    maxStaleFraction: z.number().min(0).max(1).default(0.5),
    /** Fewer bars than this on a symbol: no entry. */
    minDataPoints: z.number().int().min(0).default(20),
    /** Kill switch: drawdown from peak equity (fraction); off when absent. */
    maxDrawdown: z.number().gt(0).lt(1).optional(),
    /** What the kill switch does: freeze (no orders at all) or flatten (close everything, then no entries). */
    killPolicy: z.enum(['freeze', 'flatten']).default('flatten'),
    /** Trading hours (the fleet bot's `schedule`): no new entries outside them; absent: any time. */
    schedule: TradingScheduleSchema.optional(),
    /** After a position in a symbol closes, no new entry in that symbol for this long (the bot's `cooldownMinutes`). */
    cooldownMs: z.number().int().min(0).optional(),
  })
  .strict()

export type RiskLimits = z.infer<typeof RiskLimitsSchema>

/** What the risk engine needs to know about the account and the data at the moment of a decision. */
export interface RiskState {
  readonly now: number
  readonly equity: number
  /** Open (non-terminal) orders of the account. */
  readonly openOrders: number
  /** Venue time of the last order sent, or -Infinity. */
  readonly lastOrderAt: number
  assetClassOf(symbol: string): AssetClass
  /** Signed position quantity (netting) or the leg's quantity (hedge) the order acts on. */
  positionQty(symbol: string, positionSide: OrderRequest['positionSide']): number
  /** Gross position value of an asset class, and of everything. */
  exposure(assetClass: AssetClass): number
  grossExposure(): number
  positionValue(symbol: string): number
  /** Reference price for sizing checks (last price). */
  price(symbol: string): number
  /** Open time of the symbol's last bar, and how many bars it has had. */
  lastDataAt(symbol: string): number
  dataPoints(symbol: string): number
  /** Fraction of the session's symbols whose data is stale now. */
  staleFraction(): number
}

export type RiskDecision = {readonly ok: true} | {readonly ok: false; readonly code: string; readonly reason: string}

export interface KillSwitch {
  engaged: boolean
  reason?: string
  at?: number
  peakEquity: number
}

const OK: RiskDecision = {ok: true}

export class RiskEngine {
  readonly limits: RiskLimits
  /** Persist this (state store / journal); a restart keeps the kill switch engaged until cleared. */
  readonly kill: KillSwitch
  readonly rejections = new Map<string, number>()
  /**
   * Symbol → time its cooldown ends. One map for every component of the bot (all orders pass here); persist it
   * (`onCooldown` of the session) so a restart keeps it.
   */
  readonly cooldowns: Map<string, number>

  constructor(limits: Partial<RiskLimits> = {}, kill?: KillSwitch, cooldowns?: Readonly<Record<string, number>>) {
    this.limits = RiskLimitsSchema.parse(limits)
    this.kill = kill ?? {engaged: false, peakEquity: 0}
    this.cooldowns = new Map(Object.entries(cooldowns ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }

  /** A position in `symbol` closed at `now`: starts its cooldown. Returns the end, or undefined when cooldowns are off. */
  startCooldown(symbol: string, now: number): number | undefined {
    const ms = this.limits.cooldownMs ?? 0
    if (ms <= 0) return undefined
    const until = now + ms
    this.cooldowns.set(symbol, Math.max(until, this.cooldowns.get(symbol) ?? -Infinity))
    for (const [s, end] of this.cooldowns) if (end <= now) this.cooldowns.delete(s)
    return until
  }

  /** The cooldowns still running at `now`, by symbol (what a restart needs). */
  activeCooldowns(now: number): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [s, end] of this.cooldowns) if (end > now) out[s] = end
    return out
  }

  /** Updates the peak and trips the kill switch on a drawdown beyond the limit. Returns true when it trips now. */
  observeEquity(equity: number, now: number): boolean {
    if (!Number.isFinite(equity)) return false
    if (equity > this.kill.peakEquity) this.kill.peakEquity = equity
    const dd = this.kill.peakEquity > 0 ? 1 - equity / this.kill.peakEquity : 0
    if (this.kill.engaged || this.limits.maxDrawdown === undefined || dd <= this.limits.maxDrawdown) return false
    this.kill.engaged = true
    this.kill.reason = `drawdown ${(dd * 100).toFixed(2)}% from peak ${this.kill.peakEquity.toFixed(2)} exceeds ${(this.limits.maxDrawdown * 100).toFixed(2)}%`
    this.kill.at = now
    return true
  }

  /** Clears the kill switch (`trader risk clear`); the peak restarts from the current equity. */
  clearKill(equity: number): void {
    this.kill.engaged = false
    delete this.kill.reason
    delete this.kill.at
    this.kill.peakEquity = equity
  }

  check(req: OrderRequest, s: RiskState): RiskDecision {
    const decision = this.evaluate(req, s)
    if (!decision.ok) this.rejections.set(decision.code, (this.rejections.get(decision.code) ?? 0) + 1)
    return decision
  }

  private evaluate(req: OrderRequest, s: RiskState): RiskDecision {
    const L = this.limits
    const reducing = reduces(req, s.positionQty(req.symbol, req.positionSide))
    if (this.kill.engaged && (this.limits.killPolicy === 'freeze' || !reducing)) {
      return reject('kill_switch', `kill switch engaged (${this.kill.reason}); clear it with \`trader risk clear\``)
    }
    if (!Number.isFinite(req.qty) || req.qty <= 0) return reject('invalid_qty', `quantity ${req.qty} is not a positive number`)
    for (const p of [req.limitPrice, req.stopPrice]) {
      if (p !== undefined && (!Number.isFinite(p) || p <= 0)) return reject('invalid_price', `price ${p} is not a positive number`)
    }
    if (reducing) return OK
    if (L.schedule && !withinSchedule(L.schedule, s.now)) {
      return reject('schedule', `${localTimeText(L.schedule, s.now)} is outside the trading hours ${describeSchedule(L.schedule)}: no new entries (exits still go out)`)
    }
    const cooling = this.cooldowns.get(req.symbol)
    if (cooling !== undefined && s.now < cooling) {
      return reject('cooldown', `${req.symbol} is cooling down after its position closed, until ${new Date(cooling).toISOString()}`)
    }
    if (s.openOrders >= L.maxOpenOrders) return reject('max_open_orders', `${s.openOrders} orders open, limit ${L.maxOpenOrders}`)
    if (s.now - s.lastOrderAt < L.minOrderSpacingMs) {
      return reject('order_spacing', `${s.now - s.lastOrderAt} ms since the last order, minimum ${L.minOrderSpacingMs} ms`)
    }
    const lastData = s.lastDataAt(req.symbol)
    if (!(s.now - lastData <= L.staleDataMs)) {
      return reject('stale_data', `last data for ${req.symbol} is ${Math.round((s.now - lastData) / 1000)} s old, limit ${L.staleDataMs / 1000} s`)
    }
    const stale = s.staleFraction()
    if (stale > L.maxStaleFraction) return reject('stale_halt', `${(stale * 100).toFixed(0)}% of symbols are stale; trading halts above ${(L.maxStaleFraction * 100).toFixed(0)}%`)
    if (s.dataPoints(req.symbol) < L.minDataPoints) {
      return reject('insufficient_data', `${s.dataPoints(req.symbol)} bars of ${req.symbol}, at least ${L.minDataPoints} needed`)
    }
    const price = req.limitPrice ?? req.stopPrice ?? s.price(req.symbol)
    if (!(price > 0)) return reject('no_price', `no price for ${req.symbol}`)
    const notional = req.qty * price
    const cls = s.assetClassOf(req.symbol)
    if (!(s.equity > 0)) return reject('no_equity', `equity ${s.equity} leaves nothing to trade`)
    if (s.exposure(cls) + notional > L.maxExposure * s.equity) {
      return reject('exposure_cap', `${cls} exposure would be ${(((s.exposure(cls) + notional) / s.equity) * 100).toFixed(1)}% of equity, cap ${(L.maxExposure * 100).toFixed(0)}%`)
    }
    if (L.maxPositionPerSymbol !== undefined && Math.abs(s.positionValue(req.symbol)) + notional > L.maxPositionPerSymbol) {
      return reject('symbol_position_limit', `${req.symbol} position would exceed ${L.maxPositionPerSymbol}`)
    }
    if (L.maxTotalPosition !== undefined && s.grossExposure() + notional > L.maxTotalPosition) {
      return reject('total_position_limit', `total position would exceed ${L.maxTotalPosition}`)
    }
    return OK
  }
}

/** True when the order can only shrink the position it acts on. */
export function reduces(req: OrderRequest, positionQty: number): boolean {
  if (req.reduceOnly) return true
  const side = req.positionSide ?? 'net'
  if (side === 'long') return req.side === 'sell' && positionQty >= req.qty
  if (side === 'short') return req.side === 'buy' && positionQty >= req.qty
  return req.side === 'sell' ? positionQty >= req.qty : -positionQty >= req.qty
}

function reject(code: string, reason: string): RiskDecision {
  return {ok: false, code, reason}
}
