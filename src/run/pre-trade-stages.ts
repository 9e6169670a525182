/**
 * The stages of the pre-trade pipeline (pre-trade.ts) and their one composition, used by the session wiring.
 * In order:
 *
 * 1. shutdown — while a graceful shutdown runs, nothing that adds exposure leaves (`shutting_down`): no entry, no
 *    amend that enlarges an entry; exits, and amends that add nothing, still go out.
 * 2. audit    — what adds exposure leaves only once its line is on the audit trail: while the trail cannot be
 *    written it is refused (`audit_unavailable`) before risk is asked; a submit's refusal by risk is written as a
 *    refused line; a passed submit is written as an intent (an exit's line waits if need be), a passed amend that
 *    adds exposure as an `amend` line. An amend that adds nothing writes no line here (the venue's report of the
 *    amended order is written when it arrives, as for a cancel).
 * 3. risk     — the risk engine: every submit (exits pass it, except under a frozen kill switch); an amend only when
 *    it adds exposure, checked as an entry of the added size (kill switch, trading hours, cooldown, spacing, data,
 *    exposure and position caps) except the open-orders count, as it adds no order.
 *
 * The order is today's: shutdown refuses before anything is written, the audit trail hears the risk engine's
 * refusals, and its intent is written only for what passed every check.
 */
import type {OrderRequest} from '../core/order.js'
import type {AmendRequest} from '../broker/port.js'
import type {AccountView} from '../engine/account-view.js'
import type {Clock} from '../core/time/clock.js'
import {type AmendedOrder, PASS, type PreTradeAction, type PreTradeDecision, PreTradePipeline, type PreTradeStage} from '../engine/pre-trade.js'
import type {AuditTrail} from '../risk/audit-trail.js'
import {reduces} from '../risk/risk-engine.js'
import type {RiskGuard} from '../risk/risk-guard.js'

/** A graceful shutdown's switch: once closed, the shutdown stage refuses whatever adds exposure. */
export class ShutdownGate {
  closing = false
}

export interface PreTradeParts {
  readonly view: AccountView
  readonly clock: Clock
  readonly shutdown?: ShutdownGate
  readonly audit?: AuditTrail
  readonly risk?: RiskGuard
}

/** The one pipeline of a session, from the parts it has (no parts: PreTradePipeline.none). */
export function composePreTrade(p: PreTradeParts): PreTradePipeline {
  const stages: PreTradeStage[] = []
  if (p.shutdown) stages.push(shutdownStage(p.shutdown))
  if (p.audit) stages.push(auditStage(p.audit))
  if (p.risk) stages.push(riskStage(p.risk))
  if (stages.length === 0) return PreTradePipeline.none
  const positionOf = (r: OrderRequest): number => p.view.positions.qty(r.symbol, r.positionSide ?? 'net')
  return new PreTradePipeline(stages, (a) => classify(a, positionOf))
}

/** The order an action makes, and what it adds to the exposure (see PreTradeCheck). */
export function classify(a: PreTradeAction, positionOf: (r: OrderRequest) => number): {request: OrderRequest | undefined; adds: OrderRequest | undefined} {
  if (a.kind === 'submit') return {request: a.request, adds: reduces(a.request, positionOf(a.request)) ? undefined : a.request}
  if (!a.order) return {request: undefined, adds: undefined}
  const request = amended(a.order.request, a.changes)
  return {request, adds: reduces(request, positionOf(request)) ? undefined : increase(a.order, request)}
}

/** The order with an amend's changes applied. */
export function amended(was: OrderRequest, changes: AmendRequest): OrderRequest {
  return {
    ...was,
    qty: changes.qty ?? was.qty,
    ...(changes.limitPrice !== undefined ? {limitPrice: changes.limitPrice} : {}),
    ...(changes.stopPrice !== undefined ? {stopPrice: changes.stopPrice} : {}),
  }
}

/** What an amend adds: the increase of the order's open notional, as an order at the amended price (none: undefined). */
function increase(o: AmendedOrder, next: OrderRequest): OrderRequest | undefined {
  const priceOf = (r: OrderRequest): number | undefined => r.limitPrice ?? r.stopPrice
  const before = Math.max(0, o.request.qty - o.filledQty) * (priceOf(o.request) ?? 1)
  const after = Math.max(0, next.qty - o.filledQty) * (priceOf(next) ?? 1)
  // Relative tolerance: an order re-priced by rounding alone is no increase.
  if (!(after > before * (1 + 1e-12))) return undefined
  const price = priceOf(next)
  return {...next, qty: price ? (after - before) / price : after - before}
}

function shutdownStage(gate: ShutdownGate): PreTradeStage {
  const refusal = {ok: false, code: 'shutting_down', reason: 'the session is shutting down: no new entries (exits still go out)'} as const
  return {
    name: 'shutdown',
    check: (c) => (gate.closing && c.adds ? refusal : PASS),
  }
}

function auditStage(audit: AuditTrail): PreTradeStage {
  const refusal = {ok: false, code: 'audit_unavailable', reason: `audit trail ${audit.dir} cannot be written; new entries are paused until it can`} as const
  return {
    name: 'audit',
    check(c): PreTradeDecision {
      if (!c.adds || audit.available) return PASS
      audit.refused(c.t, c.request!, 'audit_unavailable')
      return refusal
    },
    refused(c, d): void {
      if (c.request && !d.ok) audit.refused(c.t, c.request, d.code)
    },
    commit(c): PreTradeDecision {
      if (c.action.kind === 'amend') return !c.adds || audit.tryAmend(c.t, c.request!) ? PASS : refusal
      if (!c.adds) {
        audit.intent(c.t, c.action.request, undefined)
        return PASS
      }
      return audit.tryIntent(c.t, c.action.request, undefined) ? PASS : refusal
    },
  }
}

function riskStage(guard: RiskGuard): PreTradeStage {
  return {
    name: 'risk',
    check(c): PreTradeDecision {
      if (c.action.kind === 'submit') return guard.check(c.action.request)
      return c.adds ? guard.checkAmend(c.adds) : PASS
    },
  }
}
