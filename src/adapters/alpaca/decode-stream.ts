/**
 * Alpaca `trade_updates` stream frames → control messages and core BrokerEvents.
 *
 * Every trade update becomes an `order` event (the order snapshot it carries). `fill` and `partial_fill` also
 * become an `execution` event, emitted first, as the simulator does. The fill's fields:
 * - execId: the frame's `execution_id`. Older frames have none; then `<order id>:<cumulative filled_qty>`, which
 *   is the same when a frame is redelivered and distinct for every fill of one order (the cumulative quantity
 *   strictly grows with each fill). A reconciliation that rebuilds fills from REST order polls uses the same rule.
 * - price / qty: the frame's `price` and `qty` (this execution), required on fills.
 * - fee: 0. Alpaca's fill events carry no fee (equities are commission-free; crypto fees are booked as separate
 *   account activities), so there is no per-fill fee to report.
 * - liquidity: 'taker'. Alpaca does not report maker/taker; 'taker' is recorded as the conservative assumption.
 * - ts: the event's `timestamp`; when absent, `at` (publish time); when both are absent, the order's `updated_at`
 *   (or, when that is null, its newest event time).
 */
import type {BrokerEvent} from '../../core/events.js'
import type {Fill} from '../../core/fill.js'
import {decode, decodeErrorEvent, describeIssues, failure, mismatch} from '../decode.js'
import {alpacaOrderToSnapshot} from './decode-rest.js'
import {AlpacaAuthorizationFrameSchema, AlpacaFrameHeadSchema, AlpacaListeningFrameSchema, AlpacaTradeUpdatesFrameSchema} from './schemas.js'

export const ALPACA_STREAM_CHANNEL = 'alpaca:trade_updates'

/** Stream control: the answer to the auth request, and the list of streams being listened to. */
export type AlpacaControl =
  | {readonly kind: 'control'; readonly type: 'authorization'; readonly authorized: boolean; readonly action: string; readonly message?: string}
  | {readonly kind: 'control'; readonly type: 'listening'; readonly streams: readonly string[]; readonly error?: string}

export type AlpacaStreamMessage = AlpacaControl | BrokerEvent

/**
 * Decodes one frame (already parsed from JSON or MessagePack). Never throws; a frame that does not fit yields
 * exactly one `decode_error` event carrying the frame.
 */
export function decodeAlpacaStreamFrame(raw: unknown, receivedAt: number): AlpacaStreamMessage[] {
  const head = AlpacaFrameHeadSchema.safeParse(raw)
  if (!head.success) return [decodeErrorEvent(failure(ALPACA_STREAM_CHANNEL, describeIssues(head.error), raw).error, receivedAt)]
  const channel = ALPACA_STREAM_CHANNEL
  switch (head.data.stream) {
    case 'authorization': {
      const r = decode(channel, AlpacaAuthorizationFrameSchema, raw, ({data}): AlpacaStreamMessage[] => [
        {kind: 'control', type: 'authorization', authorized: data.status === 'authorized', action: data.action, ...(data.message ? {message: data.message} : {})},
      ])
      return r.ok ? r.value : [decodeErrorEvent(r.error, receivedAt)]
    }
    case 'listening': {
      const r = decode(channel, AlpacaListeningFrameSchema, raw, ({data}): AlpacaStreamMessage[] => [
        {kind: 'control', type: 'listening', streams: data.streams, ...(data.error ? {error: data.error} : {})},
      ])
      return r.ok ? r.value : [decodeErrorEvent(r.error, receivedAt)]
    }
    case 'trade_updates': {
      const r = decode(channel, AlpacaTradeUpdatesFrameSchema, raw, ({data}): BrokerEvent[] => {
        const order = alpacaOrderToSnapshot(data.order, 'data.order')
        const ts = data.timestamp ?? data.at ?? order.updatedAt
        const events: BrokerEvent[] = []
        if (data.event === 'fill' || data.event === 'partial_fill') {
          if (data.price == null) mismatch('data.price', `required on a ${data.event} event`)
          if (data.qty == null) mismatch('data.qty', `required on a ${data.event} event`)
          const fill: Fill = {
            execId: data.execution_id ?? `${data.order.id}:${data.order.filled_qty}`,
            clientOrderId: order.clientOrderId,
            venueOrderId: order.venueOrderId,
            symbol: order.symbol,
            side: order.side,
            positionSide: 'net',
            qty: data.qty,
            price: data.price,
            fee: 0,
            liquidity: 'taker',
            ts,
          }
          events.push({kind: 'execution', ts, fill})
        }
        events.push({kind: 'order', ts, order})
        return events
      })
      return r.ok ? r.value : [decodeErrorEvent(r.error, receivedAt)]
    }
  }
}
