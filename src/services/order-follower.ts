/**
 * Order following for the buyer and the seller (ALP-12): an order is written to the store as an intent BEFORE its
 * request leaves, then followed through venue events and, because events can be late or lost, a bounded status
 * poll with backoff, until it is final or times out. Nothing is ever assumed: the filled quantity is what the
 * venue reported (cumulative reports and executions, each execution once), and at the timeout the unfilled
 * remainder is cancelled or left working by policy. A rate-limited or failed submission is re-sent with the same
 * client order id, so it can never become a second order.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Fill} from '../core/fill.js'
import type {OrderRequest, OrderSnapshot, TimeInForce} from '../core/order.js'
import {STATUS_RANK} from '../core/order-state.js'
import {isRetryable} from '../broker/errors.js'
import {type PortRetry, RetryAbortedError} from '../broker/resilience/port-retry.js'
import type {TimerHandle} from '../core/time/scheduler.js'
import type {StrategyContext} from '../engine/strategy.js'
import type {SubmitOutcome} from '../engine/order-gateway.js'
import {NS, type OrderPurpose, type OrderRecord, type RecordStatus} from '../state/pipeline-state.js'
import type {StateStore, StoreWriter} from '../state/store.js'
import type {PipelineConfig} from './config.js'
import {unlessStopped} from './context.js'

const EPS = 1e-9

export interface PlaceRequest {
  readonly clientOrderId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly qty: number
  readonly tif: TimeInForce
  readonly purpose: OrderPurpose
  readonly sourceId: string
  readonly reason: string
  readonly remainder: 'cancel' | 'keep'
}

/** The core order ranks, plus 'intent' (not sent yet) and 'lost' (the venue never knew it: final). */
const RANK: Record<RecordStatus, number> = {...STATUS_RANK, intent: STATUS_RANK.initialized, lost: STATUS_RANK.filled}

export function isFinal(status: RecordStatus): boolean {
  return RANK[status] === 5
}

/**
 * Final, and its executions add up to its filled quantity: nothing the venue could report would change it. Anything
 * else the start-up reconciliation looks up at the venue (a final report can overtake its execution, and a kill can
 * land between them).
 */
export function isComplete(rec: OrderRecord): boolean {
  return isFinal(rec.status) && Math.abs(execTotals(rec).qty - rec.filledQty) <= EPS
}

/** Open on the venue (or possibly about to be): anything not final. */
export function isLive(rec: OrderRecord): boolean {
  return !isFinal(rec.status)
}

export function execTotals(rec: OrderRecord): {qty: number; notional: number; fees: number} {
  let qty = 0
  let notional = 0
  let fees = 0
  for (const e of Object.values(rec.execs)) {
    qty += e.qty
    notional += e.qty * e.price
    fees += e.fee
  }
  return {qty, notional, fees}
}

interface Following {
  bars: number
  polls: number
  delay: number
  timer: TimerHandle | undefined
  polling: boolean
}

export interface FollowerDeps {
  readonly ctx: StrategyContext
  readonly store: StateStore
  readonly writer: StoreWriter
  readonly retry: PortRetry
  readonly config: PipelineConfig['orders']
  /** Every change to a record (fills, status, settled), after it is in the store. */
  readonly onUpdate: (next: OrderRecord, prev: OrderRecord) => void
}

export class OrderFollower {
  private readonly following = new Map<string, Following>()
  private readonly bySymbol = new Map<string, Set<string>>()
  private readonly fetching = new Set<string>()
  private stopped = false

  constructor(private readonly d: FollowerDeps) {}

  /** Records the intent, then sends the order (through the retry policy and request budget) and follows it. */
  place(p: PlaceRequest): OrderRecord {
    const now = this.d.ctx.clock.now()
    const rec: OrderRecord = {
      clientOrderId: p.clientOrderId,
      symbol: p.symbol,
      side: p.side,
      qty: p.qty,
      purpose: p.purpose,
      sourceId: p.sourceId,
      reason: p.reason,
      status: 'intent',
      filledQty: 0,
      avgFillPrice: 0,
      execs: {},
      createdAt: now,
      updatedAt: now,
      remainder: p.remainder,
      timedOut: false,
      settled: false,
    }
    this.d.writer.set(NS.orders, rec.clientOrderId, rec)
    this.watch(rec.clientOrderId, rec.symbol)
    const req: OrderRequest = {clientOrderId: p.clientOrderId, symbol: p.symbol, side: p.side, type: 'market', qty: p.qty, tif: p.tif}
    const id = p.clientOrderId
    this.d.retry
      .run(`submit ${id}`, (attempt) =>
        (attempt === 1 ? this.d.ctx.orders.submit(req, {reason: p.reason}) : this.d.ctx.orders.resend(id)).then((out) => {
          // A retryable refusal (rate limit, venue unavailable) goes back to the policy; an unknown outcome does not:
          // the venue may have the order, so it is found by polling, never by sending again.
          if (!out.ok && !out.final && out.code !== 'unknown_outcome' && out.cause && isRetryable(out.cause)) throw out.cause
          return out
        }),
      )
      .then(
        (out) => this.guard(() => this.submitted(id, out)),
        (err: unknown) => this.guard(() => this.submitFailed(id, err)),
      )
    return rec
  }

  /** Follows an order already in the store (after a restart, or one found on the venue): polls it soon. */
  follow(clientOrderId: string): void {
    const rec = this.d.store.get(NS.orders, clientOrderId)
    if (!rec || isFinal(rec.status)) return
    this.watch(clientOrderId, rec.symbol)
    this.schedulePoll(clientOrderId, 0)
  }

  /** Asks the venue for the order now (reconciliation found it missing from the open orders). */
  pollNow(clientOrderId: string): void {
    const rec = this.d.store.get(NS.orders, clientOrderId)
    if (!rec || isFinal(rec.status)) return
    this.watch(clientOrderId, rec.symbol)
    this.poll(clientOrderId)
  }

  /** Cancels the working remainder of an order and follows it to its final state. */
  cancel(clientOrderId: string, why: string): void {
    const rec = this.d.store.get(NS.orders, clientOrderId)
    if (!rec || isFinal(rec.status)) return
    this.d.ctx.record('order_cancel', {clientOrderId, why, filledQty: rec.filledQty, qty: rec.qty})
    this.watch(clientOrderId, rec.symbol)
    this.d.retry
      .run(`cancel ${clientOrderId}`, () =>
        this.d.ctx.orders.cancelWithCause({clientOrderId}).then((r) => {
          if (!r.ok && isRetryable(r.cause)) throw r.cause
          return r
        }),
      )
      .then(
        () => this.guard(() => this.schedulePoll(clientOrderId, this.d.config.pollMs)),
        (err: unknown) => this.guard(() => {
          if (!(err instanceof RetryAbortedError)) this.schedulePoll(clientOrderId, this.d.config.pollMs)
        }),
      )
  }

  onEvent(e: BrokerEvent): void {
    if (this.stopped) return
    if (e.kind === 'order') this.applySnapshot(e.order)
    else if (e.kind === 'execution') this.applyFill(e.fill)
  }

  /** A bar of `symbol` closed: counts toward the timeouts of its orders. */
  onBar(symbol: string): void {
    const ids = this.bySymbol.get(symbol)
    if (!ids || ids.size === 0) return
    for (const id of [...ids]) {
      const f = this.following.get(id)
      if (!f) continue
      f.bars++
      this.checkTimeout(id)
      // Timed polls used up: one query per bar, the moments at which the order could have traded.
      if (f.polls >= this.d.config.maxPolls && !f.timer && !f.polling && !this.kept(id)) this.poll(id)
    }
  }

  /** Applies the venue's report of an order (event, poll or reconciliation). Returns true if it changed the record. */
  applySnapshot(s: OrderSnapshot): boolean {
    const rec = this.d.store.get(NS.orders, s.clientOrderId)
    if (!rec) return false
    const status = advance(rec.status, s.status === 'initialized' ? 'submitted' : s.status)
    const exec = execTotals(rec)
    const filled = Math.max(rec.filledQty, Math.min(s.filledQty, rec.qty), exec.qty)
    const avg = exec.qty >= filled - EPS && exec.qty > 0 ? exec.notional / exec.qty : s.filledQty >= filled - EPS && s.filledQty > 0 ? s.avgFillPrice : rec.avgFillPrice
    if (status === rec.status && filled === rec.filledQty && avg === rec.avgFillPrice && rec.venueOrderId === s.venueOrderId) return false
    this.write({...rec, status, filledQty: filled, avgFillPrice: avg, venueOrderId: s.venueOrderId, updatedAt: this.d.ctx.clock.now()}, rec)
    return true
  }

  /** Applies one of the venue's execution reports (event, or the start-up's execution list), once per execution id. */
  applyExecution(fill: Fill): void {
    this.applyFill(fill)
  }

  /**
   * Passes a record through again as if it had just changed (start-up, after the venue's reports are in): a final one
   * is settled if its executions are all there, or its executions are fetched; the owner sees it (positions derived).
   */
  revisit(clientOrderId: string): void {
    const rec = this.d.store.get(NS.orders, clientOrderId)
    if (rec) this.write(rec, rec)
  }

  stop(): void {
    this.stopped = true
    for (const f of this.following.values()) f.timer?.cancel()
    this.following.clear()
    this.bySymbol.clear()
  }

  private applyFill(fill: Fill): void {
    const rec = this.d.store.get(NS.orders, fill.clientOrderId)
    if (!rec || rec.execs[fill.execId]) return
    const execs = {...rec.execs, [fill.execId]: {qty: fill.qty, price: fill.price, fee: fill.fee, ts: fill.ts}}
    const next = {...rec, execs}
    const exec = execTotals(next)
    const filled = Math.max(rec.filledQty, Math.min(exec.qty, rec.qty))
    const avg = exec.qty >= filled - EPS ? exec.notional / exec.qty : rec.avgFillPrice
    const status = filled >= rec.qty - EPS ? advance(rec.status, 'filled') : advance(rec.status, 'partially_filled')
    this.write({...next, filledQty: filled, avgFillPrice: avg, status, updatedAt: this.d.ctx.clock.now()}, rec)
  }

  private submitted(id: string, out: SubmitOutcome): void {
    const rec = this.d.store.get(NS.orders, id)
    if (!rec) return
    const now = this.d.ctx.clock.now()
    if (out.ok) {
      this.write({...rec, status: advance(rec.status, 'accepted'), venueOrderId: rec.venueOrderId ?? out.receipt.venueOrderId, updatedAt: now}, rec)
    } else if (out.final) {
      this.d.ctx.record('order_refused', {clientOrderId: id, code: out.code, message: out.message})
      this.write({...rec, status: advance(rec.status, 'rejected'), updatedAt: now}, rec)
      return
    } else {
      // Outcome unknown: the venue may have it. Find out by asking, never by sending again.
      this.write({...rec, status: advance(rec.status, 'submitted'), updatedAt: now}, rec)
    }
    this.schedulePoll(id, this.d.config.pollMs)
  }

  private submitFailed(id: string, err: unknown): void {
    if (err instanceof RetryAbortedError) return
    const rec = this.d.store.get(NS.orders, id)
    if (!rec) return
    this.d.ctx.log.warn('order submission gave up retrying; polling the venue for it', {clientOrderId: id, error: String(err)})
    this.d.ctx.record('order_submit_failed', {clientOrderId: id, error: err instanceof Error ? err.message : String(err)})
    this.write({...rec, status: advance(rec.status, 'submitted'), updatedAt: this.d.ctx.clock.now()}, rec)
    this.schedulePoll(id, this.d.config.pollMs)
  }

  private schedulePoll(id: string, delayMs: number): void {
    const f = this.following.get(id)
    if (!f || this.stopped) return
    f.timer?.cancel()
    f.delay = Math.max(delayMs, 0)
    f.timer = this.d.ctx.scheduler.after(f.delay, () => {
      f.timer = undefined
      this.poll(id)
    })
  }

  private poll(id: string): void {
    const f = this.following.get(id)
    if (!f || f.polling || this.stopped) return
    f.polling = true
    f.polls++
    this.d.retry.run(`getOrder ${id}`, () => this.d.ctx.broker.getOrder({clientOrderId: id})).then(
      (snap) => this.guard(() => {
        f.polling = false
        const rec = this.d.store.get(NS.orders, id)
        if (!rec) return
        if (snap) this.applySnapshot(snap)
        else if (this.timedOut(id, rec) && (rec.status === 'intent' || rec.status === 'submitted')) {
          // Past the timeout and the venue has never heard of it: it was never placed.
          this.d.ctx.record('order_lost', {clientOrderId: id})
          this.write({...rec, status: 'lost', updatedAt: this.d.ctx.clock.now()}, rec)
        }
        this.afterPoll(id)
      }),
      (err: unknown) => this.guard(() => {
        f.polling = false
        if (err instanceof RetryAbortedError) return
        this.afterPoll(id)
      }),
    )
  }

  private afterPoll(id: string): void {
    const rec = this.d.store.get(NS.orders, id)
    const f = this.following.get(id)
    if (!rec || !f || isFinal(rec.status)) return
    this.checkTimeout(id)
    // A remainder kept working is left to events and the periodic reconciliation: the poll is bounded.
    if (this.kept(id)) {
      this.release(id, false)
      return
    }
    if (f.polls < this.d.config.maxPolls) this.schedulePoll(id, Math.min(this.d.config.pollMaxMs, Math.max(this.d.config.pollMs, f.delay * 2)))
  }

  /** A remainder left working after its timeout: events and the periodic reconciliation follow it, not polls. */
  private kept(id: string): boolean {
    const rec = this.d.store.get(NS.orders, id)
    return rec !== undefined && rec.timedOut && rec.remainder === 'keep' && rec.status !== 'intent' && rec.status !== 'submitted'
  }

  private timedOut(id: string, rec: OrderRecord): boolean {
    const f = this.following.get(id)
    return this.d.ctx.clock.now() - rec.createdAt >= this.d.config.timeoutMs && (f?.bars ?? 0) >= this.d.config.timeoutBars
  }

  private checkTimeout(id: string): void {
    const rec = this.d.store.get(NS.orders, id)
    if (!rec || isFinal(rec.status) || rec.timedOut || !this.timedOut(id, rec)) return
    // Never acknowledged: the next poll decides between "found" and "lost".
    if (rec.status === 'intent' || rec.status === 'submitted') return
    this.d.ctx.record('order_timeout', {clientOrderId: id, filledQty: rec.filledQty, qty: rec.qty, remainder: rec.remainder})
    this.write({...rec, timedOut: true, updatedAt: this.d.ctx.clock.now()}, rec)
    if (rec.remainder === 'cancel') this.cancel(id, 'timeout')
  }

  private write(next: OrderRecord, prev: OrderRecord): void {
    let rec = next
    if (isFinal(rec.status) && !rec.settled) {
      const exec = execTotals(rec)
      if (exec.qty >= rec.filledQty - EPS) rec = {...rec, settled: true}
      else this.fetchExecutions(rec.clientOrderId)
    }
    this.d.writer.set(NS.orders, rec.clientOrderId, rec)
    // Final orders stop being followed; a 'lost' one that shows up after all is found by the reconciliation.
    if (isFinal(rec.status)) this.release(rec.clientOrderId, true)
    this.d.onUpdate(rec, prev)
  }

  /** A final order whose executions did not all arrive (lost frames): fetch them for exact prices and fees. */
  private fetchExecutions(id: string): void {
    if (this.fetching.has(id)) return
    this.fetching.add(id)
    const rec = this.d.store.get(NS.orders, id)
    const since = rec ? rec.createdAt : 0
    this.d.retry.run(`executions ${id}`, () => this.d.ctx.broker.executionsSince(since)).then(
      (fills) => this.guard(() => {
        this.fetching.delete(id)
        const cur = this.d.store.get(NS.orders, id)
        if (!cur) return
        const execs = {...cur.execs}
        for (const f of fills) if (f.clientOrderId === id && !execs[f.execId]) execs[f.execId] = {qty: f.qty, price: f.price, fee: f.fee, ts: f.ts}
        const t = execTotals({...cur, execs})
        const avg = t.qty > 0 && t.qty >= cur.filledQty - EPS ? t.notional / t.qty : cur.avgFillPrice
        // Settled either way: what the venue's execution list holds is all there is to know.
        const next = {...cur, execs, filledQty: Math.max(cur.filledQty, Math.min(t.qty, cur.qty)), avgFillPrice: avg, settled: true, updatedAt: this.d.ctx.clock.now()}
        this.d.writer.set(NS.orders, id, next)
        this.d.onUpdate(next, cur)
      }),
      () => this.guard(() => {
        this.fetching.delete(id)
        const cur = this.d.store.get(NS.orders, id)
        if (!cur || cur.settled) return
        const next = {...cur, settled: true}
        this.d.writer.set(NS.orders, id, next)
        this.d.onUpdate(next, cur)
      }),
    )
  }

  private watch(id: string, symbol: string): void {
    if (this.following.has(id)) return
    this.following.set(id, {bars: 0, polls: 0, delay: 0, timer: undefined, polling: false})
    let set = this.bySymbol.get(symbol)
    if (!set) this.bySymbol.set(symbol, (set = new Set()))
    set.add(id)
  }

  private release(id: string, final: boolean): void {
    const f = this.following.get(id)
    if (!f) return
    f.timer?.cancel()
    if (!final) return
    this.following.delete(id)
    for (const set of this.bySymbol.values()) set.delete(id)
  }

  private guard(fn: () => void): void {
    unlessStopped(() => this.stopped, fn, (err) => this.d.ctx.log.error('order follower failed', {error: String(err)}))
  }
}

/** Statuses only move forward; a final one stays, except 'lost', which the venue can prove wrong. */
export function advance(cur: RecordStatus, next: RecordStatus): RecordStatus {
  if (cur === next) return cur
  if (cur === 'lost') return next
  if (isFinal(cur)) return cur
  return RANK[next] > RANK[cur] ? next : cur
}
