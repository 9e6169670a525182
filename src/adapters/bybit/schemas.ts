/**
 * zod schemas for the Bybit v5 payloads the adapter reads: the REST envelope, order / execution / position /
 * wallet / instrument / market lists, and the websocket frames (acks, private topics, public topics, and the
 * websocket trade API replies). Numbers arrive as strings, "" meaning "not applicable"; both are parsed strictly.
 * Integers that recorders sometimes stringify (retCode, time, positionIdx) accept either spelling.
 */
import {z} from 'zod'
import {blankOrDecimal, decimalString, emptyOrDecimal, epochMs, intLike} from '../decode.js'
import {BYBIT_ORDER_STATUSES, BYBIT_TIME_IN_FORCE} from './order-status.js'

const side = z.enum(['Buy', 'Sell'])
const positionIdx = intLike.refine((n) => n === 0 || n === 1 || n === 2, 'expected positionIdx 0, 1 or 2')
/** Conditional orders: 1 = triggered when the price rises to triggerPrice, 2 = when it falls to it; 0 = none. */
const triggerDirection = intLike.refine((n) => n === 0 || n === 1 || n === 2, 'expected triggerDirection 0, 1 or 2')
/** Informational text Bybit leaves "" (and some recorders null) when it does not apply. */
const optionalText = z.string().nullable().optional().transform((v) => v ?? undefined)

/** The rate-limit block bybit-api adds to resolved responses when `parseAPIRateLimits` is on. */
export const BybitRateLimitApiSchema = z.object({
  remainingRequests: z.number().optional(),
  maxRequests: z.number().optional(),
  resetAtTimestamp: z.number().optional(),
})

export const BybitEnvelopeSchema = z.object({
  retCode: intLike,
  retMsg: z.string(),
  // Absent on some replies (set-hedging-mode); the resource decoders reject a missing result they need.
  result: z.unknown().optional(),
  retExtInfo: z.unknown().optional(),
  time: epochMs.optional(),
  rateLimitApi: BybitRateLimitApiSchema.optional(),
})
export type BybitEnvelope = z.output<typeof BybitEnvelopeSchema>

/** create / amend / cancel results, REST and websocket trade API. */
export const BybitOrderAckSchema = z.object({orderId: z.string().min(1), orderLinkId: z.string()})

/**
 * An order (REST lists and the `order` topic). Fields that do not apply to an order arrive as "" or "0" and, for
 * avgPrice on an order with no fill, also as null; the optional numbers take all three (null and "" → undefined).
 * The quantities that always apply (qty, cumExecQty) stay strict.
 */
export const BybitOrderSchema = z.object({
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  symbol: z.string().min(1),
  side,
  orderType: z.enum(['Market', 'Limit']),
  // Market orders: "0", "" or null (no price of their own).
  price: blankOrDecimal,
  qty: decimalString,
  timeInForce: z.enum(BYBIT_TIME_IN_FORCE),
  orderStatus: z.enum(BYBIT_ORDER_STATUSES),
  positionIdx,
  reduceOnly: z.boolean().optional(),
  cumExecQty: decimalString,
  cumExecValue: blankOrDecimal.optional(),
  avgPrice: blankOrDecimal.optional(),
  triggerPrice: blankOrDecimal.optional(),
  triggerDirection: triggerDirection.optional(),
  stopOrderType: optionalText,
  rejectReason: optionalText,
  cancelType: optionalText,
  createdTime: epochMs,
  updatedTime: epochMs,
  category: z.string().optional(),
})
export type BybitOrder = z.output<typeof BybitOrderSchema>

export const BYBIT_EXEC_TYPES = ['Trade', 'AdlTrade', 'Funding', 'BustTrade', 'Delivery', 'Settle', 'BlockTrade', 'MovePosition', 'FutureSpread'] as const

export const BybitExecutionSchema = z.object({
  execId: z.string().min(1),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  symbol: z.string().min(1),
  side,
  execPrice: decimalString,
  execQty: decimalString,
  execFee: decimalString,
  execType: z.enum(BYBIT_EXEC_TYPES),
  isMaker: z.boolean(),
  execTime: epochMs,
  closedSize: emptyOrDecimal.optional(),
  feeCurrency: z.string().optional(),
  category: z.string().optional(),
})
export type BybitExecution = z.output<typeof BybitExecutionSchema>

/** `execution.fast`: a trimmed execution without fee, maker flag or execution type. */
export const BybitFastExecutionSchema = z.object({
  execId: z.string().min(1),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  symbol: z.string().min(1),
  side,
  execPrice: decimalString,
  execQty: decimalString,
  execTime: epochMs,
  category: z.string().optional(),
})

export const BybitPositionSchema = z.object({
  positionIdx,
  symbol: z.string().min(1),
  side: z.enum(['Buy', 'Sell', '']),
  size: decimalString,
  /** REST (and newer websocket frames) call it avgPrice; older websocket frames entryPrice. */
  avgPrice: emptyOrDecimal.optional(),
  entryPrice: emptyOrDecimal.optional(),
  cumRealisedPnl: decimalString,
  updatedTime: epochMs,
  leverage: emptyOrDecimal.optional(),
  markPrice: emptyOrDecimal.optional(),
  unrealisedPnl: emptyOrDecimal.optional(),
  category: z.string().optional(),
})
export type BybitPosition = z.output<typeof BybitPositionSchema>

export const BybitWalletCoinSchema = z.object({
  coin: z.string().min(1),
  equity: emptyOrDecimal,
  walletBalance: emptyOrDecimal,
  cumRealisedPnl: emptyOrDecimal,
  usdValue: emptyOrDecimal.optional(),
})

export const BybitWalletSchema = z.object({
  accountType: z.string(),
  totalEquity: emptyOrDecimal,
  totalWalletBalance: emptyOrDecimal,
  totalAvailableBalance: emptyOrDecimal,
  totalInitialMargin: emptyOrDecimal,
  totalMaintenanceMargin: emptyOrDecimal,
  coin: z.array(BybitWalletCoinSchema),
})
export type BybitWallet = z.output<typeof BybitWalletSchema>

export const BybitInstrumentSchema = z.object({
  symbol: z.string().min(1),
  status: z.string(),
  baseCoin: z.string(),
  quoteCoin: z.string(),
  settleCoin: z.string().optional(),
  contractType: z.string().optional(),
  priceFilter: z.object({tickSize: decimalString}),
  lotSizeFilter: z.object({
    qtyStep: decimalString.optional(),
    basePrecision: decimalString.optional(),
    minOrderQty: decimalString,
    maxOrderQty: decimalString.optional(),
  }),
  leverageFilter: z.object({minLeverage: decimalString, maxLeverage: decimalString, leverageStep: decimalString}).optional(),
})
export type BybitInstrument = z.output<typeof BybitInstrumentSchema>

export const BybitListSchema = <T extends z.ZodType>(item: T) =>
  z.object({category: z.string().optional(), list: z.array(item), nextPageCursor: z.string().optional()})

/** GET /v5/market/kline: `[start, open, high, low, close, volume, turnover]`, newest first. */
export const BybitKlineResultSchema = z.object({
  symbol: z.string().min(1),
  category: z.string().optional(),
  list: z.array(z.tuple([epochMs, decimalString, decimalString, decimalString, decimalString, decimalString, decimalString])),
})

export const BybitTickerSchema = z.object({
  symbol: z.string().min(1),
  lastPrice: emptyOrDecimal.optional(),
  markPrice: emptyOrDecimal.optional(),
  indexPrice: emptyOrDecimal.optional(),
  bid1Price: emptyOrDecimal.optional(),
  bid1Size: emptyOrDecimal.optional(),
  ask1Price: emptyOrDecimal.optional(),
  ask1Size: emptyOrDecimal.optional(),
  bidPrice: emptyOrDecimal.optional(),
  bidSize: emptyOrDecimal.optional(),
  askPrice: emptyOrDecimal.optional(),
  askSize: emptyOrDecimal.optional(),
  fundingRate: emptyOrDecimal.optional(),
  nextFundingTime: z.union([z.literal('').transform(() => undefined), epochMs]).optional(),
  volume24h: emptyOrDecimal.optional(),
  turnover24h: emptyOrDecimal.optional(),
})

/** GET /v5/market/recent-trade items. */
export const BybitRecentTradeSchema = z.object({
  execId: z.string().min(1),
  symbol: z.string().min(1),
  price: decimalString,
  size: decimalString,
  side,
  time: epochMs,
})

// ---- websocket ----

/** Acks of the v5 streams: auth, subscribe, ping. */
export const BybitWsAckSchema = z.object({
  success: z.boolean(),
  ret_msg: z.string(),
  op: z.string(),
  conn_id: z.string().optional(),
  req_id: z.union([z.string(), z.number()]).optional(),
})

/** Option streams answer subscribes with a COMMAND_RESP listing the topics that failed. */
export const BybitWsCommandRespSchema = z.object({
  success: z.boolean(),
  type: z.literal('COMMAND_RESP'),
  conn_id: z.string().optional(),
  data: z.object({failTopics: z.array(z.string()), successTopics: z.array(z.string())}),
})

/** The websocket trade API (order.create / amend / cancel, auth). */
export const BybitWsOpReplySchema = z.object({
  op: z.string(),
  retCode: intLike,
  retMsg: z.string(),
  reqId: z.string().optional(),
  connId: z.string().optional(),
  data: z.unknown().optional(),
  header: z.record(z.string(), z.string()).optional(),
})

export const BybitPrivateFrameSchema = z.object({
  topic: z.string(),
  id: z.string().optional(),
  creationTime: epochMs,
  data: z.array(z.unknown()),
})

export const BybitPublicFrameSchema = z.object({
  topic: z.string(),
  type: z.enum(['snapshot', 'delta']),
  ts: epochMs,
  data: z.unknown(),
})

export const BybitWsKlineSchema = z.object({
  start: epochMs,
  end: epochMs,
  interval: z.string(),
  open: decimalString,
  close: decimalString,
  high: decimalString,
  low: decimalString,
  volume: decimalString,
  turnover: decimalString,
  confirm: z.boolean(),
  timestamp: epochMs,
})

export const BybitWsTradeSchema = z.object({
  T: epochMs,
  s: z.string().min(1),
  S: side,
  v: decimalString,
  p: decimalString,
  i: z.string().min(1),
  BT: z.boolean().optional(),
})

const level = z.tuple([decimalString, decimalString])
export const BybitWsBookSchema = z.object({s: z.string().min(1), b: z.array(level), a: z.array(level), u: intLike})
