/**
 * The Bybit v5 REST subset the adapter uses, over the emulated venue: order create / cancel / amend / realtime /
 * history, execution list, position list, wallet balance, instruments-info, market time and kline. Handlers take
 * the request's parameters (query or JSON body, as Bybit names them) and return the `result` object, or throw a
 * BybitRefusal / the simulator's typed error (mapped to a retCode by the caller).
 */
import type {FeedBar} from '../../broker/market-feed.js'
import type {OrderRef} from '../../broker/port.js'
import type {Instrument} from '../../core/instrument.js'
import type {OrderRequest, OrderSnapshot, OrderType, PositionSide, TimeInForce} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'
import {isTerminal} from '../../core/order-state.js'
import {bybitInterval} from '../../broker/bybit-intervals.js'
import type {EmulatedVenue} from '../venue-api.js'
import {bybitExecution, bybitInstrumentInfo, bybitOrder, bybitPosition, bybitWallet, dec, klineRow} from './payloads.js'
import {BybitRefusal, paramsError} from './ret-codes.js'
import {positionModeRoutes} from './position-mode.js'
import type {OrderIndex} from './order-index.js'

export type Params = Readonly<Record<string, unknown>>
export type Handler = (p: Params) => Promise<unknown>

const WEEK_MS = 7 * 86_400_000
const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/

export interface RestDeps {
  readonly venue: EmulatedVenue
  readonly orders: OrderIndex
  /** Closed bars seen so far, per symbol, oldest first (for GET /v5/market/kline). */
  readonly bars: ReadonlyMap<string, readonly FeedBar[]>
  readonly settleCoin: string
}

export function restRoutes(d: RestDeps): Readonly<Record<string, Handler>> {
  const {venue, orders} = d
  const str = (p: Params, k: string): string | undefined => {
    const v = p[k]
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
  }
  const linear = (p: Params): void => {
    if (p.category !== 'linear') throw paramsError(`category ${JSON.stringify(p.category ?? '')} is not served; this emulator serves linear`)
  }
  const instrumentOf = (symbol: string | undefined): Instrument => {
    if (!symbol || !venue.symbols.includes(symbol)) throw paramsError(`symbol invalid: ${symbol ?? '(missing)'}`)
    return venue.instrument(symbol)
  }
  const decimal = (p: Params, k: string, required: boolean): number | undefined => {
    const v = str(p, k)
    if (v === undefined || v === '') {
      if (required) throw paramsError(`${k} is required`)
      return undefined
    }
    if (v.startsWith('-')) return Number(v) // a negative quantity reaches the matching rules, which refuse it
    if (!DECIMAL.test(v)) throw paramsError(`${k} must be a decimal number in a string, got ${JSON.stringify(v)}`)
    return Number(v)
  }
  const limit = (p: Params, dflt: number, max: number): number => {
    const v = str(p, 'limit')
    if (v === undefined) return dflt
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1 || n > max) throw paramsError(`limit must be 1..${max}`)
    return n
  }
  const refOf = (p: Params, required: boolean): OrderRef | undefined => {
    const orderId = str(p, 'orderId')
    const link = str(p, 'orderLinkId')
    if (orderId) return {venueOrderId: orderId}
    if (link) return {clientOrderId: link}
    if (required) throw paramsError('orderId or orderLinkId is required')
    return undefined
  }
  const settleMatches = (symbol: string, p: Params): boolean => {
    const settle = str(p, 'settleCoin')
    const base = str(p, 'baseCoin')
    const inst = venue.instrument(symbol)
    if (settle && inst.quoteCurrency !== settle) return false
    if (base && !symbol.startsWith(base)) return false
    return true
  }
  /** A page of `list` after `cursor` (an offset), and the cursor of the next page ("" on the last). */
  const paged = <T>(list: readonly T[], p: Params, size: number): {list: T[]; nextPageCursor: string} => {
    const c = str(p, 'cursor')
    const from = c && /^\d+$/.test(c) ? Number(c) : 0
    const page = list.slice(from, from + size)
    return {list: page, nextPageCursor: from + size < list.length ? String(from + size) : ''}
  }
  const orderJson = (o: OrderSnapshot) => bybitOrder(o, venue.instrument(o.symbol), {orderLinkId: orders.linkIdOf(o.clientOrderId), cumExecFee: orders.feesOf(o.venueOrderId)})
  const newestFirst = (a: OrderSnapshot, b: OrderSnapshot) => b.createdAt - a.createdAt || (orders.seqOf(b.venueOrderId) - orders.seqOf(a.venueOrderId))

  /** The venue's own view of one order, scoped like Bybit's query (a symbol that does not match finds nothing). */
  const lookup = async (ref: OrderRef, p: Params): Promise<OrderSnapshot | undefined> => {
    const o = await venue.broker.getOrder(ref)
    if (!o) return undefined
    const symbol = str(p, 'symbol')
    if (symbol && o.symbol !== symbol) return undefined
    return settleMatches(o.symbol, p) ? o : undefined
  }
  const needScope = (p: Params, ids: boolean): void => {
    if (str(p, 'symbol') || str(p, 'settleCoin') || str(p, 'baseCoin')) return
    if (ids && (str(p, 'orderId') || str(p, 'orderLinkId'))) return
    throw paramsError('symbol, settleCoin or baseCoin is required')
  }

  return {
    ...positionModeRoutes(venue),

    'GET /v5/market/time': async () => {
      const now = venue.now()
      return {timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000`}
    },

    'GET /v5/market/instruments-info': async (p) => {
      linear(p)
      const symbol = str(p, 'symbol')
      const list = venue.symbols.filter((s) => !symbol || s === symbol).map((s) => bybitInstrumentInfo(venue.instrument(s)))
      return {category: 'linear', ...paged(list, p, limit(p, 500, 1000))}
    },

    'GET /v5/market/kline': async (p) => {
      const category = str(p, 'category') ?? 'linear'
      if (category !== 'linear') throw paramsError(`category ${category} is not served`)
      const inst = instrumentOf(str(p, 'symbol'))
      const interval = str(p, 'interval')
      if (!interval) throw paramsError('interval is required')
      const start = Number(str(p, 'start') ?? 0)
      const end = Number(str(p, 'end') ?? Infinity)
      const rows = (d.bars.get(inst.symbol) ?? []).filter((b) => bybitInterval(b.tfMs) === interval && b.ts >= start && b.ts <= end)
      const n = limit(p, 200, 1000)
      return {category: 'linear', symbol: inst.symbol, list: rows.slice(-n).reverse().map((b) => klineRow(b, inst))}
    },

    // Bybit: startTime alone is refused; endTime alone, or neither (up to now), gives the `limit` newest rates up to it.
    'GET /v5/market/funding/history': async (p) => {
      const category = str(p, 'category')
      if (category !== 'linear' && category !== 'inverse') throw paramsError('category only support linear or inverse')
      if (category !== 'linear') throw paramsError(`category ${category} is not served; this emulator serves linear`)
      const inst = instrumentOf(str(p, 'symbol'))
      const s = str(p, 'startTime')
      const e = str(p, 'endTime')
      const start = s === undefined ? undefined : Number(s)
      const end = e === undefined ? venue.now() : Number(e)
      if ((start !== undefined && !Number.isInteger(start)) || !Number.isInteger(end)) throw paramsError('startTime and endTime are epoch milliseconds')
      if (start !== undefined && e === undefined) throw paramsError('endTime is required with startTime')
      const rates = venue.fundingHistory(inst.symbol).filter((f) => f.ts <= end && (start === undefined || f.ts >= start))
      const list = rates.slice(-limit(p, 200, 200)).reverse()
      return {category: 'linear', list: list.map((f) => ({symbol: f.symbol, fundingRate: dec(f.rate, 12), fundingRateTimestamp: String(f.ts)}))}
    },

    'POST /v5/order/create': async (p) => {
      linear(p)
      const inst = instrumentOf(str(p, 'symbol'))
      const side = p.side === 'Buy' ? 'buy' : p.side === 'Sell' ? 'sell' : undefined
      if (!side) throw paramsError('side must be Buy or Sell')
      if (p.orderType !== 'Limit' && p.orderType !== 'Market') throw paramsError('orderType must be Limit or Market')
      const qty = decimal(p, 'qty', true)!
      const price = decimal(p, 'price', false)
      const trigger = decimal(p, 'triggerPrice', false)
      if (trigger !== undefined && trigger > 0 && p.triggerDirection !== 1 && p.triggerDirection !== 2) throw paramsError('triggerDirection (1 rise, 2 fall) is required with triggerPrice')
      const stop = trigger !== undefined && trigger > 0
      // Against the side (a buy on a rise, a sell on a fall) the trigger makes a stop, with it an if-touched order.
      const stopLike = stop && (side === 'buy') === (p.triggerDirection === 1)
      const type: OrderType = p.orderType === 'Limit' ? (stop ? (stopLike ? 'stop_limit' : 'limit_if_touched') : 'limit') : stop ? (stopLike ? 'stop' : 'market_if_touched') : 'market'
      const tifText = str(p, 'timeInForce') ?? 'GTC'
      const tif: Record<string, TimeInForce> = {GTC: 'gtc', IOC: 'ioc', FOK: 'fok', PostOnly: 'gtc'}
      if (!(tifText in tif)) throw paramsError(`timeInForce ${tifText} is not supported`)
      const idx = p.positionIdx === undefined ? 0 : Number(p.positionIdx)
      const leg: PositionSide | undefined = idx === 0 ? 'net' : idx === 1 ? 'long' : idx === 2 ? 'short' : undefined
      if (!leg) throw paramsError('positionIdx must be 0, 1 or 2')
      const link = str(p, 'orderLinkId') ?? ''
      if (link !== '' && !ORDER_LINK_ID.test(link)) throw paramsError('orderLinkId: at most 36 letters, digits, "-" or "_"')
      if (p.reduceOnly !== undefined && typeof p.reduceOnly !== 'boolean') throw paramsError('reduceOnly must be a boolean')
      const req: OrderRequest = {
        clientOrderId: link || orders.generatedLinkId(),
        symbol: inst.symbol,
        side,
        type,
        qty,
        ...(p.orderType === 'Limit' && price !== undefined ? {limitPrice: price} : {}),
        ...(stop ? {stopPrice: trigger} : {}),
        tif: tif[tifText],
        ...(tifText === 'PostOnly' ? {postOnly: true} : {}),
        ...(p.reduceOnly === true ? {reduceOnly: true} : {}),
        positionSide: leg,
      }
      const receipt = await venue.broker.submitOrder(req)
      orders.created(req, receipt.venueOrderId)
      return {orderId: receipt.venueOrderId, orderLinkId: link}
    },

    'POST /v5/order/cancel': async (p) => {
      linear(p)
      const symbol = instrumentOf(str(p, 'symbol')).symbol
      const ref = refOf(p, true)!
      const known = orders.symbolOf(ref)
      // Bybit finds the order within the symbol given: another symbol's order is "not found".
      if (known !== undefined && known !== symbol) throw new BybitRefusal(110001, 'order not exists or too late to cancel')
      await venue.broker.cancelOrder(ref)
      return orders.ackOf(ref)
    },

    'POST /v5/order/amend': async (p) => {
      linear(p)
      const symbol = instrumentOf(str(p, 'symbol')).symbol
      const ref = refOf(p, true)!
      const known = orders.symbolOf(ref)
      if (known !== undefined && known !== symbol) throw new BybitRefusal(110001, 'order not exists or too late to amend')
      const qty = decimal(p, 'qty', false)
      const price = decimal(p, 'price', false)
      const trigger = decimal(p, 'triggerPrice', false)
      if (qty === undefined && price === undefined && trigger === undefined) throw new BybitRefusal(10001, 'The order remains unchanged as the parameters entered match the existing ones.')
      await venue.broker.amendOrder(ref, {...(qty !== undefined ? {qty} : {}), ...(price !== undefined ? {limitPrice: price} : {}), ...(trigger !== undefined ? {stopPrice: trigger} : {})})
      return orders.ackOf(ref)
    },

    'GET /v5/order/realtime': async (p) => {
      linear(p)
      needScope(p, true)
      const ref = refOf(p, false)
      const size = limit(p, 20, 50)
      let list: OrderSnapshot[]
      if (ref) {
        // By id: the order whatever its state (Bybit keeps recently closed orders here too).
        const o = await lookup(ref, p)
        list = o ? [o] : []
      } else {
        const symbol = str(p, 'symbol')
        if (symbol) instrumentOf(symbol)
        list = (await venue.broker.openOrders(symbol)).filter((o) => settleMatches(o.symbol, p))
      }
      return {category: 'linear', ...paged(list.sort(newestFirst).map(orderJson), p, size)}
    },

    'GET /v5/order/history': async (p) => {
      linear(p)
      const ref = refOf(p, false)
      const size = limit(p, 20, 50)
      let list: OrderSnapshot[]
      if (ref) {
        const o = await lookup(ref, p)
        list = o ? [o] : []
      } else {
        const symbol = str(p, 'symbol')
        const status = str(p, 'orderStatus')
        list = orders.snapshots().filter((o) => isTerminal(o.status) && (!symbol || o.symbol === symbol) && settleMatches(o.symbol, p))
        if (status) list = list.filter((o) => orderJson(o).orderStatus === status)
      }
      return {category: 'linear', ...paged(list.sort(newestFirst).map(orderJson), p, size)}
    },

    'GET /v5/execution/list': async (p) => {
      linear(p)
      const size = limit(p, 50, 100)
      const s = str(p, 'startTime')
      const e = str(p, 'endTime')
      let start = s !== undefined ? Number(s) : undefined
      let end = e !== undefined ? Number(e) : undefined
      if ((start !== undefined && !Number.isFinite(start)) || (end !== undefined && !Number.isFinite(end))) throw paramsError('startTime and endTime are epoch milliseconds')
      // Bybit's window: at most 7 days; one bound gives the other, none gives the last 7 days.
      if (start === undefined && end === undefined) end = venue.now()
      if (start === undefined) start = end! - WEEK_MS
      if (end === undefined) end = start + WEEK_MS
      if (end - start > WEEK_MS) throw new BybitRefusal(10001, 'The time range between startTime and endTime cannot exceed 7 days')
      const symbol = str(p, 'symbol')
      const ref = refOf(p, false)
      const fills = (await venue.broker.executionsSince(start)).filter((f) =>
        f.ts <= end! && (!symbol || f.symbol === symbol) && settleMatches(f.symbol, p) &&
        (!ref || ('venueOrderId' in ref ? f.venueOrderId === ref.venueOrderId : f.clientOrderId === ref.clientOrderId)),
      )
      // Newest first: the exact reverse of the venue's order.
      const list = fills.reverse().map((f) => bybitExecution(f, venue.instrument(f.symbol), orders.snapshotOf(f.venueOrderId), {orderLinkId: orders.linkIdOf(f.clientOrderId), seq: orders.execSeq(f.execId)}))
      return {category: 'linear', ...paged(list, p, size)}
    },

    'GET /v5/position/list': async (p) => {
      linear(p)
      const symbol = str(p, 'symbol')
      if (!symbol && !str(p, 'settleCoin')) throw paramsError('symbol or settleCoin is required')
      if (symbol) instrumentOf(symbol)
      const held = await venue.broker.positions()
      const now = venue.now()
      const legsOf = (sym: string): Record<string, unknown>[] => {
        const inst = venue.instrument(sym)
        const find = (side: PositionSide): PositionSnapshot | undefined => held.find((x) => x.symbol === sym && x.side === side)
        if ((venue.broker.positionModeOf?.(sym) ?? venue.broker.positionMode) === 'hedge') return [bybitPosition(sym, 1, find('long'), inst, now), bybitPosition(sym, 2, find('short'), inst, now)]
        return [bybitPosition(sym, 0, find('net'), inst, now)]
      }
      // With a symbol Bybit lists its legs flat or not; by settle coin only the legs with a size.
      const list = symbol
        ? legsOf(symbol)
        : venue.symbols.filter((s) => settleMatches(s, p)).flatMap(legsOf).filter((x) => x.size !== '0')
      return {category: 'linear', ...paged(list, p, limit(p, 20, 200))}
    },

    'GET /v5/account/wallet-balance': async (p) => {
      if (p.accountType !== 'UNIFIED') throw paramsError('accountType only support UNIFIED')
      const a = await venue.broker.account()
      return {list: [bybitWallet(a, d.settleCoin)]}
    },
  }
}
