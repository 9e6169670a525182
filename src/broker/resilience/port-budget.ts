/**
 * The request budget at the port, on the engine's Scheduler and Clock: the SAME SlidingBudget that counts the
 * wire's requests (at most `limit` in any sliding window of `windowMs`, none before a venue's reset once it has
 * answered "rate limited"), in front of BrokerPort calls instead of HTTP requests. It exists because a simulated
 * venue has no wire: there the port is the only place a budget can act (ALP-05, OPS-08).
 *
 * Why not the wire's RateGate: that one grants through promises and a sleeping timer, while here a granted call is
 * issued inside the scheduler timer that grants it (callback style), so in a simulation it leaves at exactly that
 * instant and the journal does not depend on microtask timing. Callers wait in a FIFO queue: delayed, never
 * dropped, never sent twice.
 */
import type {Clock} from '../../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../../core/time/scheduler.js'
import {SlidingBudget} from './sliding-budget.js'

export class BudgetConfigError extends Error {
  override readonly name = 'BudgetConfigError'
}

export class PortBudget {
  private readonly window: SlidingBudget
  private readonly waiting: (() => void)[] = []
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
    // No margin: a port call is counted when it is issued, on the same clock the simulated venue counts it on.
    this.window = new SlidingBudget({id: 'port', limit, windowMs, marginMs: 0})
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
    this.window.block(until)
  }

  /** Requests waiting for the budget. */
  get queued(): number {
    return this.waiting.length
  }

  /** When the venue last said the budget refills (−Infinity if never). */
  get resetAt(): number {
    return this.window.blockedUntil
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
    if (this.window.earliest(now) > now) return false
    this.window.take(now)
    // The port does not see the wire's answers or their rate-limit headers: nothing to count in flight.
    this.window.done()
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
    if (this.waiting.length > 0) this.armAt(this.window.earliest(this.clock.now()))
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
