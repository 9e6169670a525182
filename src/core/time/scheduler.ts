/**
 * Timers on the engine clock. In a backtest they fire in virtual time through the event loop; in a live
 * session the same interface is driven by the system clock. Strategies and services never call setTimeout.
 */
export interface TimerHandle {
  cancel(): void
}

export interface Scheduler {
  /** Runs `fn` at absolute time `time` (not before the current time). */
  at(time: number, fn: () => void): TimerHandle
  /** Runs `fn` after `delayMs` of engine time. */
  after(delayMs: number, fn: () => void): TimerHandle
  /** Runs `fn` every `intervalMs`, first at now + intervalMs (or at `firstAt`). */
  every(intervalMs: number, fn: () => void, firstAt?: number): TimerHandle
}
