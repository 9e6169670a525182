/**
 * Alpaca REST payloads → core types. Each decoder returns a Decoded value: the core object, or a failure that
 * keeps the raw payload and says which field broke which rule. Nothing throws and nothing is defaulted.
 *
 * What the core types need that Alpaca does not report, and what is done instead (stated, not guessed):
 * - AccountSnapshot.realizedPnl and .fees: Alpaca's account carries neither as a total; both are 0 and the
 *   engine's totals come from executions. `ts` is the receive time (the account body has no time).
 * - PositionSnapshot.realizedPnl: not reported per position; 0. `ts` is the receive time.
 * - Orders that the core order model cannot express are failures, not approximations: notional orders (qty
 *   null), multi-leg option orders (side ''), trailing stops, and time in force opg / cls.
 */
import type {AccountSnapshot} from '../../core/ledger.js'
import type {OrderSnapshot, OrderType, TimeInForce} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'
import {z} from 'zod'
import {type Decoded, decode, failure, mismatch, type Page, type VenueBar, type VenueBook, type VenueTrade} from '../decode.js'
import {alpacaOrderStatus} from './order-status.js'
import {
  type AlpacaOrder, AlpacaAccountSchema, AlpacaBarsPageSchema, AlpacaClockSchema, AlpacaErrorBodySchema, type AlpacaErrorBody,
  AlpacaLatestBarsSchema, AlpacaLatestOrderbooksSchema, AlpacaLatestTradesSchema, AlpacaOrderSchema, AlpacaPositionSchema, AlpacaSymbolBarsPageSchema,
  AlpacaSymbolLatestBarSchema, AlpacaSymbolLatestTradeSchema, AlpacaSymbolTradesPageSchema, AlpacaTradesPageSchema,
  type AlpacaPosition, AlpacaBarSchema, AlpacaTradeSchema,
} from './schemas.js'

export const ALPACA_VENUE = 'alpaca'

const CORE_TYPES: ReadonlySet<string> = new Set(['market', 'limit', 'stop', 'stop_limit'])
const CORE_TIFS: ReadonlySet<string> = new Set(['day', 'gtc', 'ioc', 'fok'])

/** An Alpaca order in core terms; throws PayloadMismatch (caught by the decoders) for orders the core cannot express. */
export function alpacaOrderToSnapshot(o: AlpacaOrder, at = ''): OrderSnapshot {
  const p = (field: string) => (at ? `${at}.${field}` : field)
  if (o.side === '') mismatch(p('side'), `empty: multi-leg orders (order_class ${o.order_class || '?'}) are not supported by the core order model`)
  const type = o.order_type || o.type
  if (!CORE_TYPES.has(type)) mismatch(p('type'), `${JSON.stringify(type)} orders are not supported by the core order model`)
  if (!CORE_TIFS.has(o.time_in_force)) mismatch(p('time_in_force'), `${o.time_in_force} is not supported by the core order model`)
  if (o.qty === null) mismatch(p('qty'), 'null: notional (dollar amount) orders are not supported, the core order model needs a quantity')
  const limitPrice = o.limit_price ?? undefined
  const stopPrice = o.stop_price ?? undefined
  const usesLimit = type === 'limit' || type === 'stop_limit'
  const usesStop = type === 'stop' || type === 'stop_limit'
  if (usesLimit && limitPrice === undefined) mismatch(p('limit_price'), `missing on a ${type} order`)
  if (usesStop && stopPrice === undefined) mismatch(p('stop_price'), `missing on a ${type} order`)
  // Alpaca documents limit_price / stop_price as null on types that do not use them: a price there contradicts
  // the type, and guessing which one is right could turn a market order into a limit order (or back).
  if (!usesLimit && limitPrice !== undefined) mismatch(p('limit_price'), `${limitPrice} on a ${type} order, which has no limit price`)
  if (!usesStop && stopPrice !== undefined) mismatch(p('stop_price'), `${stopPrice} on a ${type} order, which has no stop price`)
  const filledQty = o.filled_qty
  let avgFillPrice = o.filled_avg_price
  if (avgFillPrice === null) {
    if (filledQty !== 0) mismatch(p('filled_avg_price'), `null although filled_qty is ${filledQty}`)
    avgFillPrice = 0 // the core's convention while nothing has filled
  }
  return {
    clientOrderId: o.client_order_id,
    symbol: o.symbol,
    side: o.side,
    type: type as OrderType,
    qty: o.qty,
    ...(limitPrice !== undefined ? {limitPrice} : {}),
    ...(stopPrice !== undefined ? {stopPrice} : {}),
    tif: o.time_in_force as TimeInForce,
    positionSide: 'net',
    venueOrderId: o.id,
    status: alpacaOrderStatus(o.status, filledQty, o.qty),
    filledQty,
    avgFillPrice,
    createdAt: o.created_at,
    updatedAt: o.updated_at ?? lastEventTime(o),
    ...(o.status === 'replaced' ? {reason: `replaced by ${o.replaced_by ?? 'a new order'}`} : {}),
  }
}

/** The order's newest event time: its time when `updated_at` is null (the spec allows it). */
function lastEventTime(o: AlpacaOrder): number {
  let t = o.created_at
  for (const v of [o.submitted_at, o.filled_at, o.canceled_at, o.expired_at, o.failed_at, o.replaced_at]) if (v != null && v > t) t = v
  return t
}

export function decodeAlpacaOrder(raw: unknown, channel = 'alpaca:rest:order'): Decoded<OrderSnapshot> {
  return decode(channel, AlpacaOrderSchema, raw, (o) => alpacaOrderToSnapshot(o))
}

/** GET /v2/orders: a failed item fails the list (a reconciliation must not act on a partial view). */
export function decodeAlpacaOrders(raw: unknown, channel = 'alpaca:rest:orders'): Decoded<OrderSnapshot[]> {
  return decode(channel, ORDER_LIST, raw, (list) => list.map((o, i) => alpacaOrderToSnapshot(o, `[${i}]`)))
}

export function decodeAlpacaAccount(raw: unknown, receivedAt: number, channel = 'alpaca:rest:account'): Decoded<AccountSnapshot> {
  return decode(channel, AlpacaAccountSchema, raw, (a) => ({
    cash: a.cash,
    equity: a.equity,
    buyingPower: a.buying_power,
    marginUsed: a.initial_margin,
    maintenanceMargin: a.maintenance_margin,
    realizedPnl: 0,
    fees: 0,
    ts: receivedAt,
  }))
}

function positionToSnapshot(p: AlpacaPosition, ts: number, at = ''): PositionSnapshot {
  // Alpaca reports a short's qty as negative; a negative long (or a positive short) is contradictory.
  if (p.side === 'long' && p.qty < 0) mismatch(`${at}qty`, `negative (${p.qty}) on a long position`)
  const qty = p.side === 'short' ? -Math.abs(p.qty) : p.qty
  return {symbol: p.symbol, side: 'net', qty, avgPrice: p.avg_entry_price, realizedPnl: 0, ts}
}

export function decodeAlpacaPosition(raw: unknown, receivedAt: number, channel = 'alpaca:rest:position'): Decoded<PositionSnapshot> {
  return decode(channel, AlpacaPositionSchema, raw, (p) => positionToSnapshot(p, receivedAt))
}

export function decodeAlpacaPositions(raw: unknown, receivedAt: number, channel = 'alpaca:rest:positions'): Decoded<PositionSnapshot[]> {
  return decode(channel, POSITION_LIST, raw, (list) => list.map((p, i) => positionToSnapshot(p, receivedAt, `[${i}].`)))
}

export interface AlpacaClock {
  readonly ts: number
  readonly isOpen: boolean
  readonly nextOpen: number
  readonly nextClose: number
}

export function decodeAlpacaClock(raw: unknown, channel = 'alpaca:rest:clock'): Decoded<AlpacaClock> {
  return decode(channel, AlpacaClockSchema, raw, (c) => ({ts: c.timestamp, isOpen: c.is_open, nextOpen: c.next_open, nextClose: c.next_close}))
}

export function decodeAlpacaErrorBody(raw: unknown, channel = 'alpaca:rest:error'): Decoded<AlpacaErrorBody> {
  return decode(channel, AlpacaErrorBodySchema, raw, (b) => b)
}

// ---- market data pages ----

type RawBar = z.output<typeof AlpacaBarSchema>
type RawTrade = z.output<typeof AlpacaTradeSchema>

function bar(symbol: string, b: RawBar): VenueBar {
  return {symbol, ts: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v}
}

function trade(symbol: string, t: RawTrade): VenueTrade {
  return {symbol, ts: t.t, price: t.p, size: t.s, id: String(t.i), ...(t.tks ? {side: t.tks === 'B' ? 'buy' : 'sell'} : {})}
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Values of a per-symbol record are lists (a history page) or single objects (a latest endpoint). */
function holdsLists(rec: unknown): boolean {
  return isRecord(rec) && Object.values(rec).some((v) => Array.isArray(v) || v === null)
}

/** A per-symbol record whose values are single objects (a latest endpoint). */
function holdsObjects(rec: unknown): boolean {
  return isRecord(rec) && Object.values(rec).some(isRecord)
}

function flatten<R, T>(bySymbol: Record<string, readonly R[] | null>, make: (s: string, r: R) => T): T[] {
  const out: T[] = []
  for (const symbol of Object.keys(bySymbol).sort()) for (const r of bySymbol[symbol] ?? []) out.push(make(symbol, r))
  return out
}

function page<T>(items: T[], next: string | null | undefined): Page<T> {
  return next ? {items, next} : {items}
}

/**
 * Any of the four bar shapes: per-symbol history (`bars: {SYM: [..]}`), one symbol's history (`symbol`, `bars: [..]`),
 * latest per symbol (`bars: {SYM: {..}}`) and one symbol's latest (`symbol`, `bar`). Items are ordered by symbol, then
 * as the venue sent them.
 */
export function decodeAlpacaBars(raw: unknown, channel = 'alpaca:rest:bars'): Decoded<Page<VenueBar>> {
  if (!isRecord(raw)) return failure(channel, '(root): expected an object with bars', raw)
  if ('bar' in raw) return decode(channel, AlpacaSymbolLatestBarSchema, raw, (r) => page([bar(r.symbol, r.bar)], undefined))
  if (Array.isArray(raw.bars) || (raw.bars === null && 'symbol' in raw)) {
    return decode(channel, AlpacaSymbolBarsPageSchema, raw, (r) => page((r.bars ?? []).map((b) => bar(r.symbol, b)), r.next_page_token))
  }
  // Routed by the values' shape: a latest answer may carry a (null) next_page_token too.
  if (holdsLists(raw.bars) || !holdsObjects(raw.bars)) {
    return decode(channel, AlpacaBarsPageSchema, raw, (r) => page(flatten(r.bars, bar), r.next_page_token))
  }
  return decode(channel, AlpacaLatestBarsSchema, raw, (r) => page(Object.keys(r.bars).sort().map((s) => bar(s, r.bars[s])), undefined))
}

/** The four trade shapes, as for bars. */
export function decodeAlpacaTrades(raw: unknown, channel = 'alpaca:rest:trades'): Decoded<Page<VenueTrade>> {
  if (!isRecord(raw)) return failure(channel, '(root): expected an object with trades', raw)
  if ('trade' in raw) return decode(channel, AlpacaSymbolLatestTradeSchema, raw, (r) => page([trade(r.symbol, r.trade)], undefined))
  if (Array.isArray(raw.trades) || (raw.trades === null && 'symbol' in raw)) {
    return decode(channel, AlpacaSymbolTradesPageSchema, raw, (r) => page((r.trades ?? []).map((t) => trade(r.symbol, t)), r.next_page_token))
  }
  if (holdsLists(raw.trades) || !holdsObjects(raw.trades)) {
    return decode(channel, AlpacaTradesPageSchema, raw, (r) => page(flatten(r.trades, trade), r.next_page_token))
  }
  return decode(channel, AlpacaLatestTradesSchema, raw, (r) => page(Object.keys(r.trades).sort().map((s) => trade(s, r.trades[s])), undefined))
}

/** Latest crypto order books, one per symbol (ordered by symbol). */
export function decodeAlpacaOrderbooks(raw: unknown, channel = 'alpaca:rest:orderbooks'): Decoded<VenueBook[]> {
  return decode(channel, AlpacaLatestOrderbooksSchema, raw, (r) =>
    Object.keys(r.orderbooks).sort().map((symbol): VenueBook => {
      const b = r.orderbooks[symbol]
      return {symbol, ts: b.t, snapshot: true, bids: b.b.map((l) => [l.p, l.s] as const), asks: b.a.map((l) => [l.p, l.s] as const)}
    }),
  )
}

// Built once: a zod schema compiles its parser on first use.
const ORDER_LIST = z.array(AlpacaOrderSchema)
const POSITION_LIST = z.array(AlpacaPositionSchema)
