/**
 * The order state machine as an explicit transition table. Anything not in the table is illegal.
 *
 * Out-of-order venue reports are legal where real venues produce them: a fill may be reported before the
 * acknowledgement (submitted → filled), and a fill may land while a cancel or an amend is pending.
 *
 * A venue's final word on a sent order is never refused: every working state may end in any terminal state. In
 * particular an order may be rejected after part of it filled (Bybit reports PartiallyFilled, then Rejected with
 * cumExecQty > 0, e.g. when the rest would breach a margin or price limit): it ends `rejected` and keeps its filled
 * quantity, exactly as a cancelled or expired remainder does. `rejected` therefore never means "nothing filled".
 */
import type {OrderStatus} from './order.js'

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired'])

const OPEN_EXITS: readonly OrderStatus[] = ['partially_filled', 'filled', 'pending_cancel', 'pending_update', 'canceled', 'expired', 'rejected']

export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  initialized: ['submitted', 'rejected'],
  submitted: ['accepted', 'rejected', 'partially_filled', 'filled', 'canceled', 'expired', 'pending_cancel'],
  accepted: OPEN_EXITS,
  // An amend resolves to the order's working state: accepted again, or whatever fills happened meanwhile.
  pending_update: ['accepted', ...OPEN_EXITS.filter((s) => s !== 'pending_update')],
  // A cancel may lose the race against a fill, or be refused (back to accepted / partially_filled).
  pending_cancel: ['canceled', 'partially_filled', 'filled', 'accepted', 'expired', 'rejected'],
  partially_filled: OPEN_EXITS,
  filled: [],
  canceled: [],
  rejected: [],
  expired: [],
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError'
  constructor(readonly from: OrderStatus, readonly to: OrderStatus, readonly clientOrderId?: string) {
    super(
      `order ${clientOrderId ?? '?'}: illegal transition ${from} → ${to}` +
        (TERMINAL_STATUSES.has(from) ? ` (${from} is final)` : ''),
    )
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to)
}

/** Returns `to`, or throws IllegalTransitionError. */
export function transition(from: OrderStatus, to: OrderStatus, clientOrderId?: string): OrderStatus {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to, clientOrderId)
  return to
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status)
}

export function isOpen(status: OrderStatus): boolean {
  return status === 'accepted' || status === 'partially_filled' || status === 'pending_cancel' || status === 'pending_update'
}

/** Rank of a status in an order's normal progress: reports of one order never go backwards in rank. */
export const STATUS_RANK: Readonly<Record<OrderStatus, number>> = {
  initialized: 0,
  submitted: 1,
  accepted: 2,
  pending_update: 3,
  pending_cancel: 3,
  partially_filled: 4,
  filled: 5,
  canceled: 5,
  rejected: 5,
  expired: 5,
}
