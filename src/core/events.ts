/** Events a venue reports to the engine, in the same shapes for the simulator and the live adapters. */
import type {Fill} from './fill.js'
import type {AccountSnapshot} from './ledger.js'
import type {OrderSnapshot} from './order.js'
import type {PositionSnapshot} from './position.js'

/** `ts` is the venue's time of the event; the engine stamps the receive time separately. */
export type BrokerEvent =
  | {readonly kind: 'order'; readonly ts: number; readonly order: OrderSnapshot}
  | {readonly kind: 'execution'; readonly ts: number; readonly fill: Fill}
  | {readonly kind: 'position'; readonly ts: number; readonly position: PositionSnapshot}
  | {readonly kind: 'account'; readonly ts: number; readonly account: AccountSnapshot}
  | {readonly kind: 'connection'; readonly ts: number; readonly status: 'connected' | 'disconnected'}
  /** A venue payload that failed its schema: kept raw, never dropped silently (OPS-04). */
  | {readonly kind: 'decode_error'; readonly ts: number; readonly channel: string; readonly reason: string; readonly raw: unknown}

export type BrokerEventKind = BrokerEvent['kind']
export type BrokerEventOf<K extends BrokerEventKind> = Extract<BrokerEvent, {kind: K}>
