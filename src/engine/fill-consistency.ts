/**
 * A venue's reports must agree with each other: the executions of an order, averaged by quantity, give the
 * average fill price the venue reports on the order once the quantities match. Replay checks every recorded
 * session with it, so a fill whose price was altered (or mis-decoded) is flagged even when no decision
 * depended on it. Events travel on separate channels, so either side may arrive first; the check runs
 * whenever the executed and the reported quantities are equal.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Violation} from '../broker/order-tracker.js'

interface Seen {
  execQty: number
  execNotional: number
  reportedQty: number
  reportedAvg: number
  flagged: boolean
}

/** Relative tolerance: the venue rounds its running average differently from a sum over fills. */
const REL_EPS = 1e-6

export class FillConsistency {
  readonly violations: Violation[] = []
  private readonly orders = new Map<string, Seen>()

  apply(e: BrokerEvent, t: number): void {
    let key: string
    let s: Seen | undefined
    if (e.kind === 'execution') {
      key = e.fill.clientOrderId
      s = this.seen(key)
      s.execQty += e.fill.qty
      s.execNotional += e.fill.qty * e.fill.price
    } else if (e.kind === 'order') {
      key = e.order.clientOrderId
      s = this.seen(key)
      if (e.order.filledQty < s.reportedQty) return
      s.reportedQty = e.order.filledQty
      s.reportedAvg = e.order.avgFillPrice
    } else return
    if (s.flagged || s.reportedQty <= 0 || Math.abs(s.execQty - s.reportedQty) > REL_EPS * s.reportedQty) return
    const avg = s.execNotional / s.execQty
    if (Math.abs(avg - s.reportedAvg) > REL_EPS * Math.abs(s.reportedAvg)) {
      s.flagged = true
      this.violations.push({ts: t, rule: 'fill_price_mismatch', detail: `order ${key}: executions average ${avg} over ${s.execQty}, the venue reports avgFillPrice ${s.reportedAvg}`})
    }
  }

  private seen(key: string): Seen {
    let s = this.orders.get(key)
    if (!s) this.orders.set(key, (s = {execQty: 0, execNotional: 0, reportedQty: 0, reportedAvg: 0, flagged: false}))
    return s
  }
}
