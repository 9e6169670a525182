/**
 * The order desk: sends the planner's intents (submit, amend, cancel) and applies what their outcomes mean for the
 * slot and its leg. The only place the grid amends an order.
 */
import type {OrderRequest} from '../../src/core/order.js'
import {RateLimitError} from '../../src/broker/errors.js'
import type {SubmitOutcome} from '../../src/engine/order-gateway.js'
import type {Leg, Slot, SymbolGrid} from './model.js'
import type {Role} from './order-ids.js'
import {errorText, type GridRuntime} from './runtime.js'

const ROLE_NAME: Record<Role, string> = {o: 'opening', r: 'reopen', e: 'averaging entry', t: 'take-profit'}

export class GridOrders {
  constructor(private readonly rt: GridRuntime) {}

  /** Sends a slot's order. The slot is already in the model and the gateway tracks it before the request. */
  send(g: SymbolGrid, leg: Leg, slot: Slot, req: OrderRequest, reason: string): void {
    const rt = this.rt
    if (rt.emergency.active) {
      rt.parts.slots.slotEnded(g, leg, slot, 'abandoned')
      return
    }
    slot.status = 'sending'
    // With a durable state (stateDir) the slot and the order number are on disk before the request leaves (DESIGN
    // property 4): a restart then knows the order even if it ended meanwhile, and never reuses its number.
    if (rt.params.stateDir !== undefined) rt.hooks.persistence.persist()
    rt.call('submit', rt.ctx.orders.submit(req, {reason}), (out) => this.onSubmitted(g, leg, slot, out))
  }

  private onSubmitted(g: SymbolGrid, leg: Leg, slot: Slot, out: SubmitOutcome): void {
    const rt = this.rt
    const now = rt.now()
    if (out.ok) {
      slot.venueOrderId = out.receipt.venueOrderId
      if (slot.status === 'sending' || slot.status === 'unknown') {
        slot.status = 'open'
        rt.parts.merge.acked(leg, slot, out.receipt.ts, 'receipt')
      }
      if (slot.role === 't') rt.emergency.tpPlaced()
      return
    }
    if (out.code === 'unknown_outcome' && !out.final) {
      // The venue may have it: the next sync finds out; never resend blindly.
      if (slot.status !== 'done') slot.status = 'unknown'
      return
    }
    if (slot.status === 'done') return
    // The request never reached the book: keep the engine's tracker from holding it open forever.
    if (!out.final) rt.ctx.account.orders.markRejected(slot.cid, `not placed: ${out.code}`, now)
    rt.parts.slots.slotEnded(g, leg, slot, 'rejected')
    const cause = (out as {cause?: unknown}).cause
    const limitedUntil = cause instanceof RateLimitError ? cause.resetAt - now : 0
    const waitMs = Math.max(limitedUntil, slot.role === 't' ? Math.min(rt.params.retryMs, 1000) : rt.params.retryMs)
    rt.ctx.log.warn(`grid: ${g.symbol} ${leg.side} ${ROLE_NAME[slot.role]} ${slot.cid} not placed (${out.code}: ${out.message}); trying again after ${waitMs} ms`)
    const rateLimited = cause instanceof RateLimitError || out.code === '10006' || out.code === '429'
    if (slot.role === 't') {
      // A rate limit is the budget saying "wait", not a failed close.
      if (leg.size > 0 && out.code !== 'reduce_only_flat' && !rateLimited) {
        rt.metrics.failedTp.inc()
        const reason = rt.emergency.tpFailed(now)
        if (reason) rt.hooks.lifecycle.onEmergency(reason)
      }
      leg.tpBlockedUntil = now + waitMs
      rt.wake(leg.tpBlockedUntil)
      // Refused by the venue itself (reduce-only on a flat or smaller leg, usually): the model of the leg is wrong.
      // Sending it again would be refused again, every retry (simtest seed 50789): ask the venue first.
      if (out.final && !rateLimited) rt.parts.sync.recheckLeg(g, leg, `${out.code}: ${out.message}`)
    } else {
      rt.block(leg, now + waitMs)
      if (rateLimited && slot.role === 'e') rt.parts.planner.keepCheck(leg, slot.role, slot.level, now + waitMs + rt.params.syncIntervalMs)
    }
  }

  /** The take-profit follows the leg's size and average by amending it (one order, never two, never none). */
  amendTp(g: SymbolGrid, leg: Leg, tp: Slot, qty: number, price: number): void {
    const rt = this.rt
    tp.status = 'amending'
    const version = leg.version
    rt.call(
      'amend-tp',
      rt.ctx.orders.amend({clientOrderId: tp.cid}, {qty, limitPrice: price}),
      () => {
        if (tp.status !== 'amending') return
        tp.status = 'open'
        tp.qty = qty
        tp.price = price
        tp.forVersion = version
      },
      (err) => {
        if (tp.status !== 'amending') return
        tp.status = 'open'
        this.backOff(tp, err)
        rt.ctx.log.warn(`grid: amending take-profit ${tp.cid} failed (${errorText(err)}); checking the order`)
        rt.parts.merge.resolveSlot(g, leg, tp)
      },
    )
  }

  cancelSlot(g: SymbolGrid, leg: Leg, slot: Slot, reason: string): void {
    const rt = this.rt
    if (slot.status !== 'open' || rt.now() < slot.notBefore) return
    slot.status = 'cancelling'
    slot.cancelReason = reason
    rt.call('cancel', rt.ctx.orders.cancelWithCause({clientOrderId: slot.cid}), (out) => {
      if (slot.status !== 'cancelling') return
      if (out.ok) {
        rt.parts.slots.slotEnded(g, leg, slot, 'canceled')
        return
      }
      if (out.cause instanceof RateLimitError) {
        // The budget said wait; nothing says the order changed: cancel again after the reset.
        slot.status = 'open'
        this.backOff(slot, out.cause)
        return
      }
      // Refused (already ended, usually) or failed: ask the venue, and cancel nothing again before its answer —
      // repeating the cancel at each reset spent the budget the query needed (simtest seed 136).
      this.backOff(slot)
      rt.parts.merge.resolveSlot(g, leg, slot)
    })
  }

  /** After a failed cancel or amend: not again before the rate limit's reset (or a short pause), then reconsider. */
  backOff(slot: Slot, err?: unknown): void {
    const now = this.rt.now()
    slot.notBefore = err instanceof RateLimitError ? Math.max(now + 1, err.resetAt) : now + Math.min(this.rt.params.retryMs, 1000)
    this.rt.wake(slot.notBefore)
  }
}
