/**
 * Drives the session's event loop in real time. The loop stays the deterministic one of every run: its clock only
 * moves when it runs a task, and everything from outside (a REST answer, a websocket frame, a connection change)
 * enters as a task at its receive time. Recording those times is therefore enough to replay the session exactly:
 *
 * - an inbound message gets a time strictly after the loop's current time and after the previous inbound, so no
 *   two inbound messages share a millisecond and none lands at an instant the loop has already worked on;
 * - it is queued ahead of timers due at the same millisecond (replay queues it the same way).
 *
 * Wall time reaches this module only through the injected `WallTimers` (src/ops/wall-timers.ts), so the engine
 * stays free of Date.now and raw timers. `scale` > 1 runs the session clock faster than the wall (for an emulator
 * replaying history accelerated); live venues use 1.
 */
import type {EventLoop} from '../../engine/event-loop.js'

export interface WallTimers {
  now(): number
  setTimer(fn: () => void, ms: number): {cancel(): void}
}

export interface LiveDriverOptions {
  /** Session time when the driver starts (the venue's clock, read at connect). */
  readonly origin: number
  /**
   * Wall time at which the venue's clock read `origin` (default: when the driver is built). The session clock runs
   * from there: counted from later, it would lag the venue's by the start-up in between, times the scale.
   */
  readonly originWall?: number
  /** Session milliseconds per wall millisecond. */
  readonly scale?: number
}

export class LiveDriverError extends Error {
  override readonly name = 'LiveDriverError'
}

export class LiveDriver {
  private readonly wallStart: number
  private readonly scale: number
  private lastInbound = -Infinity
  private running = false
  private again = false
  private stopped = false
  private timer: {cancel(): void} | undefined
  private timerAt = Infinity
  private failure: unknown
  private readonly idleWaiters: (() => void)[] = []
  /** Inbound messages delivered so far. */
  inboundCount = 0

  constructor(readonly loop: EventLoop, private readonly wall: WallTimers, opts: LiveDriverOptions) {
    this.scale = opts.scale ?? 1
    if (!(this.scale > 0)) throw new LiveDriverError(`time scale must be > 0, got ${this.scale}`)
    this.wallStart = opts.originWall ?? wall.now()
    if (opts.origin > loop.clock.now()) loop.clock.advanceTo(Math.floor(opts.origin))
    this.origin = loop.clock.now()
  }

  private readonly origin: number

  /** Session time now, from the wall clock. */
  sessionNow(): number {
    return this.origin + Math.floor((this.wall.now() - this.wallStart) * this.scale)
  }

  /** Queues `fn` as an inbound message at its receive time and wakes the loop. */
  inbound(fn: () => void): void {
    if (this.stopped) return
    const t = Math.max(this.sessionNow(), this.loop.clock.now() + 1, this.lastInbound + 1)
    this.lastInbound = t
    this.inboundCount++
    this.loop.scheduleFirst(t, () => {
      fn()
      this.loop.markAsync()
    })
    this.wake()
  }

  /** Runs whatever is due now, then sleeps until the next task is due or an inbound message arrives. */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    void this.pump()
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false
        await this.loop.runUntil(this.sessionNow())
      } while (this.again && !this.stopped && !this.loop.isHalted)
      if (this.loop.isHalted) this.stopped = true
    } catch (err) {
      this.failure = err
      this.stopped = true
    } finally {
      this.running = false
    }
    if (!this.stopped) this.arm()
    if (this.loop.nextTime > this.sessionNow() || this.stopped) this.notifyIdle()
  }

  private arm(): void {
    const next = this.loop.nextTime
    if (next === Infinity || next >= this.timerAt) return
    this.timer?.cancel()
    this.timerAt = next
    const wallMs = Math.max(0, Math.ceil((next - this.sessionNow()) / this.scale))
    this.timer = this.wall.setTimer(() => {
      this.timer = undefined
      this.timerAt = Infinity
      this.wake()
    }, wallMs)
  }

  /** Resolves once nothing is due any more (every task up to now has run); rejects if a task threw. */
  settled(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (!this.running && this.loop.nextTime > this.sessionNow()) return Promise.resolve()
    return new Promise((resolve, reject) => this.idleWaiters.push(() => (this.failure === undefined ? resolve() : reject(this.failure))))
  }

  private notifyIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w()
  }

  /** The error that stopped the driver (a task threw), if any. */
  get error(): unknown {
    return this.failure
  }

  stop(): void {
    this.stopped = true
    this.timer?.cancel()
    this.timer = undefined
    this.notifyIdle()
  }
}
