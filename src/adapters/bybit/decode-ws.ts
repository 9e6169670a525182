/**
 * Bybit v5 websocket frames → control messages, core BrokerEvents and market data.
 *
 * - Acks (auth, subscribe, ping), option COMMAND_RESP and websocket trade API replies become `control` messages.
 * - Private topics: `order` → order events, `execution` → execution events (funding settlements apart),
 *   `execution.fast` → `fast_execution` hints (no fee or maker flag: the full `execution` frame follows),
 *   `position` → position events, `wallet` → one account event. Category-suffixed topics (`order.linear`) too.
 * - Public topics: `kline` → bars, `tickers` → tickers (delta frames carry only what changed), `publicTrade` →
 *   trades, `orderbook` → books.
 *
 * A frame's items are decoded one by one: a bad item yields one `decode_error` (the whole frame as raw, the item's
 * path in the reason) and the good items still yield their messages. A frame that fits nothing, or a topic this
 * adapter does not decode, yields exactly one `decode_error`. Nothing throws.
 */
import type {BrokerEvent} from '../../core/events.js'
import {z} from 'zod'
import {type DecodeFailure, decodeErrorEvent, describeIssues, failure, mapped, type VenueBar, type VenueBook, type VenueTicker, type VenueTrade} from '../decode.js'
import {headerOf} from '../sdk-errors.js'
import {type BybitDecodeContext, type BybitFunding, type BybitOrderAck, bybitExecutionToFill, bybitOrderToSnapshot, bybitPositionToSnapshot, bybitWalletToAccount, tickerOf} from './decode-rest.js'
import {
  BybitExecutionSchema, BybitFastExecutionSchema, BybitOrderAckSchema, BybitOrderSchema, BybitPositionSchema, BybitPrivateFrameSchema,
  BybitPublicFrameSchema, BybitTickerSchema, BybitWalletSchema, BybitWsAckSchema, BybitWsBookSchema, BybitWsCommandRespSchema,
  BybitWsKlineSchema, BybitWsOpReplySchema, BybitWsTradeSchema,
} from './schemas.js'

export interface BybitRateLimitHeader {
  readonly limit?: number
  readonly remaining?: number
  readonly resetAt?: number
}

export type BybitControl =
  | {readonly kind: 'control'; readonly type: 'ack'; readonly op: string; readonly success: boolean; readonly message: string; readonly connId?: string; readonly reqId?: string}
  | {readonly kind: 'control'; readonly type: 'command'; readonly success: boolean; readonly successTopics: readonly string[]; readonly failTopics: readonly string[]; readonly connId?: string}
  | {
      readonly kind: 'control'; readonly type: 'op_reply'; readonly op: string; readonly retCode: number; readonly retMsg: string
      readonly reqId?: string; readonly connId?: string; readonly ack?: BybitOrderAck; readonly rateLimit?: BybitRateLimitHeader
    }

export interface BybitFastExecution {
  readonly kind: 'fast_execution'
  readonly execId: string
  readonly orderId: string
  readonly orderLinkId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly price: number
  readonly qty: number
  readonly ts: number
}

export type BybitMarketMessage =
  | {readonly kind: 'bar'; readonly bar: VenueBar}
  | {readonly kind: 'ticker'; readonly ticker: VenueTicker}
  | {readonly kind: 'trade'; readonly trade: VenueTrade}
  | {readonly kind: 'book'; readonly book: VenueBook}

export type BybitWsMessage = BrokerEvent | BybitControl | BybitMarketMessage | BybitFastExecution | BybitFunding

const CHANNEL = 'bybit:ws'

/** Decodes one websocket frame (already JSON-parsed). `receivedAt` stamps decode errors, whose venue time is unknown. */
export function decodeBybitFrame(raw: unknown, receivedAt: number, ctx: BybitDecodeContext): BybitWsMessage[] {
  const bad = (reason: string, channel = CHANNEL): BybitWsMessage[] => [decodeErrorEvent(failure(channel, reason, raw).error, receivedAt)]
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('(root): expected a JSON object')
  const r = raw as Record<string, unknown>
  if (typeof r.topic === 'string') return topicFrame(r.topic, raw, receivedAt, ctx)
  if ('retCode' in r && 'op' in r) return opReply(raw, receivedAt)
  if (r.type === 'COMMAND_RESP') {
    const c = BybitWsCommandRespSchema.safeParse(raw, {reportInput: true})
    if (!c.success) return bad(describeIssues(c.error))
    return [{kind: 'control', type: 'command', success: c.data.success, successTopics: c.data.data.successTopics, failTopics: c.data.data.failTopics, ...(c.data.conn_id ? {connId: c.data.conn_id} : {})}]
  }
  if ('success' in r) {
    const a = BybitWsAckSchema.safeParse(raw, {reportInput: true})
    if (!a.success) return bad(describeIssues(a.error))
    const {success, ret_msg, op, conn_id, req_id} = a.data
    return [{kind: 'control', type: 'ack', op, success, message: ret_msg, ...(conn_id ? {connId: conn_id} : {}), ...(req_id !== undefined ? {reqId: String(req_id)} : {})}]
  }
  return bad('(root): neither a topic frame, an ack nor a trade API reply')
}

function opReply(raw: unknown, receivedAt: number): BybitWsMessage[] {
  const channel = `${CHANNEL}:op`
  const p = BybitWsOpReplySchema.safeParse(raw, {reportInput: true})
  if (!p.success) return [decodeErrorEvent(failure(channel, describeIssues(p.error), raw).error, receivedAt)]
  const o = p.data
  let ack: BybitOrderAck | undefined
  if (o.retCode === 0 && o.op.startsWith('order.')) {
    const a = BybitOrderAckSchema.safeParse(o.data, {reportInput: true})
    if (!a.success) return [decodeErrorEvent(failure(channel, describeIssues(a.error, ['data']), raw).error, receivedAt)]
    ack = a.data
  }
  const rateLimit = rateLimitOf(o.header)
  return [{
    kind: 'control', type: 'op_reply', op: o.op, retCode: o.retCode, retMsg: o.retMsg,
    ...(o.reqId !== undefined ? {reqId: o.reqId} : {}), ...(o.connId ? {connId: o.connId} : {}), ...(ack ? {ack} : {}), ...(rateLimit ? {rateLimit} : {}),
  }]
}

function rateLimitOf(header: Record<string, string> | undefined): BybitRateLimitHeader | undefined {
  if (!header) return undefined
  const num = (name: string) => {
    const v = headerOf(header, name)
    return v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : undefined
  }
  const out = {limit: num('X-Bapi-Limit'), remaining: num('X-Bapi-Limit-Status'), resetAt: num('X-Bapi-Limit-Reset-Timestamp')}
  const present = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined))
  return Object.keys(present).length ? present : undefined
}

function topicFrame(topic: string, raw: unknown, receivedAt: number, ctx: BybitDecodeContext): BybitWsMessage[] {
  const [base, second] = topic.split('.')
  const channel = `${CHANNEL}:${base}`
  const bad = (reason: string): BybitWsMessage[] => [decodeErrorEvent(failure(channel, reason, raw).error, receivedAt)]
  switch (base) {
    case 'order':
    case 'execution':
    case 'position':
    case 'wallet': {
      const f = BybitPrivateFrameSchema.safeParse(raw, {reportInput: true})
      if (!f.success) return bad(describeIssues(f.error))
      const {data, creationTime} = f.data
      if (base === 'order') return eachItem(channel, raw, data, BybitOrderSchema, receivedAt, (o, at) => {
        const order = bybitOrderToSnapshot(o, at)
        return [{kind: 'order', ts: order.updatedAt, order}]
      })
      if (base === 'execution' && second === 'fast') return eachItem(channel, raw, data, BybitFastExecutionSchema, receivedAt, (e) => [{
        kind: 'fast_execution', execId: e.execId, orderId: e.orderId, orderLinkId: e.orderLinkId, symbol: e.symbol,
        side: e.side === 'Buy' ? 'buy' : 'sell', price: e.execPrice, qty: e.execQty, ts: e.execTime,
      }])
      if (base === 'execution') return eachItem(channel, raw, data, BybitExecutionSchema, receivedAt, (e, at) => {
        const x = bybitExecutionToFill(e, e.category, ctx, at)
        return 'kind' in x ? [x] : [{kind: 'execution', ts: x.ts, fill: x}]
      })
      if (base === 'position') return eachItem(channel, raw, data, BybitPositionSchema, receivedAt, (p, at) => {
        const position = bybitPositionToSnapshot(p, at)
        return [{kind: 'position', ts: position.ts, position}]
      })
      const wallets = WALLET_LIST.safeParse(data, {reportInput: true})
      if (!wallets.success) return bad(describeIssues(wallets.error, ['data']))
      const account = mapped(channel, raw, () => bybitWalletToAccount(wallets.data, creationTime, ctx, 'data'))
      return account.ok ? [{kind: 'account', ts: creationTime, account: account.value}] : [decodeErrorEvent(account.error, receivedAt)]
    }
    case 'kline':
    case 'tickers':
    case 'publicTrade':
    case 'orderbook': {
      const f = BybitPublicFrameSchema.safeParse(raw, {reportInput: true})
      if (!f.success) return bad(describeIssues(f.error))
      const {data, ts, type} = f.data
      if (base === 'tickers') {
        const t = BybitTickerSchema.safeParse(data, {reportInput: true})
        return t.success ? [{kind: 'ticker', ticker: tickerOf(t.data, ts, type === 'snapshot')}] : bad(describeIssues(t.error, ['data']))
      }
      if (base === 'orderbook') {
        const b = BybitWsBookSchema.safeParse(data, {reportInput: true})
        if (!b.success) return bad(describeIssues(b.error, ['data']))
        return [{kind: 'book', book: {symbol: b.data.s, ts, snapshot: type === 'snapshot', bids: b.data.b, asks: b.data.a, updateId: b.data.u}}]
      }
      if (!Array.isArray(data)) return bad('data: expected an array')
      if (base === 'kline') {
        // kline.{interval}.{symbol}: the symbol is only in the topic.
        const symbol = topic.split('.').slice(2).join('.')
        if (!symbol) return bad(`topic: no symbol in ${JSON.stringify(topic)}`)
        return eachItem(channel, raw, data, BybitWsKlineSchema, receivedAt, (k) => [{
          kind: 'bar', bar: {symbol, ts: k.start, open: k.open, high: k.high, low: k.low, close: k.close, volume: k.volume, closed: k.confirm},
        }])
      }
      return eachItem(channel, raw, data, BybitWsTradeSchema, receivedAt, (t) => [{
        kind: 'trade', trade: {symbol: t.s, ts: t.T, price: t.p, size: t.v, id: t.i, side: t.S === 'Buy' ? 'buy' : 'sell'},
      }])
    }
    default:
      return bad(`topic: ${JSON.stringify(topic)} is not decoded by this adapter`)
  }
}

/** Decodes each item of a frame's data; a bad item becomes one decode_error carrying the whole frame. */
function eachItem<S extends z.ZodType>(
  channel: string, raw: unknown, data: readonly unknown[], schema: S, receivedAt: number,
  map: (item: z.output<S>, at: string) => BybitWsMessage[],
): BybitWsMessage[] {
  const out: BybitWsMessage[] = []
  data.forEach((item, i) => {
    const p = schema.safeParse(item, {reportInput: true})
    if (!p.success) {
      out.push(decodeErrorEvent(failure(channel, describeIssues(p.error, ['data', i]), raw).error, receivedAt))
      return
    }
    const m = mapped(channel, raw, () => map(p.data, `data[${i}]`))
    if (m.ok) out.push(...m.value)
    else out.push(decodeErrorEvent(m.error as DecodeFailure, receivedAt))
  })
  return out
}

// Built once: a zod schema compiles its parser on first use.
const WALLET_LIST = z.array(BybitWalletSchema)
