/**
 * The broker port: the one interface strategies and services trade through, in every mode.
 * Implemented by the simulated exchange (src/sim) and the live adapters (src/adapters).
 *
 * Requests resolve with the venue's answer at the time it handled them; everything that happens to an order
 * afterwards arrives as events through `subscribe`, possibly before the request's promise resolves.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Fill} from '../core/fill.js'
import type {Instrument, PositionMode} from '../core/instrument.js'
import type {AccountSnapshot} from '../core/ledger.js'
import type {OrderRequest, OrderSnapshot} from '../core/order.js'
import type {PositionSnapshot} from '../core/position.js'

/** An order is found by the venue's id or by the client order id the engine gave it. */
export type OrderRef = {readonly clientOrderId: string} | {readonly venueOrderId: string}

/** The venue's receipt for an accepted submission. Status changes follow as events. */
export interface SubmitReceipt {
  readonly clientOrderId: string
  readonly venueOrderId: string
  readonly ts: number
}

export interface AmendRequest {
  readonly qty?: number
  readonly limitPrice?: number
  readonly stopPrice?: number
}

export type BrokerEventHandler = (event: BrokerEvent) => void
export type Unsubscribe = () => void

export interface BrokerPort {
  readonly venue: string
  readonly positionMode: PositionMode
  /** The mode of one symbol, where a venue lets it differ from the account's (Bybit: per symbol); else `positionMode`. */
  readonly positionModeOf?: (symbol: string) => PositionMode

  instrument(symbol: string): Instrument

  /** Rejects with a FinalError for an order the venue refuses outright, a RetryableError otherwise. */
  submitOrder(req: OrderRequest): Promise<SubmitReceipt>
  /** Resolves when the venue has taken the cancel request; the `canceled` state arrives as an event. */
  cancelOrder(ref: OrderRef): Promise<void>
  amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void>

  /** The venue's state of one order at query time, or undefined when the venue does not know it. */
  getOrder(ref: OrderRef): Promise<OrderSnapshot | undefined>
  openOrders(symbol?: string): Promise<OrderSnapshot[]>
  positions(): Promise<PositionSnapshot[]>
  account(): Promise<AccountSnapshot>
  /** Executions with venue time >= `since` (inclusive), oldest first. */
  executionsSince(since: number): Promise<Fill[]>

  /** Order, execution, position and account events, in the venue's order for each channel. */
  subscribe(handler: BrokerEventHandler): Unsubscribe
}
