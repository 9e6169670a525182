/**
 * Bybit v5 REST payloads → core types. `decodeBybitResponse` checks the envelope (retCode as a number or a
 * string, as some recorders store it) and hands `result` to a resource decoder; the resource decoders also take a
 * bare `result` object. Every decoder returns a Decoded value and never throws.
 *
 * What the core types need that Bybit does not report, and what is done instead:
 * - AccountSnapshot.fees: the wallet carries no fee total; 0, fee totals come from executions (execFee).
 * - AccountSnapshot.realizedPnl: the settle coin's cumRealisedPnl (context `settleCoin`, default USDT); a wallet
 *   that does not list the coin holds none of it and has realised nothing in it (0).
 * - Fill.positionSide: executions carry no positionIdx. The adapter's `legOf` (the order it placed) decides; else
 *   one-way mode and spot give 'net'; in hedge mode `closedSize` > 0 means the fill reduced a leg (a Sell
 *   reduces the long leg, a Buy the short one) and 0 means it opened one. Without either it is a failure.
 * - Fill.fee is in the quote currency: a spot fee charged in the base coin (`feeCurrency`) is converted at the
 *   execution price.
 * - OrderSnapshot.type of a conditional order (triggerPrice > 0): triggerDirection (1 rise, 2 fall) against the side
 *   tells a stop from an if-touched order (`bybitOrderType`); stopPrice holds the trigger price.
 * - avgPrice is "", "0" or null on an order with no fill: avgFillPrice is then 0 (the core's convention).
 * - Instrument.leverage and .maintenanceMarginRate are not in instruments-info (they come from the account's
 *   position and the risk-limit tier): the caller passes them, and leverage is checked against leverageFilter.
 */
import type {Fill} from '../../core/fill.js'
import type {Instrument, PositionMode} from '../../core/instrument.js'
import type {AccountSnapshot} from '../../core/ledger.js'
import type {OrderSnapshot, OrderType, PositionSide} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'
import {z} from 'zod'
import type {BrokerError} from '../../broker/errors.js'
import {type DecodeFailure, type Decoded, decode, mapped, mismatch, type Page, type VenueBar, type VenueTicker, type VenueTrade} from '../decode.js'
import {mapBybitError} from './errors.js'
import {BYBIT_POSITION_SIDES, BYBIT_STATUS_MAP, BYBIT_TIF_MAP} from './order-status.js'
import {
  type BybitEnvelope, BybitEnvelopeSchema, type BybitExecution, BybitExecutionSchema, type BybitInstrument, BybitInstrumentSchema,
  BybitKlineResultSchema, BybitListSchema, type BybitOrder, BybitOrderAckSchema, BybitOrderSchema, type BybitPosition,
  BybitPositionSchema, BybitRecentTradeSchema, BybitTickerSchema, type BybitWallet, BybitWalletSchema,
} from './schemas.js'

export const BYBIT_VENUE = 'bybit'

export interface BybitDecodeContext {
  /** The account's position mode: decides the leg of an execution whose order the adapter does not know. */
  readonly positionMode: PositionMode
  /** The leg of an order the adapter placed, by venue order id or orderLinkId. */
  readonly legOf?: (orderId: string, orderLinkId: string) => PositionSide | undefined
  /** The coin whose cumRealisedPnl is the account's realised PnL. Default USDT. */
  readonly settleCoin?: string
  /** The wallet (accountType) to read. Default UNIFIED. */
  readonly accountType?: string
}

/** A funding settlement reported as an execution (execType Funding): a cash flow, not a trade. */
export interface BybitFunding {
  readonly kind: 'funding'
  readonly execId: string
  readonly symbol: string
  /** Paid (positive) or received (negative), in the settle coin. */
  readonly fee: number
  readonly ts: number
}

const join = (at: string, field: string) => (at ? `${at}.${field}` : field)

// ---- mapping steps (throw PayloadMismatch; callers wrap them in decode / mapped) ----

/** Bybit's take-profit / stop-loss orders trigger in a known direction even when triggerDirection is 0. */
const TAKE_PROFIT = new Set(['TakeProfit', 'PartialTakeProfit'])
const STOP_LOSS = new Set(['StopLoss', 'PartialStopLoss'])

/**
 * The core type of an order. A trigger price makes it conditional; triggerDirection (1 rise, 2 fall) then tells a
 * stop (a buy triggered by a rise, a sell by a fall) from an if-touched order (a buy triggered by a fall, a sell by
 * a rise). Without a direction, a take-profit is an if-touched order and a stop-loss a stop; any other conditional
 * order without one is a failure rather than a guess.
 */
function bybitOrderType(o: BybitOrder, at: string): OrderType {
  const limit = o.orderType === 'Limit'
  if (o.triggerPrice === undefined || o.triggerPrice <= 0) return limit ? 'limit' : 'market'
  let stop: boolean
  if (o.triggerDirection === 1 || o.triggerDirection === 2) stop = (o.side === 'Buy') === (o.triggerDirection === 1)
  else if (o.stopOrderType && TAKE_PROFIT.has(o.stopOrderType)) stop = false
  else if (o.stopOrderType && STOP_LOSS.has(o.stopOrderType)) stop = true
  else return mismatch(join(at, 'triggerDirection'), `${o.triggerDirection ?? 'missing'} on an order with triggerPrice ${o.triggerPrice} (stopOrderType ${o.stopOrderType || 'none'}): a stop cannot be told from an if-touched order`)
  if (limit) return stop ? 'stop_limit' : 'limit_if_touched'
  return stop ? 'stop' : 'market_if_touched'
}

export function bybitOrderToSnapshot(o: BybitOrder, at = ''): OrderSnapshot {
  if (o.timeInForce === 'RPI') mismatch(join(at, 'timeInForce'), 'RPI orders are not supported by the core order model')
  if (o.stopOrderType === 'TrailingStop') mismatch(join(at, 'stopOrderType'), 'trailing stops are not supported by the core order model')
  const triggered = o.triggerPrice !== undefined && o.triggerPrice > 0
  const type = bybitOrderType(o, at)
  if (o.orderType === 'Limit' && (o.price === undefined || o.price <= 0)) mismatch(join(at, 'price'), 'missing on a Limit order')
  const {tif, postOnly} = BYBIT_TIF_MAP[o.timeInForce]
  const filledQty = o.cumExecQty
  let avgFillPrice = 0 // the core's convention while nothing has filled
  if (filledQty > 0) {
    if (o.avgPrice !== undefined && o.avgPrice > 0) avgFillPrice = o.avgPrice
    else if (o.cumExecValue !== undefined && o.cumExecValue > 0) avgFillPrice = o.cumExecValue / filledQty
    else mismatch(join(at, 'avgPrice'), `empty although cumExecQty is ${filledQty}`)
  }
  const reason = o.rejectReason && o.rejectReason !== 'EC_NoError' ? o.rejectReason : o.cancelType && o.cancelType !== 'UNKNOWN' ? o.cancelType : undefined
  return {
    clientOrderId: o.orderLinkId,
    symbol: o.symbol,
    side: o.side === 'Buy' ? 'buy' : 'sell',
    type,
    qty: o.qty,
    ...(o.orderType === 'Limit' ? {limitPrice: o.price} : {}),
    ...(triggered ? {stopPrice: o.triggerPrice} : {}),
    tif,
    ...(o.reduceOnly ? {reduceOnly: true} : {}),
    ...(postOnly ? {postOnly: true} : {}),
    positionSide: BYBIT_POSITION_SIDES[o.positionIdx as 0 | 1 | 2],
    venueOrderId: o.orderId,
    status: BYBIT_STATUS_MAP[o.orderStatus],
    filledQty,
    avgFillPrice,
    createdAt: o.createdTime,
    updatedAt: o.updatedTime,
    ...(reason ? {reason} : {}),
  }
}

function legOf(e: {orderId: string; orderLinkId: string; side: 'Buy' | 'Sell'; closedSize?: number}, category: string | undefined, ctx: BybitDecodeContext, at: string): PositionSide {
  const known = ctx.legOf?.(e.orderId, e.orderLinkId)
  if (known) return known
  if (ctx.positionMode === 'netting' || category === 'spot') return 'net'
  if (e.closedSize === undefined) mismatch(join(at, 'closedSize'), 'empty: in hedge mode the leg of an execution is read from closedSize or from the order, and neither is known')
  const reducing = e.closedSize > 0
  if (e.side === 'Buy') return reducing ? 'short' : 'long'
  return reducing ? 'long' : 'short'
}

/** Fee in the quote currency: a spot fee in the base coin is converted at the execution price. */
function quoteFee(e: BybitExecution, at: string): number {
  const cur = e.feeCurrency ?? ''
  if (cur === '' || e.symbol.endsWith(cur)) return e.execFee
  if (e.symbol.startsWith(cur)) return e.execFee * e.execPrice
  return mismatch(join(at, 'feeCurrency'), `${cur} is neither the base nor the quote coin of ${e.symbol}`)
}

export function bybitExecutionToFill(e: BybitExecution, category: string | undefined, ctx: BybitDecodeContext, at = ''): Fill | BybitFunding {
  if (e.execType === 'Funding') return {kind: 'funding', execId: e.execId, symbol: e.symbol, fee: e.execFee, ts: e.execTime}
  return {
    execId: e.execId,
    clientOrderId: e.orderLinkId,
    venueOrderId: e.orderId,
    symbol: e.symbol,
    side: e.side === 'Buy' ? 'buy' : 'sell',
    positionSide: legOf(e, e.category ?? category, ctx, at),
    qty: e.execQty,
    price: e.execPrice,
    fee: quoteFee(e, at),
    liquidity: e.isMaker ? 'maker' : 'taker',
    ts: e.execTime,
  }
}

export function bybitPositionToSnapshot(p: BybitPosition, at = ''): PositionSnapshot {
  const leg = BYBIT_POSITION_SIDES[p.positionIdx as 0 | 1 | 2]
  const price = p.avgPrice ?? p.entryPrice
  if (price === undefined && p.size !== 0) mismatch(join(at, 'avgPrice'), `empty although size is ${p.size}`)
  if (p.size !== 0) {
    if (p.side === '') mismatch(join(at, 'side'), `empty although size is ${p.size}`)
    if ((leg === 'long' && p.side !== 'Buy') || (leg === 'short' && p.side !== 'Sell')) mismatch(join(at, 'side'), `${p.side} contradicts positionIdx ${p.positionIdx}`)
  }
  const qty = leg === 'net' && p.side === 'Sell' ? -p.size : p.size
  return {symbol: p.symbol, side: leg, qty, avgPrice: price ?? 0, realizedPnl: p.cumRealisedPnl, ts: p.updatedTime}
}

export function bybitWalletToAccount(list: readonly BybitWallet[], ts: number, ctx: Pick<BybitDecodeContext, 'settleCoin' | 'accountType'>, at = ''): AccountSnapshot {
  const type = ctx.accountType ?? 'UNIFIED'
  const i = list.findIndex((w) => w.accountType === type)
  if (i < 0) mismatch(at, `no ${type} wallet in the list (found ${list.map((w) => w.accountType).join(', ') || 'none'})`)
  const w = list[i]
  const where = `${at}[${i}]`
  const need = (field: 'totalEquity' | 'totalWalletBalance' | 'totalAvailableBalance' | 'totalInitialMargin' | 'totalMaintenanceMargin'): number => {
    const v = w[field]
    return v === undefined ? mismatch(join(where, field), 'empty: account totals are needed (a classic, non-unified account?)') : v
  }
  const coinName = ctx.settleCoin ?? 'USDT'
  const ci = w.coin.findIndex((c) => c.coin === coinName)
  let realizedPnl = 0
  if (ci >= 0) {
    const v = w.coin[ci].cumRealisedPnl
    if (v === undefined) mismatch(join(where, `coin[${ci}].cumRealisedPnl`), 'empty')
    realizedPnl = v
  }
  return {
    cash: need('totalWalletBalance'),
    equity: need('totalEquity'),
    buyingPower: need('totalAvailableBalance'),
    marginUsed: need('totalInitialMargin'),
    maintenanceMargin: need('totalMaintenanceMargin'),
    realizedPnl,
    fees: 0,
    ts,
  }
}

export type BybitInstrumentInfo = BybitInstrument & {readonly category: string}

/** The core Instrument for an instruments-info entry, given the account's leverage and maintenance margin rate. */
export function bybitInstrument(info: BybitInstrumentInfo, account: {readonly leverage: number; readonly maintenanceMarginRate: number}): Decoded<Instrument> {
  return mapped(`bybit:instrument:${info.symbol}`, info, () => {
    const lot = info.lotSizeFilter
    if (info.category === 'spot') {
      if (lot.basePrecision === undefined) mismatch('lotSizeFilter.basePrecision', 'missing on a spot instrument')
      return {symbol: info.symbol, venue: BYBIT_VENUE, assetClass: 'crypto_spot', contract: 'spot', tickSize: info.priceFilter.tickSize, lotSize: lot.basePrecision, minQty: lot.minOrderQty, leverage: 1, maintenanceMarginRate: 0, quoteCurrency: info.quoteCoin}
    }
    if (info.category !== 'linear' || info.contractType !== 'LinearPerpetual') mismatch('contractType', `${info.category} ${info.contractType ?? ''} instruments are not supported (linear perpetuals and spot only)`)
    if (lot.qtyStep === undefined) mismatch('lotSizeFilter.qtyStep', 'missing on a linear instrument')
    const lev = info.leverageFilter
    if (lev === undefined) mismatch('leverageFilter', 'missing on a linear instrument')
    if (!(account.leverage >= lev.minLeverage && account.leverage <= lev.maxLeverage)) mismatch('leverageFilter', `leverage ${account.leverage} is outside ${lev.minLeverage}..${lev.maxLeverage}`)
    if (!(account.maintenanceMarginRate >= 0 && account.maintenanceMarginRate < 1)) mismatch('', `maintenance margin rate ${account.maintenanceMarginRate} is not a fraction`)
    return {symbol: info.symbol, venue: BYBIT_VENUE, assetClass: 'crypto_perp', contract: 'linear_perpetual', tickSize: info.priceFilter.tickSize, lotSize: lot.qtyStep, minQty: lot.minOrderQty, leverage: account.leverage, maintenanceMarginRate: account.maintenanceMarginRate, quoteCurrency: info.settleCoin || info.quoteCoin}
  })
}

// ---- envelope ----

/** A decoded reply: the result, a venue refusal (retCode ≠ 0, mapped to the error taxonomy), or a payload that did not fit. */
export type BybitReply<T> =
  | {readonly ok: true; readonly value: T; readonly time: number | undefined; readonly envelope: BybitEnvelope}
  | {readonly ok: false; readonly error: DecodeFailure}
  | {readonly ok: false; readonly rejected: BrokerError; readonly envelope: BybitEnvelope}

export function decodeBybitEnvelope(raw: unknown, channel = 'bybit:rest'): Decoded<BybitEnvelope> {
  return decode(channel, BybitEnvelopeSchema, raw, (e) => e)
}

/** Envelope, then `result` through `decodeResult` (which receives the envelope's `time`). */
export function decodeBybitResponse<T>(raw: unknown, channel: string, decodeResult: (result: unknown, time: number | undefined, channel: string) => Decoded<T>): BybitReply<T> {
  const env = decodeBybitEnvelope(raw, channel)
  if (!env.ok) return env
  const e = env.value
  if (e.retCode !== 0) return {ok: false, rejected: mapBybitError(raw), envelope: e}
  const r = decodeResult(e.result, e.time, channel)
  if (!r.ok) return {ok: false, error: {...r.error, raw}}
  return {ok: true, value: r.value, time: e.time, envelope: e}
}

// ---- resource decoders (take the `result` object) ----

export interface BybitOrderAck {
  readonly orderId: string
  readonly orderLinkId: string
}

/** POST /v5/order/create, amend, cancel. */
export function decodeBybitOrderAck(result: unknown, channel = 'bybit:rest:order-ack'): Decoded<BybitOrderAck> {
  return decode(channel, BybitOrderAckSchema, result, (a) => a)
}

const page = <T>(items: T[], next: string | undefined): Page<T> => (next ? {items, next} : {items})

// Built once: a zod schema compiles its parser on first use, so one built per payload would compile every time.
const ORDER_LIST = BybitListSchema(BybitOrderSchema)
const EXECUTION_LIST = BybitListSchema(BybitExecutionSchema)
const POSITION_LIST = BybitListSchema(BybitPositionSchema)
const WALLET_LIST = z.object({list: z.array(BybitWalletSchema)})
const INSTRUMENT_LIST = BybitListSchema(BybitInstrumentSchema).extend({category: z.string()})
const TICKER_LIST = BybitListSchema(BybitTickerSchema)
const TRADE_LIST = BybitListSchema(BybitRecentTradeSchema)

/** GET /v5/order/realtime and /v5/order/history. A failed item fails the page. */
export function decodeBybitOrders(result: unknown, channel = 'bybit:rest:orders'): Decoded<Page<OrderSnapshot>> {
  return decode(channel, ORDER_LIST, result, (r) => page(r.list.map((o, i) => bybitOrderToSnapshot(o, `list[${i}]`)), r.nextPageCursor))
}

export type ExecutionPage = Page<Fill> & {readonly funding: readonly BybitFunding[]}

/** GET /v5/execution/list. Funding settlements are returned apart from the fills. */
export function decodeBybitExecutions(result: unknown, ctx: BybitDecodeContext, channel = 'bybit:rest:executions'): Decoded<ExecutionPage> {
  return decode(channel, EXECUTION_LIST, result, (r) => {
    const fills: Fill[] = []
    const funding: BybitFunding[] = []
    r.list.forEach((e, i) => {
      const x = bybitExecutionToFill(e, r.category, ctx, `list[${i}]`)
      if ('kind' in x) funding.push(x)
      else fills.push(x)
    })
    return {...page(fills, r.nextPageCursor), funding}
  })
}

/** GET /v5/position/list. */
export function decodeBybitPositions(result: unknown, channel = 'bybit:rest:positions'): Decoded<Page<PositionSnapshot>> {
  return decode(channel, POSITION_LIST, result, (r) => page(r.list.map((p, i) => bybitPositionToSnapshot(p, `list[${i}]`)), r.nextPageCursor))
}

/** GET /v5/account/wallet-balance. `ts` is the envelope's time (the result has none). */
export function decodeBybitWallet(result: unknown, ts: number, ctx: Pick<BybitDecodeContext, 'settleCoin' | 'accountType'> = {}, channel = 'bybit:rest:wallet'): Decoded<AccountSnapshot> {
  return decode(channel, WALLET_LIST, result, (r) => bybitWalletToAccount(r.list, ts, ctx, 'list'))
}

/** GET /v5/market/instruments-info: the entries as the venue describes them; `bybitInstrument` makes core Instruments. */
export function decodeBybitInstruments(result: unknown, channel = 'bybit:rest:instruments'): Decoded<Page<BybitInstrumentInfo>> {
  return decode(channel, INSTRUMENT_LIST, result, (r) =>
    page(r.list.map((i) => ({...i, category: r.category})), r.nextPageCursor),
  )
}

/** GET /v5/market/kline, returned oldest first (Bybit sends newest first). */
export function decodeBybitKlines(result: unknown, channel = 'bybit:rest:kline'): Decoded<VenueBar[]> {
  return decode(channel, BybitKlineResultSchema, result, (r) =>
    r.list.map(([ts, open, high, low, close, volume]): VenueBar => ({symbol: r.symbol, ts, open, high, low, close, volume})).sort((a, b) => a.ts - b.ts),
  )
}

export function tickerOf(t: z.output<typeof BybitTickerSchema>, ts: number, snapshot: boolean): VenueTicker {
  const fields: Record<string, number | undefined> = {
    lastPrice: t.lastPrice, markPrice: t.markPrice, indexPrice: t.indexPrice,
    bidPrice: t.bid1Price ?? t.bidPrice, bidSize: t.bid1Size ?? t.bidSize, askPrice: t.ask1Price ?? t.askPrice, askSize: t.ask1Size ?? t.askSize,
    fundingRate: t.fundingRate, nextFundingTime: t.nextFundingTime, volume24h: t.volume24h, turnover24h: t.turnover24h,
  }
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
  return {symbol: t.symbol, ts, snapshot, ...present}
}

/** GET /v5/market/tickers. `ts` is the envelope's time. */
export function decodeBybitTickers(result: unknown, ts: number, channel = 'bybit:rest:tickers'): Decoded<VenueTicker[]> {
  return decode(channel, TICKER_LIST, result, (r) => r.list.map((t) => tickerOf(t, ts, true)))
}

/** GET /v5/market/recent-trade. */
export function decodeBybitRecentTrades(result: unknown, channel = 'bybit:rest:recent-trade'): Decoded<VenueTrade[]> {
  return decode(channel, TRADE_LIST, result, (r) =>
    r.list.map((t): VenueTrade => ({symbol: t.symbol, ts: t.time, price: t.price, size: t.size, id: t.execId, side: t.side === 'Buy' ? 'buy' : 'sell'})),
  )
}
