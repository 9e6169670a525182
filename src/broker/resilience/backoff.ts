/**
 * The one backoff of the resilience stack, for the wire (ResilientTransport) and the port (PortRetry): the n-th
 * failure waits a "half jitter" delay in [d/2, d] with d = initial · 2^(n-1), capped at `maxDelayMs`, the jitter
 * drawn from an injected source so a seeded run sees the same delays every time.
 *
 * `rounding` keeps each caller's historical numbers: the wire has always floored (d/2 + u·d/2, so < d), the port has
 * always rounded d·(0.5 + 0.5u) — and the port's delays are in the journals the scenario tests pin.
 */
import type {JitterSource} from './time.js'

export interface BackoffSettings {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  /** How a jittered delay becomes whole milliseconds; 'floor' unless stated. */
  readonly rounding?: 'floor' | 'round'
}

/** The delay after the `failures`-th failure (1 for the first), drawing one number from `jitter`. */
export function backoffDelay(settings: BackoffSettings, failures: number, jitter: JitterSource): number {
  const nominal = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (failures - 1))
  const u = jitter.next()
  return settings.rounding === 'round' ? Math.round(nominal * (0.5 + 0.5 * u)) : Math.floor(nominal / 2 + (u * nominal) / 2)
}
