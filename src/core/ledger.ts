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

export class Ledger {
  cash: number
  fees = 0
  realizedPnl = 0
  readonly positions = new PositionBook()

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
    let eq = this.cash
    for (const p of this.positions.open()) {
      const mark = priceOf(p.symbol) || p.avgPrice
      if (this.instrumentOf(p.symbol).contract === 'linear_perpetual') eq += p.unrealized(mark)
      else eq += p.qty * mark
    }
    return eq
  }

  /** Initial margin held by perpetual positions at the marks. */
  marginUsed(priceOf: PriceOf): number {
    let m = 0
    for (const p of this.positions.open()) {
      const inst = this.instrumentOf(p.symbol)
      if (inst.contract === 'linear_perpetual') m += (Math.abs(p.qty) * (priceOf(p.symbol) || p.avgPrice)) / inst.leverage
    }
    return m
  }

  maintenanceMargin(priceOf: PriceOf): number {
    let m = 0
    for (const p of this.positions.open()) {
      const inst = this.instrumentOf(p.symbol)
      m += Math.abs(p.qty) * (priceOf(p.symbol) || p.avgPrice) * inst.maintenanceMarginRate
    }
    return m
  }

  /** Gross value of open positions (|qty| × mark), for exposure. */
  grossExposure(priceOf: PriceOf): number {
    let g = 0
    for (const p of this.positions.open()) g += Math.abs(p.qty) * (priceOf(p.symbol) || p.avgPrice)
    return g
  }

  /** What new orders may still commit: cash for cash instruments, free margin for perpetuals. */
  buyingPower(priceOf: PriceOf, reserved = 0): number {
    return Math.max(0, Math.min(this.cash, this.equity(priceOf) - this.marginUsed(priceOf)) - reserved)
  }

  snapshot(priceOf: PriceOf, ts: number, reserved = 0): AccountSnapshot {
    return {
      cash: this.cash,
      equity: this.equity(priceOf),
      buyingPower: this.buyingPower(priceOf, reserved),
      marginUsed: this.marginUsed(priceOf),
      maintenanceMargin: this.maintenanceMargin(priceOf),
      realizedPnl: this.realizedPnl,
      fees: this.fees,
      ts,
    }
  }
}
