/**
 * The pre-trade pipeline: the ordered checks an order passes before the port. The wiring composes it once
 * (src/run/pre-trade-stages.ts) and hands it to the order gateway at construction; nothing changes it afterwards.
 *
 * A stage may refuse in `check`; the stages before it hear of a refusal in `refused` (the audit trail writes the
 * refused line); once every stage passed, `commit` runs in order and may still refuse (the audit trail cannot
 * write the intent). A cancel only takes risk off: it is not an action here, so no stage can refuse it.
 */
import type {OrderRequest} from '../core/order.js'
import type {AmendRequest, OrderRef} from '../broker/port.js'

export type PreTradeDecision = {readonly ok: true} | {readonly ok: false; readonly code: string; readonly reason: string}

export const PASS: PreTradeDecision = {ok: true}

/** The working order an amend changes, as the engine tracks it. */
export interface AmendedOrder {
  readonly request: OrderRequest
  readonly filledQty: number
}

/** What is about to leave the gateway. */
export type PreTradeAction =
  | {readonly kind: 'submit'; readonly request: OrderRequest}
  /** `order`: undefined when the engine does not track the order (the venue will answer for it). */
  | {readonly kind: 'amend'; readonly ref: OrderRef; readonly changes: AmendRequest; readonly order: AmendedOrder | undefined}

/** An action as the stages see it, classified once for all of them. */
export interface PreTradeCheck {
  readonly action: PreTradeAction
  readonly t: number
  /** The order as it would stand: a submit's request, an amend's order with the changes (undefined: not tracked). */
  readonly request: OrderRequest | undefined
  /**
   * What the action adds to the account's exposure, as an order: a submit that is not an exit (its request), an
   * amend that raises a non-reducing order's notional (the increase, at the amended price). Undefined when it only
   * reduces a position or leaves the exposure as it was.
   */
  readonly adds: OrderRequest | undefined
}

export interface PreTradeStage {
  readonly name: string
  check?(c: PreTradeCheck): PreTradeDecision
  /** A later stage refused the action (this stage passed it). */
  refused?(c: PreTradeCheck, d: PreTradeDecision): void
  /** Every stage passed: the action is about to leave; a stage may still refuse it. */
  commit?(c: PreTradeCheck): PreTradeDecision
}

/** Classifies an action for the stages (needs the account's positions: supplied by the wiring). */
export type Classify = (action: PreTradeAction) => {readonly request: OrderRequest | undefined; readonly adds: OrderRequest | undefined}

export class PreTradePipeline {
  /** No checks at all (risk off, no audit trail, no shutdown): every action passes. */
  static readonly none = new PreTradePipeline([], () => ({request: undefined, adds: undefined}))

  constructor(
    private readonly stages: readonly PreTradeStage[],
    private readonly classify: Classify,
  ) {}

  /** The stages in the order they check, by name. */
  get names(): readonly string[] {
    return this.stages.map((s) => s.name)
  }

  check(action: PreTradeAction, t: number): PreTradeDecision {
    const stages = this.stages
    if (stages.length === 0) return PASS
    const c: PreTradeCheck = {action, t, ...this.classify(action)}
    for (let i = 0; i < stages.length; i++) {
      const d = stages[i].check?.(c)
      if (d && !d.ok) {
        for (let j = i - 1; j >= 0; j--) stages[j].refused?.(c, d)
        return d
      }
    }
    for (const s of stages) {
      const d = s.commit?.(c)
      if (d && !d.ok) return d
    }
    return PASS
  }
}
