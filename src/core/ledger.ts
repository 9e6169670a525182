/**
 * An account's ledger: cash, positions, fees, realised and unrealised PnL, margin.
 *
 * Cash instruments (stocks, spot) move cash by the traded notional. Linear perpetuals move the wallet only by
 * realised PnL and fees; their notional is carried as margin (notional / leverage) against equity.
 */
import type {Fill} from './fill.js'
import type {Instrument} from './instrument.js'
import {type FillEffect, PositionBook} from './position.js'

export interface AccountSnapshot {
  readonly cash: number
  readonly equity: number
  readonly buyingPower: number
  readonly marginUsed: number
  readonly maintenanceMargin: number
  readonly realizedPnl: number
  readonly fees: number
  readonly ts: number
}

export type PriceOf = (symbol: string) => number

export interface LedgerTotals {
  equity: number
  margin: number
  maintenance: number
  gross: number
}

/** Per-symbol state behind the running totals: the mark and the position's linear coefficients in it. */
interface MarkSlot {
  readonly symbol: string
  readonly inst: Instrument
  readonly perp: boolean
  mark: number
  /** Signed quantity over the symbol's legs (long +, short −). */
  signedQty: number
  /** Σ |qty| over the legs. */
  grossQty: number
  /** Σ signed qty × average price (perpetuals: unrealised PnL = signedQty × mark − costBasis). */
  costBasis: number
}

/** Full recomputations of the running totals, to keep floating-point drift from accumulating. */
const RESYNC_EVERY = 1 << 20

export class Ledger {
  cash: number
  fees = 0
  realizedPnl = 0
  /** Net perpetual funding (+ received, − paid), in total and per symbol; already in `cash`. */
  funding = 0
  readonly fundingBySymbol = new Map<string, number>()
  readonly positions = new PositionBook()
  private readonly totals: LedgerTotals = {equity: 0, margin: 0, maintenance: 0, gross: 0}
  private readonly instruments = new Map<string, Instrument>()
  private readonly slots: MarkSlot[] = []
  private readonly slotBySymbol = new Map<string, number>()
  // Running sums over the slots, linear in the marks, so a new mark costs O(1).
  private value = 0
  private gross = 0
  private margin = 0
  private maintenance = 0
  private markUpdates = 0
  private readonly live: LedgerTotals = {equity: 0, margin: 0, maintenance: 0, gross: 0}

  constructor(readonly initialCash: number, private readonly instrumentOf: (symbol: string) => Instrument) {
    this.cash = initialCash
  }

  /** A numeric handle on a symbol's mark, for hot loops. */
  slotOf(symbol: string): number {
    let i = this.slotBySymbol.get(symbol)
    if (i === undefined) {
      const inst = this.instrumentCached(symbol)
      i = this.slots.length
      this.slots.push({symbol, inst, perp: inst.contract === 'linear_perpetual', mark: 0, signedQty: 0, grossQty: 0, costBasis: 0})
      this.slotBySymbol.set(symbol, i)
    }
    return i
  }

  /** Sets a symbol's mark price; O(1). */
  setMarkAt(slot: number, price: number): void {
    const s = this.slots[slot]
    if (s.grossQty !== 0) {
      const d = price - s.mark
      this.value += s.signedQty * d
      this.gross += s.grossQty * d
      this.maintenance += s.grossQty * d * s.inst.maintenanceMarginRate
      if (s.perp) this.margin += (s.grossQty * d) / s.inst.leverage
      if (++this.markUpdates >= RESYNC_EVERY) this.resync()
    }
    s.mark = price
  }

  markOf(symbol: string): number {
    const i = this.slotBySymbol.get(symbol)
    return i === undefined ? 0 : this.slots[i].mark
  }

  /**
   * Equity, margin and exposure at the marks set with setMarkAt, in O(1). Equal to `scan(markOf)` (a test holds
   * them together); the result object is reused.
   */
  atMarks(): Readonly<LedgerTotals> {
    const t = this.live
    t.equity = this.cash + this.value
    t.margin = this.margin
    t.maintenance = this.maintenance
    t.gross = this.gross
    return t
  }

  applyFill(fill: Fill): FillEffect {
    const inst = this.instrumentOf(fill.symbol)
    const slot = this.slots[this.slotOf(fill.symbol)]
    this.addSlot(slot, -1)
    if (slot.mark === 0) slot.mark = fill.price
    const effect = this.positions.get(fill.symbol, fill.positionSide).apply(fill.side, fill.qty, fill.price, fill.ts)
    this.refreshSlot(slot)
    this.addSlot(slot, 1)
    if (inst.contract === 'linear_perpetual') {
      this.cash += effect.realized - fill.fee
    } else {
      const notional = fill.qty * fill.price
      this.cash += (fill.side === 'buy' ? -notional : notional) - fill.fee
    }
    this.fees += fill.fee
    this.realizedPnl += effect.realized
    return effect
  }

  /** A funding settlement of `symbol`: `amount` (+ received, − paid) moves the wallet and is tracked apart. */
  applyFunding(symbol: string, amount: number): void {
    this.cash += amount
    this.funding += amount
    this.fundingBySymbol.set(symbol, (this.fundingBySymbol.get(symbol) ?? 0) + amount)
  }

  /**
   * Coin balances of a spot account: the quote coin is the cash, each base coin the quantity held of the spot
   * pairs that name one (BTC of BTCUSDT). Pairs sharing a base coin add up.
   */
  balances(quote: string): Record<string, number> {
    const out: Record<string, number> = {[quote]: this.cash}
    for (const p of this.positions.list) {
      const base = this.instrumentCached(p.symbol).baseCurrency
      if (base === undefined || p.qty === 0) continue
      out[base] = (out[base] ?? 0) + p.qty
    }
    return out
  }

  /** Cash plus the value of cash positions plus the unrealised PnL of perpetuals, at the given marks. */
  equity(priceOf: PriceOf): number {
    return this.scan(priceOf).equity
  }

  /** Initial margin held by perpetual positions at the marks. */
  marginUsed(priceOf: PriceOf): number {
    return this.scan(priceOf).margin
  }

  maintenanceMargin(priceOf: PriceOf): number {
    return this.scan(priceOf).maintenance
  }

  /** Gross value of open positions (|qty| × mark), for exposure. */
  grossExposure(priceOf: PriceOf): number {
    return this.scan(priceOf).gross
  }

  /** What new orders may still commit: cash for cash instruments, free margin for perpetuals. */
  buyingPower(priceOf: PriceOf, reserved = 0): number {
    const s = this.scan(priceOf)
    return Math.max(0, Math.min(this.cash, s.equity - s.margin) - reserved)
  }

  /**
   * One pass over the open positions at the marks. The result object is reused: read it before the next call.
   * A position without a mark yet is valued at its average price.
   */
  scan(priceOf: PriceOf): Readonly<LedgerTotals> {
    const t = this.totals
    let equity = this.cash
    let margin = 0
    let maintenance = 0
    let gross = 0
    const list = this.positions.list
    for (let i = 0; i < list.length; i++) {
      const p = list[i]
      if (p.qty === 0) continue
      const inst = this.instrumentCached(p.symbol)
      const mark = priceOf(p.symbol) || p.avgPrice
      const notional = Math.abs(p.qty) * mark
      gross += notional
      maintenance += notional * inst.maintenanceMarginRate
      if (inst.contract === 'linear_perpetual') {
        equity += p.unrealized(mark)
        margin += notional / inst.leverage
      } else {
        equity += p.qty * mark
      }
    }
    t.equity = equity
    t.margin = margin
    t.maintenance = maintenance
    t.gross = gross
    return t
  }

  /** Adds (sign 1) or removes (sign −1) a slot's contribution to the running sums. */
  private addSlot(s: MarkSlot, sign: number): void {
    if (s.grossQty === 0) return
    const notional = s.grossQty * s.mark
    this.value += sign * (s.perp ? s.signedQty * s.mark - s.costBasis : s.signedQty * s.mark)
    this.gross += sign * notional
    this.maintenance += sign * notional * s.inst.maintenanceMarginRate
    if (s.perp) this.margin += (sign * notional) / s.inst.leverage
  }

  private refreshSlot(s: MarkSlot): void {
    let signed = 0
    let gross = 0
    let basis = 0
    for (const side of ['net', 'long', 'short'] as const) {
      const p = this.positions.find(s.symbol, side)
      if (!p || p.qty === 0) continue
      const q = side === 'short' ? -p.qty : p.qty
      signed += q
      gross += Math.abs(p.qty)
      basis += q * p.avgPrice
    }
    s.signedQty = signed
    s.grossQty = gross
    s.costBasis = basis
  }

  private resync(): void {
    this.markUpdates = 0
    this.value = this.gross = this.margin = this.maintenance = 0
    for (const s of this.slots) this.addSlot(s, 1)
  }

  private instrumentCached(symbol: string): Instrument {
    let inst = this.instruments.get(symbol)
    if (!inst) {
      inst = this.instrumentOf(symbol)
      this.instruments.set(symbol, inst)
    }
    return inst
  }

  snapshot(priceOf: PriceOf, ts: number, reserved = 0): AccountSnapshot {
    return this.snapshotOf(this.scan(priceOf), ts, reserved)
  }

  /** The account at the marks set with setMarkAt, in O(1). */
  snapshotAtMarks(ts: number, reserved = 0): AccountSnapshot {
    return this.snapshotOf(this.atMarks(), ts, reserved)
  }

  private snapshotOf(s: Readonly<LedgerTotals>, ts: number, reserved: number): AccountSnapshot {
    return {
      cash: this.cash,
      equity: s.equity,
      buyingPower: Math.max(0, Math.min(this.cash, s.equity - s.margin) - reserved),
      marginUsed: s.margin,
      maintenanceMargin: s.maintenance,
      realizedPnl: this.realizedPnl,
      fees: this.fees,
      ts,
    }
  }

}
