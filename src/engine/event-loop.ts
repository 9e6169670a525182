/**
 * The deterministic event loop of a simulated run: one queue ordered by (time, sequence), a virtual clock that
 * jumps to each item's time, and a microtask barrier after each batch so promise continuations an item caused
 * (a strategy awaiting an acknowledgement, say) settle before time moves on.
 */
import {VirtualClock} from '../core/time/clock.js'
import {EventQueue, type Task} from './event-queue.js'
import type {Scheduler, TimerHandle} from '../core/time/scheduler.js'

/**
 * Resolves after every pending microtask has run. setImmediate is used as a barrier, never as a time source:
 * nothing else runs in a simulated process, so the order of work stays a function of the queue alone.
 */
export const microtaskBarrier = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class SimulationError extends Error {
  override readonly name = 'SimulationError'
}

/** Microtask turns taken after an instant with no known pending promise. */
const QUICK_TURNS = 4

export class EventLoop implements Scheduler {
  readonly clock: VirtualClock
  private asyncPending = false
  private halted = false
  private readonly queue = new EventQueue()
  /** Guards against a task that keeps rescheduling itself at the same instant. */
  private readonly maxStepsPerInstant: number

  constructor(start = 0, opts: {maxStepsPerInstant?: number} = {}) {
    this.clock = new VirtualClock(start)
    this.maxStepsPerInstant = opts.maxStepsPerInstant ?? 1_000_000
  }

  get nextTime(): number {
    return this.queue.nextTime
  }

  get pending(): number {
    return this.queue.size
  }

  schedule(time: number, task: Task): void {
    this.queue.push(Math.max(time, this.clock.now()), task)
  }

  /** Like `schedule`, but ahead of every item scheduled with `schedule` at the same time (see EventQueue.pushFirst). */
  scheduleFirst(time: number, task: Task): void {
    this.queue.pushFirst(Math.max(time, this.clock.now()), task)
  }

  /**
   * A simulated venue's message to the session (an answer, an event): ahead of timers due at the same time, in the
   * order sent — the order a live session gives what it receives, so its journal replays the same way.
   */
  scheduleVenue(time: number, task: Task): void {
    this.queue.pushVenue(Math.max(time, this.clock.now()), task)
  }

  at(time: number, fn: () => void): TimerHandle {
    let live = true
    this.schedule(time, () => {
      if (live) fn()
    })
    return {cancel: () => void (live = false)}
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + Math.max(0, delayMs), fn)
  }

  every(intervalMs: number, fn: () => void, firstAt?: number): TimerHandle {
    if (!(intervalMs > 0)) throw new SimulationError(`timer interval must be > 0 ms, got ${intervalMs}`)
    let live = true
    const tick = (at: number): void => {
      this.schedule(at, () => {
        if (!live) return
        fn()
        tick(at + intervalMs)
      })
    }
    tick(firstAt ?? this.clock.now() + intervalMs)
    return {cancel: () => void (live = false)}
  }

  /**
   * Runs every item with time <= `until`, in order, letting microtasks settle after each instant's items.
   * Returns the number of items run. Leaves the clock at the time of the last item run.
   */
  async runUntil(until: number): Promise<number> {
    let ran = 0
    // `size > 0` first: an empty queue reports +Infinity, which `until = Infinity` (runAll) would accept.
    while (this.queue.size > 0 && this.queue.nextTime <= until && !this.halted) {
      const t = this.queue.nextTime
      this.clock.advanceTo(t)
      let steps = 0
      // Run everything at this instant, including items the barrier's continuations add at the same time.
      while (this.queue.size > 0 && this.queue.nextTime === t && !this.halted) {
        while (this.queue.size > 0 && this.queue.nextTime === t) {
          const task = this.queue.pop()
          task?.()
          ran++
          if (++steps > this.maxStepsPerInstant) {
            throw new SimulationError(`more than ${this.maxStepsPerInstant} events at t=${t}: a task reschedules itself without advancing time`)
          }
          // A task that settled a promise: its continuation runs before the next task, as on a real event loop,
          // so an answer's effect always precedes a timer due in the same millisecond.
          if (this.asyncPending) break
        }
        await this.settle()
      }
    }
    return ran
  }

  /**
   * Ends the run: no task runs after the current instant's work settles, whoever drives the loop. A live session
   * halts its loop when it has finished, so timers still queued cannot add to the journal after its last record.
   */
  halt(): void {
    this.halted = true
  }

  get isHalted(): boolean {
    return this.halted
  }

  /**
   * Tells the loop that the task it is running settled a promise (a venue answer) or started asynchronous work
   * (a handler that returned a promise): the continuations must run before time moves on.
   */
  markAsync(): void {
    this.asyncPending = true
  }

  /**
   * After an instant's items: a full barrier when something asynchronous is known to be pending, otherwise a few
   * microtask turns, which flush short continuation chains without a trip through the event loop.
   */
  private async settle(): Promise<void> {
    if (this.asyncPending) {
      this.asyncPending = false
      await microtaskBarrier()
      return
    }
    for (let i = 0; i < QUICK_TURNS; i++) await null
  }

  /** Runs until the queue is empty (or `limit` is reached); for tests and the end of a run. */
  async runAll(limit = Infinity): Promise<number> {
    return this.runUntil(limit)
  }
}
