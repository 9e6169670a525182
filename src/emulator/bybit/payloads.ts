/**
 * Core snapshots → Bybit v5 payloads, in the shapes of the recorded fixtures (fixtures/bybit): numbers as decimal
 * text, "" for "not applicable", times as epoch-ms text in REST lists and numbers in frames where Bybit sends
 * numbers. Field sets follow the fixtures (order: Bybit.Net GetOrders / Subscriptions Order, execution: hirokisan
 * execution list, position: Bybit.Net GetPositions, wallet: Bybit.Net GetBalances).
 */
import type {FeedBar} from '../../broker/market-feed.js'
import type {Fill} from '../../core/fill.js'
import {type Instrument, roundToStep} from '../../core/instrument.js'
import type {AccountSnapshot} from '../../core/ledger.js'
import {hasLimitPrice, isConditional, type OrderSnapshot, type OrderStatus, type PositionSide, triggerDirection} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'

/** Decimal text with at most `decimals` places, trailing zeros dropped, never exponent notation. */
export function dec(v: number, decimals = 8): string {
  if (!Number.isFinite(v)) return ''
  const s = v.toFixed(decimals)
  const t = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s
  return t === '-0' ? '0' : t
}

/** Decimal places of a grid step (0.1 → 1, 1e-7 → 7). */
export function stepDecimals(step: number): number {
  const s = String(step)
  const e = s.indexOf('e-')
  const mantissa = e >= 0 ? s.slice(0, e) : s
  const dot = mantissa.indexOf('.')
  return Math.min(20, (dot < 0 ? 0 : mantissa.length - dot - 1) + (e >= 0 ? Number(s.slice(e + 2)) : 0))
}

/** `v` on the `step` grid, as text. */
export function onGrid(v: number, step: number): string {
  return dec(roundToStep(v, step), stepDecimals(step))
}

export const ENVELOPE_OK = {retCode: 0, retMsg: 'OK'} as const

export function envelope(result: unknown, time: number, code: {retCode: number; retMsg: string} = ENVELOPE_OK): Record<string, unknown> {
  return {retCode: code.retCode, retMsg: code.retMsg, result, retExtInfo: {}, time}
}

const STATUS: Readonly<Record<OrderStatus, string>> = {
  initialized: 'Created',
  submitted: 'Created',
  accepted: 'New',
  pending_update: 'New',
  pending_cancel: 'New',
  partially_filled: 'PartiallyFilled',
  filled: 'Filled',
  canceled: 'Cancelled',
  expired: 'Cancelled',
  rejected: 'Rejected',
}

export const POSITION_IDX: Readonly<Record<PositionSide, number>> = {net: 0, long: 1, short: 2}

/** An order as GET /v5/order/realtime and the `order` topic show it. `orderLinkId` is "" for orders placed without one. */
export function bybitOrder(o: OrderSnapshot, inst: Instrument, extra: {orderLinkId: string; cumExecFee: number; category?: boolean}): Record<string, unknown> {
  const isLimit = hasLimitPrice(o.type)
  const isStop = isConditional(o.type)
  const untriggered = isStop && o.status === 'accepted' && o.filledQty === 0
  const leaves = o.status === 'accepted' || o.status === 'partially_filled' ? Math.max(0, o.qty - o.filledQty) : 0
  const price = isLimit && o.limitPrice !== undefined ? o.limitPrice : 0
  return {
    orderId: o.venueOrderId,
    orderLinkId: extra.orderLinkId,
    blockTradeId: '',
    symbol: o.symbol,
    price: isLimit ? onGrid(price, inst.tickSize) : '0',
    qty: onGrid(o.qty, inst.lotSize),
    side: o.side === 'buy' ? 'Buy' : 'Sell',
    isLeverage: '',
    positionIdx: POSITION_IDX[o.positionSide ?? 'net'],
    orderStatus: untriggered ? 'Untriggered' : STATUS[o.status],
    cancelType: o.status === 'canceled' ? (o.reason === 'liquidation' ? 'CancelByLiq' : 'CancelByUser') : 'UNKNOWN',
    rejectReason: 'EC_NoError',
    avgPrice: o.filledQty > 0 ? onGrid(o.avgFillPrice, inst.tickSize) : '',
    leavesQty: onGrid(leaves, inst.lotSize),
    leavesValue: dec(leaves * price),
    cumExecQty: onGrid(o.filledQty, inst.lotSize),
    cumExecValue: dec(o.filledQty * o.avgFillPrice),
    cumExecFee: dec(extra.cumExecFee),
    timeInForce: o.postOnly ? 'PostOnly' : o.tif.toUpperCase(),
    orderType: isLimit ? 'Limit' : 'Market',
    stopOrderType: isStop ? 'Stop' : '',
    orderIv: '',
    triggerPrice: isStop && o.stopPrice !== undefined ? onGrid(o.stopPrice, inst.tickSize) : '',
    takeProfit: '',
    stopLoss: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: isStop ? (triggerDirection(o) === 'rise' ? 1 : 2) : 0,
    triggerBy: isStop ? 'LastPrice' : '',
    lastPriceOnCreated: '',
    reduceOnly: o.reduceOnly === true,
    closeOnTrigger: false,
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    tpslMode: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    placeType: '',
    createdTime: String(o.createdAt),
    updatedTime: String(o.updatedAt),
    ...(extra.category ? {category: 'linear', feeCurrency: ''} : {}),
  }
}

/** An execution as GET /v5/execution/list and the `execution` topic show it. */
export function bybitExecution(f: Fill, inst: Instrument, order: OrderSnapshot | undefined, extra: {orderLinkId: string; seq: number; category?: boolean}): Record<string, unknown> {
  const value = f.qty * f.price
  // Hedge legs: a fill against its leg's direction closes that much of the leg (Bybit's closedSize).
  const closes = f.positionSide === 'long' ? f.side === 'sell' : f.positionSide === 'short' ? f.side === 'buy' : order?.reduceOnly === true
  const isLimit = order !== undefined && hasLimitPrice(order.type)
  return {
    ...(extra.category ? {category: 'linear'} : {}),
    symbol: f.symbol,
    orderId: f.venueOrderId,
    orderLinkId: extra.orderLinkId,
    side: f.side === 'buy' ? 'Buy' : 'Sell',
    orderPrice: order && isLimit && order.limitPrice !== undefined ? onGrid(order.limitPrice, inst.tickSize) : onGrid(f.price, inst.tickSize),
    orderQty: order ? onGrid(order.qty, inst.lotSize) : onGrid(f.qty, inst.lotSize),
    leavesQty: order ? onGrid(Math.max(0, order.qty - order.filledQty), inst.lotSize) : '0',
    orderType: isLimit ? 'Limit' : 'Market',
    stopOrderType: 'UNKNOWN',
    execFee: dec(f.fee),
    execId: f.execId,
    execPrice: onGrid(f.price, inst.tickSize),
    execQty: onGrid(f.qty, inst.lotSize),
    execType: 'Trade',
    execValue: dec(value),
    execTime: String(f.ts),
    isMaker: f.liquidity === 'maker',
    feeRate: value > 0 ? dec(f.fee / value, 8) : '0',
    tradeIv: '',
    markIv: '',
    markPrice: onGrid(f.price, inst.tickSize),
    indexPrice: '',
    underlyingPrice: '',
    blockTradeId: '',
    closedSize: closes ? onGrid(f.qty, inst.lotSize) : '0',
    isLeverage: '0',
    seq: extra.seq,
  }
}

/** A position leg as GET /v5/position/list and the `position` topic show it; a flat leg has side "" and size "0". */
export function bybitPosition(symbol: string, idx: number, p: PositionSnapshot | undefined, inst: Instrument, ts: number, category?: boolean): Record<string, unknown> {
  const qty = p?.qty ?? 0
  const size = Math.abs(qty)
  const side = size === 0 ? '' : idx === 1 ? 'Buy' : idx === 2 ? 'Sell' : qty > 0 ? 'Buy' : 'Sell'
  const avg = p?.avgPrice ?? 0
  return {
    positionIdx: idx,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol,
    side,
    size: onGrid(size, inst.lotSize),
    avgPrice: size > 0 ? onGrid(avg, inst.tickSize) : '0',
    positionValue: dec(size * avg),
    tradeMode: 0,
    positionStatus: 'Normal',
    autoAddMargin: 0,
    adlRankIndicator: size > 0 ? 2 : 0,
    leverage: dec(inst.leverage),
    positionBalance: dec((size * avg) / inst.leverage),
    markPrice: '',
    liqPrice: '',
    bustPrice: '',
    positionMM: dec(size * avg * inst.maintenanceMarginRate),
    positionIM: dec((size * avg) / inst.leverage),
    tpslMode: 'Full',
    takeProfit: '0',
    stopLoss: '0',
    trailingStop: '0',
    unrealisedPnl: '',
    curRealisedPnl: '0',
    cumRealisedPnl: dec(p?.realizedPnl ?? 0),
    seq: 0,
    isReduceOnly: false,
    createdTime: String(p?.ts ?? ts),
    updatedTime: String(p?.ts ?? ts),
    ...(category ? {category: 'linear'} : {}),
  }
}

/** The UNIFIED wallet as GET /v5/account/wallet-balance and the `wallet` topic show it. */
export function bybitWallet(a: AccountSnapshot, coin: string): Record<string, unknown> {
  const upl = a.equity - a.cash
  return {
    accountType: 'UNIFIED',
    accountIMRate: a.equity > 0 ? dec(a.marginUsed / a.equity, 4) : '0',
    accountMMRate: a.equity > 0 ? dec(a.maintenanceMargin / a.equity, 4) : '0',
    accountLTV: '0',
    totalEquity: dec(a.equity),
    totalWalletBalance: dec(a.cash),
    totalMarginBalance: dec(a.equity),
    totalAvailableBalance: dec(a.buyingPower),
    totalPerpUPL: dec(upl),
    totalInitialMargin: dec(a.marginUsed),
    totalMaintenanceMargin: dec(a.maintenanceMargin),
    coin: [{
      coin,
      equity: dec(a.equity),
      usdValue: dec(a.equity),
      walletBalance: dec(a.cash),
      availableToWithdraw: dec(Math.max(0, a.buyingPower)),
      availableToBorrow: '',
      borrowAmount: '0',
      accruedInterest: '0',
      totalOrderIM: '0',
      totalPositionIM: dec(a.marginUsed),
      totalPositionMM: dec(a.maintenanceMargin),
      unrealisedPnl: dec(upl),
      cumRealisedPnl: dec(a.realizedPnl),
      bonus: '0',
      collateralSwitch: true,
      marginCollateral: true,
      locked: '0',
      spotHedgingQty: '0',
    }],
  }
}

export function bybitInstrumentInfo(inst: Instrument): Record<string, unknown> {
  const quote = inst.quoteCurrency
  const base = inst.symbol.endsWith(quote) ? inst.symbol.slice(0, -quote.length) : inst.symbol
  return {
    symbol: inst.symbol,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: base,
    quoteCoin: quote,
    launchTime: '1585526400000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(stepDecimals(inst.tickSize)),
    leverageFilter: {minLeverage: '1', maxLeverage: dec(Math.max(100, inst.leverage), 2), leverageStep: '0.01'},
    priceFilter: {minPrice: onGrid(inst.tickSize, inst.tickSize), maxPrice: '1999999.8', tickSize: dec(inst.tickSize, 10)},
    lotSizeFilter: {
      maxOrderQty: '1190', minOrderQty: dec(inst.minQty, 10), qtyStep: dec(inst.lotSize, 10), postOnlyMaxOrderQty: '1190',
      maxMktOrderQty: '1190', minNotionalValue: '5',
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    settleCoin: quote,
    copyTrading: 'both',
    upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375',
    isPreListing: false,
    preListingInfo: null,
  }
}

/** A kline row of GET /v5/market/kline: [start, open, high, low, close, volume, turnover]. */
export function klineRow(b: FeedBar, inst: Instrument): string[] {
  const g = (v: number) => onGrid(v, inst.tickSize)
  return [String(b.ts), g(b.open), g(b.high), g(b.low), g(b.close), dec(b.volume), dec(b.volume * b.close)]
}

/** One kline frame item of the `kline.<interval>.<symbol>` topic. */
export function klineItem(b: FeedBar, interval: string, inst: Instrument, confirm: boolean, at: number): Record<string, unknown> {
  const g = (v: number) => onGrid(v, inst.tickSize)
  return {
    start: b.ts, end: b.ts + b.tfMs - 1, interval, open: g(b.open), close: g(b.close), high: g(b.high), low: g(b.low),
    volume: dec(b.volume), turnover: dec(b.volume * b.close), confirm, timestamp: at,
  }
}
