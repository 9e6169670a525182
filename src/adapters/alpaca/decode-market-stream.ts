/**
 * Alpaca market-data stream messages (wss://stream.data.alpaca.markets/v2/{feed}) → control messages and bars.
 * A message is an array of frames `{T, …}`; control frames (success, subscription, error) come alone, data frames
 * may come several at once. Only minute bars (`T: 'b'`) are read. The SDK decodes MessagePack (its timestamp
 * extension becomes an RFC 3339 text in the transport), so the frames here have JSON shapes.
 *
 * Nothing throws; a frame that does not fit yields one `decode_error` event carrying that frame.
 */
import {z} from 'zod'
import type {BrokerEvent} from '../../core/events.js'
import {decode, decodeErrorEvent, describeIssues, failure, finiteNumber, isoTime, type VenueBar} from '../decode.js'

export const ALPACA_DATA_CHANNEL = 'alpaca:market_data'

export const AlpacaStreamBarSchema = z.object({
  T: z.literal('b'),
  S: z.string().min(1),
  o: finiteNumber,
  h: finiteNumber,
  l: finiteNumber,
  c: finiteNumber,
  v: finiteNumber,
  /** Bar open time. */
  t: isoTime,
  n: finiteNumber.optional(),
  vw: finiteNumber.optional(),
})

const SuccessSchema = z.object({T: z.literal('success'), msg: z.string()})
const ErrorSchema = z.object({T: z.literal('error'), code: z.number().int(), msg: z.string()})
const SubscriptionSchema = z.object({T: z.literal('subscription'), bars: z.array(z.string()).optional()})
const HeadSchema = z.object({T: z.string()})

export type AlpacaDataMessage =
  | {readonly kind: 'control'; readonly type: 'success'; readonly msg: string}
  | {readonly kind: 'control'; readonly type: 'error'; readonly code: number; readonly msg: string}
  | {readonly kind: 'control'; readonly type: 'subscription'; readonly bars: readonly string[]}
  | {readonly kind: 'bar'; readonly bar: VenueBar}
  | BrokerEvent

/** Decodes one stream message (an array of frames). */
export function decodeAlpacaDataMessage(raw: unknown, receivedAt: number): AlpacaDataMessage[] {
  const channel = ALPACA_DATA_CHANNEL
  if (!Array.isArray(raw)) return [decodeErrorEvent(failure(channel, '(root): expected an array of frames', raw).error, receivedAt)]
  const out: AlpacaDataMessage[] = []
  raw.forEach((frame: unknown, i) => {
    const head = HeadSchema.safeParse(frame)
    if (!head.success) {
      out.push(decodeErrorEvent(failure(channel, describeIssues(head.error, [i]), frame).error, receivedAt))
      return
    }
    const r = decodeFrame(channel, head.data.T, frame)
    out.push(r.ok ? r.value : decodeErrorEvent(r.error, receivedAt))
  })
  return out
}

function decodeFrame(channel: string, type: string, frame: unknown) {
  switch (type) {
    case 'b':
      return decode(channel, AlpacaStreamBarSchema, frame, (b): AlpacaDataMessage => ({
        kind: 'bar',
        bar: {symbol: b.S, ts: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v},
      }))
    case 'success':
      return decode(channel, SuccessSchema, frame, (f): AlpacaDataMessage => ({kind: 'control', type: 'success', msg: f.msg}))
    case 'error':
      return decode(channel, ErrorSchema, frame, (f): AlpacaDataMessage => ({kind: 'control', type: 'error', code: f.code, msg: f.msg}))
    case 'subscription':
      return decode(channel, SubscriptionSchema, frame, (f): AlpacaDataMessage => ({kind: 'control', type: 'subscription', bars: f.bars ?? []}))
    default:
      // Trades, quotes and the other channels are never subscribed: one arriving is a payload we cannot place.
      return failure(channel, `T: ${JSON.stringify(type)} frames are not read (only minute bars are subscribed)`, frame)
  }
}
