/**
 * A scheduler on core's VirtualClock, for tests of layers below the kernel (broker/resilience): they need timers in
 * virtual time, not the engine's EventLoop, so they can sit beside their code and import only what it may
 * (ARCHITECTURE.md "Where tests live"). Timers run in (time, order of arming); after each one every promise
 * continuation settles (a macrotask barrier) before the next, so an answer's effect precedes the next timer, as on
 * the engine's loop. Imports core only.
 */
import {VirtualClock} from '../../src/core/time/clock.js'
import type {Scheduler, TimerHandle} from '../../src/core/time/scheduler.js'

interface Timer {
  readonly at: number
  readonly seq: number
  readonly fire: () => void
  cancelled: boolean
}

const barrier = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class ManualScheduler implements Scheduler {
  readonly clock: VirtualClock
  private seq = 0
  private timers: Timer[] = []

  constructor(start = 0) {
    this.clock = new VirtualClock(start)
  }

  at(time: number, fn: () => void): TimerHandle {
    const timer: Timer = {at: Math.max(time, this.clock.now()), seq: this.seq++, fire: fn, cancelled: false}
    this.timers.push(timer)
    return {cancel: () => void (timer.cancelled = true)}
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + Math.max(0, delayMs), fn)
  }

  every(intervalMs: number, fn: () => void, firstAt?: number): TimerHandle {
    let current: TimerHandle | undefined
    let stopped = false
    const arm = (at: number): void => {
      current = this.at(at, () => {
        if (stopped) return
        arm(this.clock.now() + intervalMs)
        fn()
      })
    }
    arm(firstAt ?? this.clock.now() + intervalMs)
    return {cancel: () => ((stopped = true), current?.cancel())}
  }

  /** Runs every timer due at or before `until`, in order, settling continuations after each; returns how many ran. */
  async runUntil(until: number): Promise<number> {
    let ran = 0
    for (let next = this.next(); next !== undefined && next.at <= until; next = this.next()) {
      this.timers.splice(this.timers.indexOf(next), 1)
      this.clock.advanceTo(next.at)
      next.fire()
      ran++
      await barrier()
    }
    return ran
  }

  /** Runs until no timer is left. */
  runAll(): Promise<number> {
    return this.runUntil(Infinity)
  }

  private next(): Timer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled)
    let best: Timer | undefined
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t
    return best
  }
}
