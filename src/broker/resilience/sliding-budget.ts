/**
 * One request budget: at most `limit` requests leave in any window of `windowMs + marginMs` (a sliding window is
 * stricter than the fixed or rolling windows venues count in, so staying inside it stays inside theirs). On top
 * of the local count, what the venue said: a block until its reset time after a refusal, and a cap from its
 * "remaining" header (other clients on the same key or IP spend the venue's budget too).
 */
import type {BudgetSpec, LimitReport} from './policy.js'

/**
 * The budgets of one process, by key: give the same instance to the transports of several accounts on one IP so
 * they spend the per-IP budgets together (account budgets stay apart: their keys carry the account).
 */
export class SharedBudgets {
  private readonly budgets = new Map<string, SlidingBudget>()

  get(key: string, spec: BudgetSpec): SlidingBudget {
    let b = this.budgets.get(key)
    if (!b) this.budgets.set(key, (b = new SlidingBudget(spec)))
    return b
  }
}

export class SlidingBudget {
  readonly id: string
  limit: number
  readonly windowMs: number
  readonly marginMs: number
  /** Nothing leaves before this instant (a venue's reset time). */
  blockedUntil = -Infinity
  /** Granted and not answered yet. */
  inflight = 0
  /** Departure times inside the current window, oldest first (from `head`). */
  private readonly grants: number[] = []
  private head = 0
  private cap: {remaining: number; until: number} | undefined

  constructor(spec: BudgetSpec) {
    this.id = spec.id
    this.limit = spec.limit
    this.windowMs = spec.windowMs
    this.marginMs = spec.marginMs
  }

  private get span(): number {
    return this.windowMs + this.marginMs
  }

  /** The earliest instant ≥ `now` at which one more request may leave. */
  earliest(now: number): number {
    this.prune(now)
    let t = Math.max(now, this.blockedUntil)
    const count = this.grants.length - this.head
    if (count >= this.limit) t = Math.max(t, this.grants[this.grants.length - this.limit] + this.span)
    if (this.cap && this.cap.remaining <= 0 && t < this.cap.until) t = this.cap.until
    return t
  }

  take(now: number): void {
    this.grants.push(now)
    this.inflight++
    if (this.cap) {
      if (now < this.cap.until) this.cap.remaining--
      else this.cap = undefined
    }
  }

  /** The answer (or the rejection) arrived. */
  done(): void {
    this.inflight--
  }

  /** A grant that was not used (the circuit opened meanwhile): its slot goes back. */
  refund(at: number): void {
    for (let i = this.grants.length - 1; i >= this.head; i--) {
      if (this.grants[i] === at) {
        this.grants.splice(i, 1)
        if (this.cap) this.cap.remaining++
        return
      }
    }
  }

  block(until: number): void {
    if (until > this.blockedUntil) this.blockedUntil = until
  }

  /**
   * What the venue's headers said when it answered. `othersInflight`: requests of this budget sent before the answer
   * arrived, which the venue's count may not include yet; they are charged against its "remaining". `resetMarginMs`
   * is added to a reported reset time (clock skew).
   */
  correct(report: LimitReport, now: number, othersInflight: number, resetMarginMs: number): void {
    if (report.limit !== undefined && report.limit > 0) this.limit = report.limit
    if (report.remaining === undefined) return
    const until = report.resetAt !== undefined && report.resetAt > now ? report.resetAt + resetMarginMs : now + this.span
    this.cap = {remaining: report.remaining - othersInflight, until}
  }

  private prune(now: number): void {
    // `grant + span <= now`, the same sum earliest() compares: no rounding difference between the two on fractional
    // (simulated) times.
    while (this.head < this.grants.length && this.grants[this.head] + this.span <= now) this.head++
    if (this.head > 256 && this.head * 2 > this.grants.length) {
      this.grants.splice(0, this.head)
      this.head = 0
    }
  }
}
