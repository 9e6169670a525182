/**
 * The one way orders leave the engine: submit, cancel and amend. Each passes the session's pre-trade pipeline
 * (pre-trade.ts, given at construction) and has its intent journaled BEFORE the request goes out (GRID-04:
 * `intent`, `cancel_intent`, `amend_intent`); the venue's answer is applied to the tracker, and a submission
 * whose outcome is unknown is resolved by querying its client order id, never by sending a new order.
 */
import type {OrderRequest, OrderSnapshot} from '../core/order.js'

/** Queries spent resolving a submission whose answer was lost, before giving up (order stays 'submitted'). */
const UNKNOWN_OUTCOME_QUERIES = 3
import {BrokerError, DuplicateClientOrderIdError, FinalError, isRetryable, RequestTimeoutError} from '../broker/errors.js'
import type {AmendRequest, OrderRef, SubmitReceipt, BrokerPort} from '../broker/port.js'
import type {AccountView} from './account-view.js'
import type {Clock} from '../core/time/clock.js'
import type {JournalSink} from './journal.js'
import {PreTradePipeline} from './pre-trade.js'

export type {PreTradeDecision} from './pre-trade.js'

/** Journal record of an amend about to be sent (written before the request, like `intent` and `cancel_intent`). */
export const AMEND_INTENT = 'amend_intent'

/** An amend the pre-trade pipeline refused: never sent. `code` is `risk:<stage's code>`, as for a refused submit. */
export class PreTradeRefusedError extends FinalError {
  override name = 'PreTradeRefusedError'
}

export interface OrderMeta {
  /** Why the order was sent: 'entry', 'signal', 'stop_loss', ... (kept for the trade list). */
  readonly reason?: string
}

export type SubmitOutcome =
  | {readonly ok: true; readonly receipt: SubmitReceipt}
  | {readonly ok: false; readonly final: boolean; readonly code: string; readonly message: string; readonly cause?: BrokerError}

export class OrderGateway {
  /** Rejections by code (venue rejects and local ones), for the report and metrics. */
  readonly rejections = new Map<string, number>()
  /** Orders the venue refused outright (they never existed there), most recent last, bounded. */
  readonly refused: {readonly request: OrderRequest; readonly ts: number; readonly code: string; readonly message: string}[] = []
  submitted = 0
  /** Calls that return a promise (submit, resend, cancel, amend): the bar loop settles their quick continuations. */
  calls = 0

  /** `preTrade`: the session's checks, composed once by the wiring (src/run/pre-trade-stages.ts); none by default. */
  constructor(
    private readonly broker: BrokerPort,
    private readonly view: AccountView,
    private readonly clock: Clock,
    private readonly journal: JournalSink,
    private readonly preTrade: PreTradePipeline = PreTradePipeline.none,
  ) {}

  async submit(req: OrderRequest, meta: OrderMeta = {}): Promise<SubmitOutcome> {
    this.calls++
    const t = this.clock.now()
    // Tracked, or retired after it ended: an id is sent once in a session, however long ago.
    if (this.view.orders.knows(req.clientOrderId)) {
      return {ok: false, final: true, code: 'duplicate_intent', message: `order ${req.clientOrderId} was already sent`}
    }
    const check = this.preTrade.check({kind: 'submit', request: req}, t)
    if (!check.ok) {
      // Refused before the venue: journaled and counted with its reason, never sent.
      this.journal.append({t, type: 'risk_rejected', data: {clientOrderId: req.clientOrderId, symbol: req.symbol, code: check.code, reason: check.reason}})
      this.rejections.set(`risk:${check.code}`, (this.rejections.get(`risk:${check.code}`) ?? 0) + 1)
      return {ok: false, final: true, code: `risk:${check.code}`, message: check.reason}
    }
    // The reason lives on the tracked order, so it is forgotten with it (no per-order map growing all session).
    const tracked = this.view.orders.track(req, t)
    if (meta.reason) tracked.intent = meta.reason
    this.journal.append({t, type: 'intent', data: {request: req, reason: meta.reason}})
    this.view.orders.markSubmitted(req.clientOrderId, t)
    this.submitted++
    try {
      const receipt = await this.broker.submitOrder(req)
      this.view.orders.markAccepted(req.clientOrderId, receipt.venueOrderId, this.clock.now())
      return {ok: true, receipt}
    } catch (err) {
      if (err instanceof RequestTimeoutError) return this.resolveUnknown(req)
      return this.rejected(req, err)
    }
  }

  /**
   * Sends a tracked order again after its request failed with a retryable answer (rate limit, venue unavailable):
   * the same request and client order id, so it can never become a second order. If the venue did take the first
   * attempt it answers "duplicate id" (or the answer is lost), and the order is then found by querying it.
   */
  async resend(clientOrderId: string): Promise<SubmitOutcome> {
    this.calls++
    const tracked = this.view.orders.get(clientOrderId)
    if (!tracked || tracked.status !== 'submitted') {
      return {ok: false, final: true, code: 'not_resendable', message: `order ${clientOrderId} is ${tracked?.status ?? 'not tracked'}; only a sent order whose request failed can be sent again`}
    }
    const req = tracked.request
    this.journal.append({t: this.clock.now(), type: 'resend', data: {clientOrderId}})
    try {
      const receipt = await this.broker.submitOrder(req)
      this.view.orders.markAccepted(req.clientOrderId, receipt.venueOrderId, this.clock.now())
      return {ok: true, receipt}
    } catch (err) {
      if (err instanceof RequestTimeoutError || err instanceof DuplicateClientOrderIdError) return this.resolveUnknown(req)
      return this.rejected(req, err)
    }
  }

  async cancel(ref: OrderRef): Promise<boolean> {
    this.calls++
    this.journal.append({t: this.clock.now(), type: 'cancel_intent', data: ref})
    try {
      await this.broker.cancelOrder(ref)
      return true
    } catch (err) {
      const code = err instanceof BrokerError ? (err.code ?? err.name) : 'error'
      this.journal.append({t: this.clock.now(), type: 'cancel_failed', data: {ref, code}})
      return false
    }
  }

  /** Like `cancel`, but returns the venue's error, so a retry policy can honour a rate limit's reset time. */
  async cancelWithCause(ref: OrderRef): Promise<{readonly ok: true} | {readonly ok: false; readonly code: string; readonly cause: unknown}> {
    this.calls++
    this.journal.append({t: this.clock.now(), type: 'cancel_intent', data: ref})
    try {
      await this.broker.cancelOrder(ref)
      return {ok: true}
    } catch (err) {
      const code = err instanceof BrokerError ? (err.code ?? err.name) : 'error'
      this.journal.append({t: this.clock.now(), type: 'cancel_failed', data: {ref, code}})
      return {ok: false, code, cause: err}
    }
  }

  /**
   * Changes a working order (quantity, limit or stop price). Passes the pre-trade pipeline (an amend that adds
   * exposure is checked like an entry; see src/run/pre-trade-stages.ts); refused, it is journaled (`risk_rejected`) and the
   * promise rejects with a PreTradeRefusedError, nothing sent. Passed, its `amend_intent` is journaled, then the
   * request goes out on the port; the promise is the port's own (it resolves when the venue took the amend and
   * rejects with the venue's error), so a caller switching from the port keeps its timing.
   */
  amend(ref: OrderRef, changes: AmendRequest): Promise<void> {
    this.calls++
    const t = this.clock.now()
    const tracked = 'clientOrderId' in ref ? this.view.orders.get(ref.clientOrderId) : this.view.orders.byVenueId(ref.venueOrderId)
    const check = this.preTrade.check({kind: 'amend', ref, changes, order: tracked}, t)
    if (!check.ok) {
      const order = tracked ? {clientOrderId: tracked.request.clientOrderId, symbol: tracked.request.symbol} : {ref}
      this.journal.append({t, type: 'risk_rejected', data: {...order, code: check.code, reason: check.reason, amend: changes}})
      this.rejections.set(`risk:${check.code}`, (this.rejections.get(`risk:${check.code}`) ?? 0) + 1)
      return Promise.reject(new PreTradeRefusedError(check.reason, this.broker.venue, `risk:${check.code}`))
    }
    this.journal.append({t, type: AMEND_INTENT, data: {ref, changes}})
    return this.broker.amendOrder(ref, changes)
  }

  /** Why an order was sent, while the tracker keeps it (open, or among the recently ended: see `TrackerLimits`). */
  reasonOf(clientOrderId: string): string | undefined {
    return this.view.orders.get(clientOrderId)?.intent
  }

  /** Counts a rejection decided before the venue (risk, sizing), with its reason. */
  rejectLocally(code: string): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1)
  }

  private async resolveUnknown(req: OrderRequest): Promise<SubmitOutcome> {
    let found: OrderSnapshot | undefined
    for (let attempt = 1; ; attempt++) {
      try {
        found = await this.broker.getOrder({clientOrderId: req.clientOrderId})
        break
      } catch (err) {
        // A failed query says nothing about the order: only a definite "not found" makes a resend safe.
        if (!isRetryable(err) || attempt >= UNKNOWN_OUTCOME_QUERIES) {
          this.journal.append({t: this.clock.now(), type: 'unknown_outcome', data: {clientOrderId: req.clientOrderId}})
          return {ok: false, final: false, code: 'unknown_outcome', message: `order ${req.clientOrderId}: outcome unknown and the venue could not be queried; do not resend before it is resolved`}
        }
      }
    }
    if (found) {
      this.view.orders.applySnapshot(found, this.clock.now())
      this.view.orders.markAccepted(req.clientOrderId, found.venueOrderId, this.clock.now())
      return {ok: true, receipt: {clientOrderId: req.clientOrderId, venueOrderId: found.venueOrderId, ts: found.createdAt}}
    }
    return {ok: false, final: false, code: 'unknown_outcome', message: `order ${req.clientOrderId}: no answer and the venue does not know it; safe to resend with the same id`}
  }

  private rejected(req: OrderRequest, err: unknown): SubmitOutcome {
    // Anything but a venue answer is a bug in our code: let it surface.
    if (!(err instanceof BrokerError)) throw err
    const final = err instanceof FinalError
    const code = err.code ?? err.name
    const message = err.message
    if (final) {
      this.view.orders.markRejected(req.clientOrderId, message, this.clock.now())
      this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1)
      if (this.refused.length < 10_000) this.refused.push({request: req, ts: this.clock.now(), code, message})
    }
    this.journal.append({t: this.clock.now(), type: final ? 'rejected' : 'retryable_error', data: {clientOrderId: req.clientOrderId, code, message}})
    return {ok: false, final, code, message, cause: err}
  }
}
