/**
 * Time as the resilience layer sees it. The layer sits below the session's event loop, on the wire side, so in a
 * live session it runs on wall time; tests pass a virtual pair so every wait is deterministic and instant.
 */

export interface ResilienceTime {
  /** Epoch milliseconds (the same scale as the venues' reset timestamps). */
  now(): number
  /** Resolves after `ms`; rejects (with any error) once `signal` aborts, so a closed transport leaves no timers. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** A source of uniform numbers in [0, 1) for jitter (a seeded `Rng` by default, so a run can be repeated). */
export interface JitterSource {
  next(): number
}
