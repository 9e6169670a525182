/**
 * Alpaca payloads in the shapes of the recorded ones (fixtures/alpaca): orders (GETv2_orders_order_id__200__Equity,
 * the trade_updates frames of alpaca.watchMyTrades), account (GETv2_account__200), positions (Position__example_1),
 * FILL activities (TradingActivities__example_1), clock (legacy_clock), bars (GETv2_stocks_bars__200__bars) and
 * error bodies (`{code, message}`, GETv2_tokenization_requests__401/403). Numbers travel as decimal strings where
 * Alpaca sends strings, times as RFC 3339 UTC.
 */
import type {FeedBar} from '../../broker/market-feed.js'
import type {Instrument} from '../../core/instrument.js'
import type {AccountSnapshot} from '../../core/ledger.js'
import type {OrderSnapshot, OrderStatus} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'
import {isMarketOpen, nextOpen, sessionOf} from '../../core/calendar/index.js'

export const iso = (ms: number): string => new Date(ms).toISOString()

/** A number as Alpaca's decimal text (no exponent, float noise trimmed). */
export function dec(x: number): string {
  if (!Number.isFinite(x)) return '0'
  const r = Number(x.toPrecision(15))
  const s = String(r)
  return /e/i.test(s) ? r.toFixed(12).replace(/\.?0+$/, '') : s
}

/** A uuid-shaped id from a counter: stable across runs, unique within the emulator. */
export function counterUuid(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0')
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`
}

const ALPACA_STATUS: Readonly<Record<OrderStatus, string>> = {
  initialized: 'pending_new',
  submitted: 'pending_new',
  accepted: 'new',
  pending_update: 'pending_replace',
  pending_cancel: 'pending_cancel',
  partially_filled: 'partially_filled',
  filled: 'filled',
  canceled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
}

export function alpacaStatus(s: OrderStatus): string {
  return ALPACA_STATUS[s]
}

/** What an Alpaca order says beyond the simulator's snapshot: its own ids, times and replacement links. */
export interface OrderFacts {
  readonly id: string
  readonly clientOrderId: string
  readonly assetId: string
  readonly assetClass: string
  readonly createdAt: number
  /** Overrides the snapshot's status (`replaced`). */
  readonly status?: string
  readonly filledQty: number
  readonly avgPrice: number
  readonly filledAt?: number
  readonly canceledAt?: number
  readonly expiredAt?: number
  readonly failedAt?: number
  readonly replacedAt?: number
  readonly replacedBy?: string
  readonly replaces?: string
}

export function orderJson(s: OrderSnapshot, f: OrderFacts): Record<string, unknown> {
  const t = (ms: number | undefined) => (ms === undefined ? null : iso(ms))
  return {
    id: f.id,
    client_order_id: f.clientOrderId,
    created_at: iso(f.createdAt),
    updated_at: iso(Math.max(s.updatedAt, f.createdAt)),
    submitted_at: iso(f.createdAt),
    filled_at: t(f.filledAt),
    expired_at: t(f.expiredAt),
    canceled_at: t(f.canceledAt),
    failed_at: t(f.failedAt),
    replaced_at: t(f.replacedAt),
    replaced_by: f.replacedBy ?? null,
    replaces: f.replaces ?? null,
    asset_id: f.assetId,
    symbol: s.symbol,
    asset_class: f.assetClass,
    notional: null,
    qty: dec(s.qty),
    filled_qty: dec(f.filledQty),
    filled_avg_price: f.filledQty > 0 ? dec(f.avgPrice) : null,
    order_class: '',
    order_type: s.type,
    type: s.type,
    side: s.side,
    position_intent: s.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    time_in_force: s.tif,
    limit_price: s.limitPrice === undefined ? null : dec(s.limitPrice),
    stop_price: s.stopPrice === undefined ? null : dec(s.stopPrice),
    status: f.status ?? alpacaStatus(s.status),
    extended_hours: false,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    source: null,
    subtag: null,
  }
}

export function assetClassOf(inst: Instrument): string {
  return inst.assetClass === 'us_equity' ? 'us_equity' : 'crypto'
}

export function accountJson(a: AccountSnapshot, accountId: string, longValue: number, shortValue: number): Record<string, unknown> {
  return {
    id: accountId,
    admin_configurations: {},
    user_configurations: null,
    account_number: 'PA0EMULATOR1',
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    buying_power: dec(a.buyingPower),
    regt_buying_power: dec(a.buyingPower),
    daytrading_buying_power: '0',
    effective_buying_power: dec(a.buyingPower),
    non_marginable_buying_power: dec(a.buyingPower),
    options_buying_power: dec(a.buyingPower),
    bod_dtbp: '0',
    cash: dec(a.cash),
    accrued_fees: '0',
    pending_transfer_in: '0',
    portfolio_value: dec(a.equity),
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    created_at: '2024-01-01T00:00:00Z',
    trade_suspended_by_user: false,
    multiplier: '1',
    shorting_enabled: false,
    equity: dec(a.equity),
    last_equity: dec(a.equity),
    long_market_value: dec(longValue),
    short_market_value: dec(shortValue),
    position_market_value: dec(longValue + Math.abs(shortValue)),
    initial_margin: dec(a.marginUsed),
    maintenance_margin: dec(a.maintenanceMargin),
    last_maintenance_margin: dec(a.maintenanceMargin),
    sma: dec(a.cash),
    daytrade_count: 0,
    balance_asof: iso(a.ts).slice(0, 10),
    crypto_tier: 1,
    intraday_adjustments: '0',
    pending_reg_taf_fees: '0',
  }
}

export function positionJson(p: PositionSnapshot, inst: Instrument, assetId: string, price: number): Record<string, unknown> {
  const qty = p.qty
  const cost = qty * p.avgPrice
  const value = qty * price
  const pl = value - cost
  return {
    asset_id: assetId,
    symbol: p.symbol,
    exchange: inst.assetClass === 'us_equity' ? 'NASDAQ' : 'CRYPTO',
    asset_class: assetClassOf(inst),
    asset_marginable: inst.assetClass === 'us_equity',
    avg_entry_price: dec(p.avgPrice),
    qty: dec(qty),
    qty_available: dec(qty),
    side: qty < 0 ? 'short' : 'long',
    market_value: dec(value),
    cost_basis: dec(cost),
    unrealized_pl: dec(pl),
    unrealized_plpc: cost !== 0 ? dec(pl / Math.abs(cost)) : '0',
    unrealized_intraday_pl: dec(pl),
    unrealized_intraday_plpc: cost !== 0 ? dec(pl / Math.abs(cost)) : '0',
    current_price: dec(price),
    lastday_price: dec(price),
    change_today: '0',
  }
}

export interface FillFacts {
  readonly activityId: string
  readonly orderId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly qty: number
  readonly price: number
  readonly cumQty: number
  readonly leavesQty: number
  readonly orderStatus: string
  readonly ts: number
}

export function fillActivityJson(f: FillFacts): Record<string, unknown> {
  return {
    activity_type: 'FILL',
    cum_qty: dec(f.cumQty),
    id: f.activityId,
    leaves_qty: dec(f.leavesQty),
    order_id: f.orderId,
    order_status: f.orderStatus,
    price: dec(f.price),
    qty: dec(f.qty),
    side: f.side,
    symbol: f.symbol,
    transaction_time: iso(f.ts),
    type: f.leavesQty > 0 ? 'partial_fill' : 'fill',
  }
}

/** Activity ids are `<yyyymmddhhmmssSSS>::<execution id>`, as Alpaca's. */
export function activityId(ts: number, execId: string): string {
  return `${iso(ts).replace(/[-:TZ.]/g, '')}::${execId}`
}

export function clockJson(now: number): Record<string, unknown> {
  const open = isMarketOpen(now)
  const session = sessionOf(now)
  const nextClose = session && now < session.close ? session.close : (sessionOf(nextOpen(now + 1)) ?? {close: now}).close
  return {timestamp: iso(now), is_open: open, next_open: iso(open ? nextOpen(session!.close) : nextOpen(now)), next_close: iso(nextClose)}
}

export function restBarJson(b: FeedBar): Record<string, unknown> {
  return {t: iso(b.ts), o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume}
}

/** Alpaca's error body: `{code, message}`; the code starts with the HTTP status. */
export function errorJson(code: number, message: string): Record<string, unknown> {
  return {code, message}
}
