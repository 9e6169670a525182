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

export class Ledger {
  cash: number
  fees = 0
  realizedPnl = 0
  readonly positions = new PositionBook()
  private readonly totals: LedgerTotals = {equity: 0, margin: 0, maintenance: 0, gross: 0}
  private readonly instruments = new Map<string, Instrument>()

  constructor(readonly initialCash: number, private readonly instrumentOf: (symbol: string) => Instrument) {
    this.cash = initialCash
  }

  applyFill(fill: Fill): FillEffect {
    const inst = this.instrumentOf(fill.symbol)
    const effect = this.positions.get(fill.symbol, fill.positionSide).apply(fill.side, fill.qty, fill.price, fill.ts)
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

  private instrumentCached(symbol: string): Instrument {
    let inst = this.instruments.get(symbol)
    if (!inst) {
      inst = this.instrumentOf(symbol)
      this.instruments.set(symbol, inst)
    }
    return inst
  }

  snapshot(priceOf: PriceOf, ts: number, reserved = 0): AccountSnapshot {
    const s = this.scan(priceOf)
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
