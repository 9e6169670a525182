/**
 * The wall-time default of the resilience layer, for live and paper sessions only. It is the one place in
 * src/broker that reads the system clock and arms a real timer: the layer works on the wire side of the session
 * (below the event loop and the journal), where venue reset times are wall-clock instants. Tests and anything
 * deterministic pass their own `ResilienceTime`.
 */
import {setTimeout} from 'node:timers/promises'
import {SystemClock} from '../../core/time/system-clock.js'
import type {ResilienceTime} from './time.js'

const clock = new SystemClock()

export const wallTime: ResilienceTime = {
  now: () => clock.now(),
  // eslint-disable-next-line no-restricted-syntax -- the live wall-time default (see above); never used by simulated code
  sleep: (ms, signal) => setTimeout(Math.max(0, ms), undefined, signal ? {signal} : undefined),
}
