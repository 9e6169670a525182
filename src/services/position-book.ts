/**
 * Positions as the services track them, derived from what the venue reported about their orders: the quantity
 * is the adopted base plus what was bought minus what was sold — the FILLED quantities, never the requested ones
 * (ALP-12). Closing a position turns its orders into one trade record with entry, exit, PnL, fees and reason.
 */
import {NS, type OrderRecord, type PositionRecord, type TradeRecord} from '../state/pipeline-state.js'
import type {StateStore, StoreWriter} from '../state/store.js'
import {execTotals, isFinal} from './order-follower.js'
import {QTY_EPS} from '../core/quantity.js'


export interface PositionFigures {
  readonly qty: number
  readonly avgEntry: number
  readonly boughtQty: number
  readonly boughtNotional: number
  readonly soldQty: number
  readonly soldNotional: number
  readonly fees: number
  /** Every order of the position is final and its executions are known. */
  readonly settled: boolean
  /** Orders of the position still working (or not yet answered). */
  readonly live: number
}

export function figures(store: StateStore, p: Pick<PositionRecord, 'baseQty' | 'baseCost' | 'orderIds'>): PositionFigures {
  let boughtQty = 0
  let boughtNotional = 0
  let soldQty = 0
  let soldNotional = 0
  let fees = 0
  let settled = true
  let live = 0
  for (const id of p.orderIds) {
    const o = store.get(NS.orders, id)
    if (!o) continue
    if (!isFinal(o.status)) live++
    if (!o.settled && o.status !== 'lost' && !(isFinal(o.status) && o.filledQty === 0)) settled = false
    const t = execTotals(o)
    // Prices from the executions when they are all known, else from the venue's cumulative report.
    const notional = t.qty >= o.filledQty - QTY_EPS && t.qty > 0 ? t.notional : o.filledQty * o.avgFillPrice
    fees += t.fees
    if (o.side === 'buy') {
      boughtQty += o.filledQty
      boughtNotional += notional
    } else {
      soldQty += o.filledQty
      soldNotional += notional
    }
  }
  const inQty = p.baseQty + boughtQty
  const avgEntry = inQty > QTY_EPS ? (p.baseCost + boughtNotional) / inQty : 0
  return {qty: round(inQty - soldQty), avgEntry, boughtQty, boughtNotional, soldQty, soldNotional, fees, settled, live}
}

/** Re-derives the stored quantity and entry price of `symbol`'s position from its orders; returns the new record. */
export function refreshPosition(store: StateStore, writer: StoreWriter, symbol: string, now: number): PositionRecord | undefined {
  const p = store.get(NS.positions, symbol)
  if (!p) return undefined
  const f = figures(store, p)
  if (f.qty === p.qty && f.avgEntry === p.avgEntry) return p
  const next: PositionRecord = {...p, qty: f.qty, avgEntry: f.avgEntry, high: Math.max(p.high, f.avgEntry), updatedAt: now}
  writer.set(NS.positions, symbol, next)
  return next
}

/** Attaches an order to its symbol's position, opening the position at the order's first fill. */
export function attachOrder(store: StateStore, writer: StoreWriter, rec: OrderRecord, now: number): PositionRecord | undefined {
  let p = store.get(NS.positions, rec.symbol)
  if (!p) {
    if (rec.filledQty <= QTY_EPS || rec.side !== 'buy') return undefined
    const first = Math.min(...Object.values(rec.execs).map((e) => e.ts), now)
    p = {
      symbol: rec.symbol,
      qty: 0,
      avgEntry: rec.avgFillPrice,
      entryTs: first,
      high: rec.avgFillPrice,
      source: 'signal',
      signalId: rec.sourceId,
      orderIds: [rec.clientOrderId],
      baseQty: 0,
      baseCost: 0,
      decelStreak: 0,
      updatedAt: now,
    }
    writer.set(NS.positions, rec.symbol, p)
  } else if (!p.orderIds.includes(rec.clientOrderId)) {
    writer.set(NS.positions, rec.symbol, {...p, orderIds: [...p.orderIds, rec.clientOrderId], updatedAt: now})
  }
  return refreshPosition(store, writer, rec.symbol, now)
}

/**
 * Closes a flat position whose orders are all final and settled: writes the trade, removes the position and its
 * orders (the trade keeps what matters; the store stays bounded). Returns the trade, or undefined if not yet.
 */
export function closeIfFlat(store: StateStore, writer: StoreWriter, symbol: string, reason: string, now: number): TradeRecord | undefined {
  const p = store.get(NS.positions, symbol)
  if (!p) return undefined
  const f = figures(store, p)
  if (f.qty > QTY_EPS || f.live > 0 || !f.settled) return undefined
  const exitQty = f.soldQty
  const exitPrice = exitQty > QTY_EPS ? f.soldNotional / exitQty : 0
  let exitTs = -Infinity
  for (const id of p.orderIds) {
    const o = store.get(NS.orders, id)
    if (o?.side === 'sell') for (const e of Object.values(o.execs)) exitTs = Math.max(exitTs, e.ts)
  }
  if (!Number.isFinite(exitTs)) exitTs = now
  const trade: TradeRecord = {
    id: `${symbol}:${p.entryTs}`,
    symbol,
    qty: exitQty,
    entryTs: p.entryTs,
    entryPrice: f.avgEntry,
    exitTs,
    exitPrice,
    pnl: f.soldNotional - exitQty * f.avgEntry - f.fees,
    fees: f.fees,
    exitReason: reason,
    signalId: p.signalId,
  }
  writer.set(NS.trades, trade.id, trade)
  for (const id of p.orderIds) writer.delete(NS.orders, id)
  writer.delete(NS.positions, symbol)
  return trade
}

function round(q: number): number {
  return Math.abs(q) < QTY_EPS ? 0 : Math.round(q * 1e9) / 1e9
}
