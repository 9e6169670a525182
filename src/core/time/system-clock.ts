import type {Clock} from './clock.js'

/** Wall-clock time, for live and paper sessions only; the wiring chooses it, nothing else reads it. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now()
  }
}
