/** The wall clock and real timers, for the live driver (src/run/live/live-driver.ts) and nothing else. */
import type {WallTimers} from '../run/live/live-driver.js'

export const wallTimers: WallTimers = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const h = setTimeout(fn, ms)
    return {cancel: () => clearTimeout(h)}
  },
}
