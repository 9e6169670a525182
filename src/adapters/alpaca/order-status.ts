/**
 * Alpaca order statuses (Trading API OrderStatus, all 17) onto the core OrderStatus. Alpaca has more states than
 * the core machine; each is placed by what the engine may do with the order next:
 *
 * | Alpaca              | core                                   | why |
 * |---------------------|----------------------------------------|-----|
 * | new                 | accepted                               | routed and working |
 * | accepted            | accepted                               | received, not yet routed (e.g. outside market hours): it will work |
 * | pending_new         | accepted                               | routed, not yet acknowledged by the exchange; Alpaca owns it, so a resend would duplicate it |
 * | accepted_for_bidding| accepted                               | received by the exchange, being priced |
 * | held                | accepted                               | waiting at Alpaca (a bracket leg waiting for its parent) |
 * | partially_filled    | partially_filled                       | |
 * | filled              | filled                                 | |
 * | done_for_day        | partially_filled / accepted (by fills) | done for today but not final: it resumes next session |
 * | stopped             | partially_filled / accepted (by fills) | a trade is guaranteed but has not happened: still working |
 * | suspended           | partially_filled / accepted (by fills) | not eligible for trading for now; not final |
 * | calculated          | filled if fully filled, else as done_for_day | completed for the day, settlement pending |
 * | pending_cancel      | pending_cancel                         | |
 * | pending_replace     | pending_update                         | |
 * | canceled            | canceled                               | |
 * | expired             | expired                                | |
 * | replaced            | canceled (reason "replaced by <id>")   | final for this id; the replacement arrives as its own order |
 * | rejected            | rejected                               | |
 */
import type {OrderStatus} from '../../core/order.js'

export const ALPACA_ORDER_STATUSES = [
  'new', 'partially_filled', 'filled', 'done_for_day', 'canceled', 'expired', 'replaced', 'pending_cancel',
  'pending_replace', 'accepted', 'pending_new', 'accepted_for_bidding', 'stopped', 'rejected', 'suspended',
  'calculated', 'held',
] as const

export type AlpacaOrderStatus = (typeof ALPACA_ORDER_STATUSES)[number]

/** 'working': accepted, or partially_filled once something has filled. 'complete': filled when fully filled, else working. */
type Rule = OrderStatus | 'working' | 'complete'

export const ALPACA_STATUS_RULES: Readonly<Record<AlpacaOrderStatus, Rule>> = {
  new: 'accepted',
  accepted: 'accepted',
  pending_new: 'accepted',
  accepted_for_bidding: 'accepted',
  held: 'accepted',
  partially_filled: 'partially_filled',
  filled: 'filled',
  done_for_day: 'working',
  stopped: 'working',
  suspended: 'working',
  calculated: 'complete',
  pending_cancel: 'pending_cancel',
  pending_replace: 'pending_update',
  canceled: 'canceled',
  expired: 'expired',
  replaced: 'canceled',
  rejected: 'rejected',
}

/** The core status of an Alpaca order, given its cumulative fill. */
export function alpacaOrderStatus(status: AlpacaOrderStatus, filledQty: number, qty: number): OrderStatus {
  const rule = ALPACA_STATUS_RULES[status]
  if (rule === 'complete' && filledQty >= qty && qty > 0) return 'filled'
  if (rule === 'working' || rule === 'complete') return filledQty > 0 ? 'partially_filled' : 'accepted'
  return rule
}
