/**
 * The venue of a replay: the recording. Inbound venue messages (events, answers to requests) are delivered at
 * their recorded receive times, each right after the work that preceded it in the recording (the journal
 * matcher's cursor says when that is); each request the strategy makes is matched to the recorded request (by
 * kind and client order id, by kind and arguments for queries) and answered with the recorded answer.
 * Requests the recording does not have, recorded requests never made and changed fields are divergences.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Instrument} from '../core/instrument.js'
import type {OrderRequest} from '../core/order.js'
import * as errors from '../broker/errors.js'
import type {AmendRequest, BrokerEventHandler, OrderRef, SubmitReceipt, Unsubscribe} from '../broker/port.js'
import type {VenueProfile} from '../sim/venue-profile.js'
import type {EventLoop} from '../engine/event-loop.js'
import type {JournalRecord, JournalSink} from '../engine/journal.js'
import {isInbound, type JournalMatcher} from '../engine/journal-matcher.js'
import type {RecordedError} from '../engine/recording-broker.js'
import {BAR_MARK, OUTSIDE_FAILED, type SessionVenue} from './session-runner.js'
import {ReplayInputError} from '../engine/session-header.js'

interface Call {
  readonly op: string
  readonly n?: number
  readonly args?: unknown
  readonly result?: unknown
  /** The answer equals the full answer to request `same` (recording-broker.ts). */
  readonly same?: number
  readonly error?: RecordedError
}

interface RequestQueue {
  readonly list: number[]
  head: number
}

interface Pending {
  resolve(v: unknown): void
  reject(e: unknown): void
}

const refKey = (ref: OrderRef | undefined): string =>
  ref === undefined || ref === null ? '' : 'clientOrderId' in ref ? `c:${ref.clientOrderId}` : `v:${(ref as {venueOrderId: string}).venueOrderId}`

/** The key a request is matched by: its kind and the order it is about (or its arguments, for queries). */
function requestKey(op: string, args: unknown): string {
  switch (op) {
    case 'submit':
      return `submit|${(args as OrderRequest).clientOrderId}`
    case 'cancel':
    case 'getOrder':
      return `${op}|${refKey(args as OrderRef)}`
    case 'amend':
      return `amend|${refKey((args as {ref: OrderRef}).ref)}`
    default:
      return `${op}|${JSON.stringify(args ?? null)}`
  }
}

const SUBMIT_FIELDS = ['symbol', 'side', 'type', 'tif', 'qty', 'limitPrice', 'stopPrice', 'reduceOnly', 'postOnly', 'positionSide'] as const

/** The fields of a replayed order that differ from the recorded request, or undefined when none does. */
function submitDiffers(rec: JournalRecord, req: OrderRequest): string | undefined {
  const r = (rec.data as Call).args as OrderRequest
  let diffs: string[] | undefined
  for (const f of SUBMIT_FIELDS) if (r[f] !== req[f]) (diffs ??= []).push(`${f} ${String(r[f])} recorded, ${String(req[f])} in replay`)
  return diffs ? `order ${req.clientOrderId}: ${diffs.join(', ')}` : undefined
}

export class ReplayVenue implements SessionVenue {
  readonly venue: string
  readonly positionMode: SessionVenue['positionMode']
  /** Per-symbol modes of the recorded venue (set by replay from the header's settings). */
  positionModeOf: SessionVenue['positionModeOf']
  private readonly handlers: BrokerEventHandler[] = []
  private readonly bySymbol: Map<string, Instrument>
  /** Indices of the recorded inbound records, in journal order, and the next one to deliver. */
  private readonly inbound: number[] = []
  private next = 0
  private armedFor = -1
  /** Indices of the recorded requests, in journal order. */
  private readonly requestIndices: number[] = []
  /**
   * Recorded requests by match key (indices, oldest first), with a read position per key; built on the first
   * request that is not the one the journal matcher just paired (a faithful replay never needs it).
   */
  private byKey: Map<string, RequestQueue> | undefined
  /** Per recorded record: 1 once a replayed request took it (requests only). */
  private readonly consumed: Uint8Array
  /** Per recorded request: the index of its recorded answer, -1 when it has none. */
  private readonly answerOf: Int32Array
  /** Replayed requests waiting for their recorded answer, by the answer's index. */
  private readonly pending = new Map<number, Pending>()
  delivered = 0
  /** Bars the session has processed (counted as they reach the venue); bar marks wait for their count. */
  private bars = 0

  /** `journal`: where recorded bar marks are written again when replay reaches them (the replayed session's journal). */
  /** Recorded request index by request number (numbers count up from 1, so an array is a compact map). */
  private readonly requestByN: number[] = []

  /** The result of the full answer to request `n`, which a later equal answer names with `same`. */
  private resultOf(n: number): unknown {
    const req = this.requestByN[n]
    const answer = req === undefined ? -1 : this.answerOf[req]
    const c = answer < 0 ? undefined : (this.records[answer].data as Call)
    if (c === undefined || c.same !== undefined || !('result' in c)) throw new ReplayInputError(`the recording's answer refers to the answer of request ${n}, which it does not hold in full; the journal was edited`)
    return c.result
  }

  constructor(
    private readonly records: readonly JournalRecord[],
    private readonly loop: EventLoop,
    private readonly matcher: JournalMatcher,
    profile: VenueProfile,
    instruments: readonly Instrument[],
    private readonly journal?: JournalSink,
  ) {
    this.venue = profile.name
    this.positionMode = profile.positionMode
    this.bySymbol = new Map(instruments.map((i) => [i.symbol, i]))
    this.consumed = new Uint8Array(records.length)
    this.answerOf = new Int32Array(records.length).fill(-1)
    // Request numbers count up from 1, so an array indexed by them is a compact map.
    const byN = this.requestByN
    const unnumbered = new Map<string, number[]>()
    for (let i = 0; i < records.length; i++) {
      const r = records[i]
      const type = r.type
      if (isInbound(type)) this.inbound.push(i)
      if (type === 'request') {
        const c = r.data as Call
        this.requestIndices.push(i)
        if (c.n !== undefined) byN[c.n] = i
        else (unnumbered.get(c.op) ?? unnumbered.set(c.op, []).get(c.op)!).push(i)
      } else if (type === 'response') {
        const c = r.data as Call
        // Answers carry their request's number; older journals pair them in order per kind.
        const req = c.n !== undefined ? byN[c.n] : unnumbered.get(c.op)?.shift()
        if (req !== undefined) this.answerOf[req] = i
      }
    }
    matcher.onAdvance = () => this.onAdvance()
  }

  /**
   * The recorded request a replayed one is answered from: the one the journal matcher paired with the replayed
   * request record just written (the usual case), else the oldest not yet taken with the same kind and order.
   */
  private takeRequest(op: string, args: unknown): number {
    const c = this.matcher.cursor - 1
    if (c >= 0 && this.consumed[c] === 0 && this.records[c].type === 'request') {
      const rec = this.records[c].data as Call
      if (rec.op === op && (op === 'submit' ? (rec.args as OrderRequest).clientOrderId === (args as OrderRequest).clientOrderId : requestKey(rec.op, rec.args) === requestKey(op, args))) {
        this.consumed[c] = 1
        return c
      }
    }
    const q = this.queues().get(requestKey(op, args))
    while (q && q.head < q.list.length) {
      const index = q.list[q.head++]
      if (this.consumed[index] === 0) {
        this.consumed[index] = 1
        return index
      }
    }
    return -1
  }

  private queues(): Map<string, RequestQueue> {
    if (!this.byKey) {
      this.byKey = new Map()
      for (const i of this.requestIndices) {
        const c = this.records[i].data as Call
        const key = requestKey(c.op, c.args)
        const q = this.byKey.get(key)
        if (q) q.list.push(i)
        else this.byKey.set(key, {list: [i], head: 0})
      }
    }
    return this.byKey
  }

  /** Arms delivery of the first recorded message; call once the session is wired (before bars flow). */
  start(): void {
    this.arm()
  }

  instrument(symbol: string): Instrument {
    const i = this.bySymbol.get(symbol)
    if (!i) throw new errors.InvalidOrderError(`symbol ${symbol} is not part of the recorded session`, this.venue)
    return i
  }

  submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    return this.answer('submit', req, (rec) => submitDiffers(rec, req)) as Promise<SubmitReceipt>
  }

  cancelOrder(ref: OrderRef): Promise<void> {
    return this.answer('cancel', ref) as Promise<void>
  }

  amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    return this.answer('amend', {ref, changes}, (rec) => {
      const was = JSON.stringify(((rec.data as Call).args as {changes: AmendRequest}).changes)
      const now = JSON.stringify(changes)
      return was === now ? undefined : `amend ${refKey(ref)}: ${was} recorded, ${now} in replay`
    }) as Promise<void>
  }

  getOrder(ref: OrderRef): ReturnType<SessionVenue['getOrder']> {
    return this.answer('getOrder', ref) as ReturnType<SessionVenue['getOrder']>
  }

  openOrders(symbol?: string): ReturnType<SessionVenue['openOrders']> {
    return this.answer('openOrders', symbol ?? null) as ReturnType<SessionVenue['openOrders']>
  }

  positions(): ReturnType<SessionVenue['positions']> {
    return this.answer('positions', null) as ReturnType<SessionVenue['positions']>
  }

  account(): ReturnType<SessionVenue['account']> {
    return this.answer('account', null) as ReturnType<SessionVenue['account']>
  }

  executionsSince(since: number): ReturnType<SessionVenue['executionsSince']> {
    return this.answer('executions', since) as ReturnType<SessionVenue['executionsSince']>
  }

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    this.handlers.push(handler)
    return () => {
      const i = this.handlers.indexOf(handler)
      if (i >= 0) this.handlers.splice(i, 1)
    }
  }

  /**
   * A bar reached the session (before the strategy sees it). A bar mark waiting for this bar is delivered once
   * the strategy is done with it, as the loop runs its next due work before the next bar.
   */
  onBar(): void {
    this.bars++
    if (this.next >= this.inbound.length) return
    const i = this.inbound[this.next]
    const r = this.records[i]
    if (r.type === BAR_MARK && (r.data as number) <= this.bars && this.matcher.cursor === i) this.loop.scheduleFirst(this.loop.clock.now(), this.pump)
  }

  /** Recorded requests the replay never made (call at the end). */
  unmadeRequests(): number[] {
    return this.requestIndices.filter((i) => this.consumed[i] === 0)
  }

  private answer(op: string, args: unknown, differs?: (rec: JournalRecord) => string | undefined): Promise<unknown> {
    const index = this.takeRequest(op, args)
    const now = this.loop.clock.now()
    if (index < 0) {
      this.matcher.report({kind: 'unexpected_request', t: now, detail: `replay sent ${op} ${JSON.stringify(args)}; the recording has no such request`})
      // Nothing recorded can answer it: it stays unanswered, as a request lost on the wire would.
      return new Promise(() => {})
    }
    const d = differs?.(this.records[index])
    if (d) this.matcher.report({kind: 'request_differs', t: now, index, detail: d})
    const answer = this.answerOf[index]
    if (answer < 0) return new Promise(() => {})
    return new Promise((resolve, reject) => this.pending.set(answer, {resolve, reject}))
  }

  private pumping = false

  private onAdvance(): void {
    // Inside the pump the loop goes on by itself; outside, the next message is due right after the current work.
    if (this.pumping || this.next >= this.inbound.length) return
    const i = this.inbound[this.next]
    const now = this.loop.clock.now()
    if (this.records[i].t > now) this.arm()
    else if (this.matcher.cursor === i) this.loop.scheduleFirst(now, this.pump)
  }

  private arm(): void {
    if (this.next >= this.inbound.length) return
    const i = this.inbound[this.next]
    if (this.armedFor === i) return
    this.armedFor = i
    this.loop.scheduleFirst(this.records[i].t, this.pump)
  }

  /** Delivers every recorded message that is due: its time has come and the recording's preceding records are reproduced. */
  private readonly pump = (): void => {
    this.pumping = true
    try {
      this.deliverDue()
    } finally {
      this.pumping = false
    }
  }

  private deliverDue(): void {
    const now = this.loop.clock.now()
    while (this.next < this.inbound.length) {
      const i = this.inbound[this.next]
      const rec = this.records[i]
      if (rec.t > now) return this.arm()
      if (this.matcher.cursor > i) {
        // Passed without delivery (cannot happen while the matcher stops at undelivered messages); keep going.
        this.next++
        continue
      }
      if (this.matcher.cursor < i) {
        // What preceded it in the recording has not happened yet: wait for it, but not past this instant.
        if (now > rec.t) this.matcher.skipTo(i)
        else {
          this.loop.schedule(rec.t + 1, this.pump)
          return
        }
      }
      if (rec.type === BAR_MARK || rec.type === OUTSIDE_FAILED) {
        // Written again as recorded. A mark not before the bar it follows in the recording (onBar brings the
        // pump back when that bar has come).
        if (rec.type === BAR_MARK && (rec.data as number) > this.bars) return
        this.next++
        if (this.journal) this.journal.append(rec)
        else this.matcher.skipTo(i + 1)
        continue
      }
      this.next++
      this.delivered++
      if (rec.type === 'event') {
        const event = rec.data as BrokerEvent
        for (const h of this.handlers) h(event)
        continue
      }
      const p = this.pending.get(i)
      if (!p) {
        // An answer to a request the replay never made: skip it (reported with the unmade requests).
        this.matcher.skipTo(i + 1)
        continue
      }
      this.pending.delete(i)
      const c = rec.data as Call
      // Settling a promise starts its caller's continuation: the loop must let it run before time moves on.
      this.loop.markAsync()
      if (c.error) p.reject(rebuildError(c.error, this.venue))
      else {
        const result = c.same === undefined ? c.result : this.resultOf(c.same)
        p.resolve(result === null ? undefined : result)
      }
      // Its record is written by that continuation; the matcher's advance brings the pump back.
      return
    }
  }
}

/** The typed broker error a recorded answer carried, so the engine takes the same branch as in the session. */
export function rebuildError(e: RecordedError, venue: string): Error {
  const code = e.code ?? undefined
  switch (e.name) {
    case 'RateLimitError':
      return new errors.RateLimitError(e.message, venue, e.resetAt ?? 0, code)
    case 'NetworkError':
      return new errors.NetworkError(e.message, venue, code)
    case 'RequestTimeoutError':
      return new errors.RequestTimeoutError(e.message, venue, code)
    case 'VenueUnavailableError':
      return new errors.VenueUnavailableError(e.message, venue, code)
    case 'RetryableError':
      return new errors.RetryableError(e.message, venue, code)
    case 'OrderRejectedError':
      return new errors.OrderRejectedError(e.message, venue, code)
    case 'InsufficientFundsError':
      return new errors.InsufficientFundsError(e.message, venue, code)
    case 'InvalidOrderError':
      return new errors.InvalidOrderError(e.message, venue, code)
    case 'MarketClosedError':
      return new errors.MarketClosedError(e.message, venue, code)
    case 'DuplicateClientOrderIdError':
      return new errors.DuplicateClientOrderIdError(e.message, venue, code)
    case 'OrderNotFoundError':
      return new errors.OrderNotFoundError(e.message, venue, code)
    case 'AuthenticationError':
      return new errors.AuthenticationError(e.message, venue, code)
    case 'FinalError':
      return new errors.FinalError(e.message, venue, code)
    // The resilience layer's own refusals (src/broker/resilience/errors.ts), rebuilt as their base class under
    // their own name, so the adapter takes the same branch and the replayed journal records the same name.
    case 'CircuitOpenError':
      return renamed(new errors.VenueUnavailableError(e.message, venue, code), e.name)
    case 'RateLimitWaitTooLongError':
      return renamed(new errors.RateLimitError(e.message, venue, e.resetAt ?? 0, code), e.name)
    case 'TransportClosedError':
      return renamed(new errors.NetworkError(e.message, venue, code), e.name)
    default:
      return new Error(e.message)
  }
}

function renamed<E extends Error>(err: E, name: string): E {
  err.name = name
  return err
}
