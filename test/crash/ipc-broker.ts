/**
 * A BrokerPort over the child_process IPC channel. The simulated venue lives in the harness (parent) process so it
 * outlives the killed session; the child sends each request as a message and the parent answers it when the
 * venue's latency has passed on the parent's virtual clock. Typed broker errors cross the channel by name.
 */
import type {BrokerEvent} from '../../src/core/events.js'
import type {Fill} from '../../src/core/fill.js'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import type {AccountSnapshot} from '../../src/core/ledger.js'
import type {OrderRequest, OrderSnapshot} from '../../src/core/order.js'
import type {PositionSnapshot} from '../../src/core/position.js'
import * as errors from '../../src/broker/errors.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../../src/broker/port.js'

export type RequestOp = 'submitOrder' | 'cancelOrder' | 'amendOrder' | 'getOrder' | 'openOrders' | 'positions' | 'account' | 'executionsSince'

export interface WireError {
  readonly name: string
  readonly message: string
  readonly venue: string
  readonly code?: string
  readonly resetAt?: number
}

export function toWire(err: unknown): WireError {
  if (err instanceof errors.BrokerError) {
    return {name: err.name, message: err.message, venue: err.venue, code: err.code, ...(err instanceof errors.RateLimitError ? {resetAt: err.resetAt} : {})}
  }
  return {name: 'Error', message: String((err as Error)?.message ?? err), venue: 'sim'}
}

type Ctor = new (message: string, venue: string, code?: string) => Error
const BY_NAME: Record<string, Ctor> = {
  NetworkError: errors.NetworkError,
  RequestTimeoutError: errors.RequestTimeoutError,
  VenueUnavailableError: errors.VenueUnavailableError,
  InsufficientFundsError: errors.InsufficientFundsError,
  InvalidOrderError: errors.InvalidOrderError,
  MarketClosedError: errors.MarketClosedError,
  DuplicateClientOrderIdError: errors.DuplicateClientOrderIdError,
  OrderNotFoundError: errors.OrderNotFoundError,
  OrderRejectedError: errors.OrderRejectedError,
}

export function fromWire(w: WireError): Error {
  if (w.name === 'RateLimitError') return new errors.RateLimitError(w.message, w.venue, w.resetAt ?? 0, w.code)
  const C = BY_NAME[w.name]
  return C ? new C(w.message, w.venue, w.code) : new Error(w.message)
}

/** Child → parent. */
export type ChildMessage =
  | {readonly type: 'req'; readonly id: number; readonly op: RequestOp; readonly args: unknown[]}
  | {readonly type: 'ack'}
  | {readonly type: 'committed'; readonly change: unknown}
  | {readonly type: 'loaded'; readonly snapshot: unknown; readonly error?: string}
  | {readonly type: 'ready'; readonly report: unknown; readonly snapshot: unknown}
  | {readonly type: 'final'; readonly snapshot: unknown}

/** Parent → child, one per lock-step instant. */
export type StepItem =
  | {readonly k: 'answer'; readonly id: number; readonly ok: true; readonly value: unknown}
  | {readonly k: 'answer'; readonly id: number; readonly ok: false; readonly error: WireError}
  | {readonly k: 'event'; readonly event: BrokerEvent}
  | {readonly k: 'bar'; readonly ts: number; readonly close: number}

export class IpcBroker implements BrokerPort {
  readonly venue = 'sim'
  readonly positionMode = 'netting' as const
  private nextId = 0
  private readonly pending = new Map<number, {resolve: (v: unknown) => void; reject: (e: unknown) => void}>()
  private readonly handlers: BrokerEventHandler[] = []

  constructor(private readonly send: (m: ChildMessage) => void, private readonly instruments: readonly Instrument[] = [defaultInstrument('XYZ', 'crypto_spot', 'sim')]) {}

  instrument(symbol: string): Instrument {
    const i = this.instruments.find((x) => x.symbol === symbol)
    if (!i) throw new errors.InvalidOrderError(`unknown symbol ${symbol}`, 'sim')
    return i
  }

  /** Delivers one item of a step: an answer settles its request, an event goes to the subscribers. */
  deliver(item: StepItem): void {
    if (item.k === 'answer') {
      const p = this.pending.get(item.id)
      this.pending.delete(item.id)
      if (item.ok) p?.resolve(item.value)
      else p?.reject(fromWire(item.error))
    } else if (item.k === 'event') {
      for (const h of this.handlers) h(item.event)
    }
  }

  private call<T>(op: RequestOp, ...args: unknown[]): Promise<T> {
    const id = ++this.nextId
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {resolve: resolve as (v: unknown) => void, reject})
      this.send({type: 'req', id, op, args})
    })
  }

  submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    return this.call('submitOrder', req)
  }
  cancelOrder(ref: OrderRef): Promise<void> {
    return this.call('cancelOrder', ref)
  }
  amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    return this.call('amendOrder', ref, changes)
  }
  getOrder(ref: OrderRef): Promise<OrderSnapshot | undefined> {
    return this.call<OrderSnapshot | null>('getOrder', ref).then((v) => v ?? undefined)
  }
  openOrders(symbol?: string): Promise<OrderSnapshot[]> {
    return this.call('openOrders', symbol)
  }
  positions(): Promise<PositionSnapshot[]> {
    return this.call('positions')
  }
  account(): Promise<AccountSnapshot> {
    return this.call('account')
  }
  executionsSince(since: number): Promise<Fill[]> {
    return this.call('executionsSince', since)
  }
  subscribe(handler: BrokerEventHandler): Unsubscribe {
    this.handlers.push(handler)
    return () => void this.handlers.splice(this.handlers.indexOf(handler), 1)
  }
}
