/**
 * The queue in front of the venue. A request waits until every budget it spends allows it; requests are granted
 * in arrival order within each budget that holds them back (a later request never takes a slot an earlier one is
 * waiting for), while a request held only by its own endpoint's budget does not hold up other endpoints. Nothing
 * is dropped: a waiting request leaves when its budgets allow, or is refused (RateLimitWaitTooLongError) when the
 * venue's reset is further away than the policy lets it wait, or when the transport closes.
 */
import {RateLimitWaitTooLongError, TransportClosedError} from './errors.js'
import type {BudgetSpec} from './policy.js'
import {SharedBudgets, type SlidingBudget} from './sliding-budget.js'
import type {ResilienceTime} from './time.js'

/** A granted departure. `done()` when the answer arrived; `refund()` if the request was not sent after all. */
export interface Ticket {
  readonly grantedAt: number
  readonly budgets: readonly SlidingBudget[]
  done(): void
  refund(): void
}

interface Waiter {
  readonly seq: number
  readonly endpoint: string
  readonly budgets: readonly SlidingBudget[]
  readonly resolve: (t: Ticket) => void
  readonly reject: (e: Error) => void
  reported: boolean
}

export interface GateWait {
  readonly endpoint: string
  readonly ms: number
  readonly cause: 'budget' | 'rate_limited'
}

export class RateGate {
  /** Waiting requests, by arrival sequence (a resent request keeps its original place). */
  private queue: Waiter[] = []
  private timer: {at: number; ctl: AbortController} | undefined
  private closed = false
  /** Requests that had to wait, and grants so far. */
  waited = 0
  granted = 0

  constructor(
    private readonly time: ResilienceTime,
    private readonly venue: string,
    private readonly maxWaitMs: number,
    private readonly onWait?: (w: GateWait) => void,
    /** Where budgets live; shared between the transports of several accounts for the per-IP ones. */
    private readonly budgets: SharedBudgets = new SharedBudgets(),
    /** Names this transport's account in the keys of its per-account budgets. */
    private readonly account = '',
  ) {}

  budget(spec: BudgetSpec): SlidingBudget {
    return this.budgets.get(spec.perIp ? `ip ${spec.id}` : `account ${this.account} ${spec.id}`, spec)
  }

  get queued(): number {
    return this.queue.length
  }

  /** Resolves when the request may leave. `seq` orders it among the waiting (lower first). */
  acquire(endpoint: string, specs: readonly BudgetSpec[], seq: number): Promise<Ticket> {
    if (this.closed) return Promise.reject(new TransportClosedError(this.venue, endpoint))
    const budgets = specs.map((s) => this.budget(s))
    return new Promise<Ticket>((resolve, reject) => {
      const w: Waiter = {seq, endpoint, budgets, resolve, reject, reported: false}
      // Fast path: nobody waiting on these budgets and room in all of them.
      if (!this.queue.some((q) => q.budgets.some((b) => budgets.includes(b)))) {
        const now = this.time.now()
        if (budgets.every((b) => b.earliest(now) <= now) && !this.tooLong(w, now)) {
          resolve(this.grant(budgets, now))
          return
        }
      }
      this.insert(w)
      this.pump()
    })
  }

  /** The venue refused for the rate: nothing of these budgets leaves before `until`. */
  block(specs: readonly BudgetSpec[], until: number): void {
    for (const s of specs) this.budget(s).block(until)
    this.pump()
  }

  /** Something changed that may let waiting requests go (an answer's headers were applied). */
  poke(): void {
    this.pump()
  }

  close(): void {
    this.closed = true
    this.timer?.ctl.abort()
    this.timer = undefined
    const waiting = this.queue
    this.queue = []
    for (const w of waiting) w.reject(new TransportClosedError(this.venue, w.endpoint))
  }

  private grant(budgets: readonly SlidingBudget[], now: number): Ticket {
    for (const b of budgets) b.take(now)
    this.granted++
    let finished = false
    return {
      grantedAt: now,
      budgets,
      done: () => {
        if (finished) return
        finished = true
        for (const b of budgets) b.done()
      },
      refund: () => {
        for (const b of budgets) b.refund(now)
      },
    }
  }

  private tooLong(w: Waiter, now: number): boolean {
    for (const b of w.budgets) {
      if (b.blockedUntil - now > this.maxWaitMs) {
        w.reject(new RateLimitWaitTooLongError(this.venue, w.endpoint, b.blockedUntil, this.maxWaitMs))
        return true
      }
    }
    return false
  }

  private insert(w: Waiter): void {
    const q = this.queue
    let i = q.length
    while (i > 0 && q[i - 1].seq > w.seq) i--
    q.splice(i, 0, w)
  }

  private pump(): void {
    if (this.closed) return
    const now = this.time.now()
    const rest: Waiter[] = []
    let wake = Infinity
    // In sequence order: once an earlier request leaves, a later one sees what is left, so within a budget nobody
    // overtakes a request that waits for that budget.
    for (const w of this.queue) {
      if (this.tooLong(w, now)) continue
      let at = now
      let limited = false
      for (const b of w.budgets) {
        const e = b.earliest(now)
        if (e > at) at = e
        if (e > now && b.blockedUntil > now) limited = true
      }
      if (at <= now) {
        w.resolve(this.grant(w.budgets, now))
        continue
      }
      if (!w.reported) {
        w.reported = true
        this.waited++
        this.onWait?.({endpoint: w.endpoint, ms: at - now, cause: limited ? 'rate_limited' : 'budget'})
      }
      if (at < wake) wake = at
      rest.push(w)
    }
    this.queue = rest
    if (wake < Infinity) this.arm(wake, now)
  }

  /** One timer, for the earliest instant a waiting request could leave. */
  private arm(at: number, now: number): void {
    if (this.timer && this.timer.at <= at) return
    this.timer?.ctl.abort()
    const ctl = new AbortController()
    this.timer = {at, ctl}
    this.time.sleep(at - now, ctl.signal).then(
      () => {
        if (this.timer?.ctl !== ctl) return
        this.timer = undefined
        this.pump()
      },
      () => undefined,
    )
  }
}
