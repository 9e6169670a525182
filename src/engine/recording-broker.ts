/**
 * A broker port that journals every outbound request, its answer and every inbound event, then passes them on.
 * It wraps the simulator and the live adapters alike, so every session leaves the same kind of recording.
 */
import type {BrokerEvent} from '../core/events.js'
import type {OrderRequest} from '../core/order.js'
import {BrokerError, RateLimitError} from '../broker/errors.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../broker/port.js'
import type {Clock} from '../core/time/clock.js'
import type {JournalSink} from './journal.js'

export class RecordingBroker implements BrokerPort {
  readonly venue: string
  readonly positionMode: BrokerPort['positionMode']
  readonly positionModeOf: BrokerPort['positionModeOf']

  /**
   * Called just before an inbound message (an event or an answer) is journaled. The bar loop sets it to write a
   * bar mark when the message lands between two bars of one instant (see session-runner.ts).
   */
  beforeInbound: (() => void) | undefined

  /**
   * Told about every amend: when sent, and its answer ('ok', 'refused' for good, or 'unknown': a timeout or a
   * retryable error may have left it done). The wiring keeps the order tracker's quantities in step with it.
   */
  onAmend: ((ref: OrderRef, changes: AmendRequest, stage: 'sent' | 'ok' | 'refused' | 'unknown') => void) | undefined

  constructor(private readonly inner: BrokerPort, private readonly journal: JournalSink, private readonly clock: Clock) {
    this.venue = inner.venue
    this.positionMode = inner.positionMode
    this.positionModeOf = inner.positionModeOf?.bind(inner)
  }

  instrument(symbol: string): ReturnType<BrokerPort['instrument']> {
    return this.inner.instrument(symbol)
  }

  submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    return this.call('submit', req, () => this.inner.submitOrder(req))
  }

  cancelOrder(ref: OrderRef): Promise<void> {
    return this.call('cancel', ref, () => this.inner.cancelOrder(ref))
  }

  amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    this.onAmend?.(ref, changes, 'sent')
    const p = this.call('amend', {ref, changes}, () => this.inner.amendOrder(ref, changes))
    if (!this.onAmend) return p
    const told = this.onAmend
    return p.then(
      () => told(ref, changes, 'ok'),
      (err: unknown) => {
        told(ref, changes, err instanceof BrokerError && !err.retryable ? 'refused' : 'unknown')
        throw err
      },
    )
  }

  getOrder(ref: OrderRef): ReturnType<BrokerPort['getOrder']> {
    return this.call('getOrder', ref, () => this.inner.getOrder(ref))
  }

  openOrders(symbol?: string): ReturnType<BrokerPort['openOrders']> {
    return this.call('openOrders', symbol ?? null, () => this.inner.openOrders(symbol))
  }

  positions(): ReturnType<BrokerPort['positions']> {
    return this.call('positions', null, () => this.inner.positions())
  }

  account(): ReturnType<BrokerPort['account']> {
    return this.call('account', null, () => this.inner.account())
  }

  executionsSince(since: number): ReturnType<BrokerPort['executionsSince']> {
    return this.call('executions', since, () => this.inner.executionsSince(since))
  }

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    return this.inner.subscribe((event: BrokerEvent) => {
      this.beforeInbound?.()
      this.journal.append({t: this.clock.now(), type: 'event', data: event})
      handler(event)
    })
  }

  private answerRecord(op: string, n: number, args: unknown, result: unknown): RecordedAnswer {
    if (!SHORTENED.has(op)) return {op, n, result}
    const key = `${op}|${JSON.stringify(args ?? null)}`
    const json = JSON.stringify(result)
    const last = this.lastAnswers.get(key)
    if (last !== undefined && last.json === json) return {op, n, same: last.n}
    this.lastAnswers.set(key, {n, json})
    return {op, n, result}
  }

  /** Requests are numbered so replay pairs each answer with its request even when answers overtake each other. */
  private requests = 0

  /** Requests made so far. */
  get requestCount(): number {
    return this.requests
  }

  /** Per query (kind and arguments): the number and JSON of its last answer journaled in full. */
  private readonly lastAnswers = new Map<string, {readonly n: number; readonly json: string}>()

  private async call<T>(op: string, args: unknown, fn: () => Promise<T>): Promise<T> {
    const n = ++this.requests
    this.journal.append({t: this.clock.now(), type: 'request', data: {op, n, args}})
    try {
      const result = await fn()
      this.beforeInbound?.()
      this.journal.append({t: this.clock.now(), type: 'response', data: this.answerRecord(op, n, args, result ?? null)})
      return result
    } catch (err) {
      this.beforeInbound?.()
      this.journal.append({t: this.clock.now(), type: 'response', data: {op, n, error: recordedError(err)}})
      throw err
    }
  }
}

/**
 * Queries whose answer, when equal to the last full answer to the same query, is journaled as a reference to it
 * (`same`: that answer's request number). A strategy's periodic sync asks the same questions every minute and mostly
 * hears the same answers; repeating them made most of a grid month's journal. Orders' own answers are never shortened.
 */
const SHORTENED: ReadonlySet<string> = new Set(['openOrders', 'positions', 'account', 'executions', 'getOrder'])

/** The answer of a journaled response: its result, or the result of the earlier answer it names with `same`. */
export interface RecordedAnswer {
  readonly op: string
  readonly n?: number
  readonly result?: unknown
  readonly same?: number
  readonly error?: RecordedError
}

/** A venue error as journaled: enough to rebuild the same typed error on replay (rate limits keep their reset time). */
export interface RecordedError {
  readonly name: string
  readonly code?: string | null
  readonly message: string
  readonly resetAt?: number
}

export function recordedError(err: unknown): RecordedError {
  if (!(err instanceof BrokerError)) return {name: 'Error', message: String(err)}
  const e = {name: err.name, code: err.code ?? null, message: err.message}
  return err instanceof RateLimitError ? {...e, resetAt: err.resetAt} : e
}
