/**
 * zod schemas for the Alpaca payloads the adapter reads: Trading API v2 (orders, account, positions, clock, error
 * bodies), Market Data v2 / v1beta3 (bar and trade pages) and the `trade_updates` stream. Field names and
 * enums follow Alpaca's published OpenAPI spec (fixtures/alpaca/alpaca-mcp-server). Prices and quantities arrive
 * as strings and are parsed strictly; fields the adapter does not use are not declared (and are dropped).
 */
import {z} from 'zod'
import {decimalString, finiteNumber, isoTime} from '../decode.js'
import {ALPACA_ORDER_STATUSES} from './order-status.js'

const nullableDecimal = decimalString.nullable()
const nullableTime = isoTime.nullable()

export const AlpacaOrderSchema = z.object({
  id: z.string().min(1),
  client_order_id: z.string(),
  created_at: isoTime,
  // Nullable in Alpaca's spec: the decoder then takes the newest of the order's event times.
  updated_at: nullableTime,
  submitted_at: nullableTime.optional(),
  filled_at: nullableTime.optional(),
  canceled_at: nullableTime.optional(),
  expired_at: nullableTime.optional(),
  failed_at: nullableTime.optional(),
  replaced_at: nullableTime.optional(),
  replaced_by: z.string().nullable().optional(),
  replaces: z.string().nullable().optional(),
  asset_class: z.string().optional(),
  symbol: z.string(),
  /** Null for notional (dollar-amount) orders. */
  qty: nullableDecimal,
  notional: nullableDecimal.optional(),
  filled_qty: decimalString,
  filled_avg_price: nullableDecimal,
  order_class: z.string().optional(),
  // '' appears on multi-leg option orders in Alpaca's own examples.
  order_type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop', '']).optional(),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop', '']),
  side: z.enum(['buy', 'sell', '']),
  time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']),
  limit_price: nullableDecimal.optional(),
  stop_price: nullableDecimal.optional(),
  status: z.enum(ALPACA_ORDER_STATUSES),
  extended_hours: z.boolean().optional(),
  legs: z.array(z.unknown()).nullable().optional(),
})
export type AlpacaOrder = z.output<typeof AlpacaOrderSchema>

export const AlpacaAccountSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  currency: z.string().optional(),
  cash: decimalString,
  equity: decimalString,
  buying_power: decimalString,
  initial_margin: decimalString,
  maintenance_margin: decimalString,
  portfolio_value: decimalString.optional(),
  multiplier: decimalString.optional(),
  trading_blocked: z.boolean().optional(),
  account_blocked: z.boolean().optional(),
})
export type AlpacaAccount = z.output<typeof AlpacaAccountSchema>

export const AlpacaPositionSchema = z.object({
  symbol: z.string().min(1),
  asset_class: z.string().optional(),
  side: z.enum(['long', 'short']),
  qty: decimalString,
  avg_entry_price: decimalString,
  market_value: decimalString.nullable().optional(),
  current_price: decimalString.nullable().optional(),
  unrealized_pl: decimalString.nullable().optional(),
})
export type AlpacaPosition = z.output<typeof AlpacaPositionSchema>

export const AlpacaClockSchema = z.object({
  timestamp: isoTime,
  is_open: z.boolean(),
  next_open: isoTime,
  next_close: isoTime,
})

/** Error bodies: `{code, message}`; `code` is a number on most endpoints, a word on some, absent on 401/403/500 of others. */
export const AlpacaErrorBodySchema = z.object({
  code: z.union([z.number().int(), z.string()]).optional(),
  message: z.string(),
})
export type AlpacaErrorBody = z.output<typeof AlpacaErrorBodySchema>

// ---- market data ----

export const AlpacaBarSchema = z.object({
  t: isoTime,
  o: finiteNumber,
  h: finiteNumber,
  l: finiteNumber,
  c: finiteNumber,
  v: finiteNumber,
  n: finiteNumber.optional(),
  vw: finiteNumber.optional(),
})

const pageToken = z.string().nullable().optional()

/** GET /v2/stocks/bars, /v1beta3/crypto/{loc}/bars: bars per symbol. */
export const AlpacaBarsPageSchema = z.object({bars: z.record(z.string(), z.array(AlpacaBarSchema).nullable()), next_page_token: pageToken})
/** GET /v2/stocks/{symbol}/bars: one symbol. */
export const AlpacaSymbolBarsPageSchema = z.object({symbol: z.string(), bars: z.array(AlpacaBarSchema).nullable(), next_page_token: pageToken})
/** GET …/bars/latest: one bar per symbol; some answers carry `next_page_token: null` as the history pages do. */
export const AlpacaLatestBarsSchema = z.object({bars: z.record(z.string(), AlpacaBarSchema), next_page_token: pageToken})
/** GET /v2/stocks/{symbol}/bars/latest. */
export const AlpacaSymbolLatestBarSchema = z.object({symbol: z.string(), bar: AlpacaBarSchema})

export const AlpacaTradeSchema = z.object({
  t: isoTime,
  p: finiteNumber,
  s: finiteNumber,
  // Trade ids are integers that can exceed 2^53 (crypto): kept as text, with the precision JSON.parse left them.
  i: z.union([z.number().refine(Number.isInteger, 'expected an integer id'), z.string().min(1)]),
  x: z.string().optional(),
  c: z.array(z.string()).optional(),
  z: z.string().optional(),
  /** Crypto taker side: B(uy) or S(ell). */
  tks: z.enum(['B', 'S']).optional(),
})

export const AlpacaTradesPageSchema = z.object({trades: z.record(z.string(), z.array(AlpacaTradeSchema).nullable()), next_page_token: pageToken})
export const AlpacaSymbolTradesPageSchema = z.object({symbol: z.string(), trades: z.array(AlpacaTradeSchema).nullable(), next_page_token: pageToken})
export const AlpacaLatestTradesSchema = z.object({trades: z.record(z.string(), AlpacaTradeSchema), next_page_token: pageToken})
export const AlpacaSymbolLatestTradeSchema = z.object({symbol: z.string(), trade: AlpacaTradeSchema})

const AlpacaBookLevelSchema = z.object({p: finiteNumber, s: finiteNumber})
/** GET /v1beta3/crypto/{loc}/latest/orderbooks. */
export const AlpacaLatestOrderbooksSchema = z.object({
  orderbooks: z.record(z.string(), z.object({t: isoTime, b: z.array(AlpacaBookLevelSchema), a: z.array(AlpacaBookLevelSchema)})),
})

// ---- trade_updates stream ----

export const ALPACA_TRADE_EVENTS = [
  'new', 'fill', 'partial_fill', 'canceled', 'expired', 'done_for_day', 'replaced', 'accepted', 'rejected',
  'pending_new', 'stopped', 'pending_cancel', 'pending_replace', 'calculated', 'suspended',
  'order_replace_rejected', 'order_cancel_rejected', 'held',
] as const

export const AlpacaTradeUpdateSchema = z.object({
  event: z.enum(ALPACA_TRADE_EVENTS),
  /** Present on newer frames (all events); the dedupe key of fills. */
  execution_id: z.string().min(1).optional(),
  event_id: z.string().optional(),
  /** Time of the event; documented for fills and final events, absent on some others. */
  timestamp: isoTime.optional(),
  /** When Alpaca published the event (newer frames). */
  at: isoTime.optional(),
  order: AlpacaOrderSchema,
  /** Fill price and quantity of this execution (fill / partial_fill only; absent or null on other events). */
  price: nullableDecimal.optional(),
  qty: nullableDecimal.optional(),
  position_qty: nullableDecimal.optional(),
})

export const AlpacaAuthorizationFrameSchema = z.object({
  stream: z.literal('authorization'),
  data: z.object({status: z.enum(['authorized', 'unauthorized']), action: z.string(), message: z.string().optional()}),
})

export const AlpacaListeningFrameSchema = z.object({
  stream: z.literal('listening'),
  data: z.object({streams: z.array(z.string()), error: z.string().optional()}),
})

export const AlpacaTradeUpdatesFrameSchema = z.object({stream: z.literal('trade_updates'), data: AlpacaTradeUpdateSchema})

export const AlpacaFrameHeadSchema = z.object({stream: z.enum(['authorization', 'listening', 'trade_updates'])})
