/**
 * A request budget on the engine clock: at most `limit` requests in any sliding window of `windowMs`, and none at
 * all before a venue's reset time once it has answered "rate limited" (ALP-05, OPS-08). Callers wait in a FIFO
 * queue, so a request is delayed, never dropped, and never sent twice. Callback style on purpose: a granted
 * request is issued inside the timer that grants it, so in a simulation it leaves at exactly that instant.
 */
import type {Clock} from '../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../core/time/scheduler.js'

export class BudgetConfigError extends Error {
  override readonly name = 'BudgetConfigError'
}

export class RequestBudget {
  /** Grant times within the current window, oldest first. */
  private readonly granted: number[] = []
  private head = 0
  private readonly waiting: (() => void)[] = []
  private blockedUntil = -Infinity
  private timer: TimerHandle | undefined
  private timerAt = Infinity
  private pumping = false
  /** Requests granted so far, and how many had to wait. */
  grants = 0
  delayed = 0

  constructor(
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new BudgetConfigError(`request budget: limit must be a whole number >= 1, got ${limit}`)
    if (!(windowMs > 0)) throw new BudgetConfigError(`request budget: window must be > 0 ms, got ${windowMs}`)
  }

  /** Runs `send` now if the budget allows, otherwise as soon as it does, after everything queued before it. */
  take(send: () => void): void {
    if (this.waiting.length > 0 || !this.pump(send)) {
      this.waiting.push(send)
      this.delayed++
      this.drain()
    }
  }

  /** The venue refused with a reset time: nothing is sent before `until`. */
  blockUntil(until: number): void {
    if (until > this.blockedUntil) this.blockedUntil = until
  }

  /** Requests waiting for the budget. */
  get queued(): number {
    return this.waiting.length
  }

  /** When the venue last said the budget refills (−Infinity if never). */
  get resetAt(): number {
    return this.blockedUntil
  }

  /** Drops everything waiting (the owner stopped) and the pending timer. */
  clear(): void {
    this.waiting.length = 0
    this.timer?.cancel()
    this.timer = undefined
    this.timerAt = Infinity
  }

  /** Grants `send` if the budget allows now; returns false when it has to wait. */
  private pump(send: () => void): boolean {
    const now = this.clock.now()
    if (now < this.blockedUntil) return false
    while (this.head < this.granted.length && this.granted[this.head] + this.windowMs <= now) this.head++
    if (this.head > 1024 && this.head * 2 > this.granted.length) {
      this.granted.splice(0, this.head)
      this.head = 0
    }
    if (this.granted.length - this.head >= this.limit) return false
    this.granted.push(now)
    this.grants++
    send()
    return true
  }

  private drain(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.waiting.length > 0) {
        if (!this.pump(this.waiting[0])) break
        this.waiting.shift()
      }
    } finally {
      this.pumping = false
    }
    if (this.waiting.length > 0) this.armAt(this.nextFree())
  }

  /** The first instant at which the head of the queue could be granted. */
  private nextFree(): number {
    const windowFree = this.granted.length - this.head >= this.limit ? this.granted[this.granted.length - this.limit] + this.windowMs : this.clock.now()
    return Math.max(windowFree, this.blockedUntil, this.clock.now())
  }

  private armAt(at: number): void {
    if (this.timer && this.timerAt <= at) return
    this.timer?.cancel()
    this.timerAt = at
    this.timer = this.scheduler.at(at, () => {
      this.timer = undefined
      this.timerAt = Infinity
      this.drain()
    })
  }
}
