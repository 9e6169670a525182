/** Maps a finished backtest to the report's inputs and the run's output tables. */
import type {Instrument} from '../core/instrument.js'
import {computeReport} from '../report/statistics.js'
import type {BacktestReport} from '../report/schema.js'
import type {FillRow, FundingRow, OrderRow, RunOutputData} from '../report/output.js'
import type {BacktestResult} from './backtest.js'

export function reportOf(strategy: string, timeframe: string, r: BacktestResult, instruments: readonly Instrument[]): BacktestReport {
  const allStocks = instruments.every((i) => i.assetClass === 'us_equity')
  return computeReport({
    strategy,
    symbols: [...r.symbols],
    timeframe,
    from: r.from,
    to: r.to,
    bars: r.bars,
    initialCash: r.initialCash,
    trades: r.trades,
    equity: r.equity,
    fees: r.fees,
    tradingDaysPerYear: allStocks ? 252 : 365,
    rejections: r.rejections,
    orders: r.orders.length + r.refused.length,
    fills: r.fills.length,
    ...(r.funding
      ? {
          funding: {net: r.funding.total, received: r.funding.received, paid: r.funding.paid, bySymbol: r.funding.bySymbol, payments: r.funding.payments.length},
          notes: r.funding.notes,
        }
      : {}),
  })
}

export function outputsOf(r: BacktestResult): RunOutputData {
  const orders: OrderRow[] = r.orders.map((o) => ({
    ts: o.createdAt,
    clientOrderId: o.clientOrderId,
    venueOrderId: o.venueOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    tif: o.tif,
    qty: o.qty,
    limitPrice: o.limitPrice ?? null,
    stopPrice: o.stopPrice ?? null,
    status: o.status,
    filledQty: o.filledQty,
    avgFillPrice: o.filledQty > 0 ? o.avgFillPrice : null,
    rejectReason: o.status === 'rejected' ? (o.reason ?? null) : null,
  }))
  for (const x of r.refused) {
    orders.push({
      ts: x.ts,
      clientOrderId: x.request.clientOrderId,
      venueOrderId: null,
      symbol: x.request.symbol,
      side: x.request.side,
      type: x.request.type,
      tif: x.request.tif,
      qty: x.request.qty,
      limitPrice: x.request.limitPrice ?? null,
      stopPrice: x.request.stopPrice ?? null,
      status: 'rejected',
      filledQty: 0,
      avgFillPrice: null,
      rejectReason: `${x.code}: ${x.message}`,
    })
  }
  orders.sort((a, b) => a.ts - b.ts || (a.clientOrderId < b.clientOrderId ? -1 : a.clientOrderId > b.clientOrderId ? 1 : 0))
  const fills: FillRow[] = r.fills.map((f) => ({
    ts: f.ts,
    execId: f.execId,
    clientOrderId: f.clientOrderId,
    venueOrderId: f.venueOrderId,
    symbol: f.symbol,
    side: f.side,
    qty: f.qty,
    price: f.price,
    fee: f.fee,
    liquidity: f.liquidity,
  }))
  // Funding payments are written for runs that trade perpetuals (an empty table when none fell due).
  const funding: FundingRow[] | undefined = r.funding?.payments.map((p) => ({
    ts: p.ts,
    symbol: p.symbol,
    positionSide: p.positionSide,
    qty: p.qty,
    markPrice: p.markPrice,
    rate: p.rate,
    amount: p.amount,
  }))
  return {orders, fills, trades: r.trades, equity: r.equity, ...(funding ? {funding} : {})}
}
