/**
 * Latency model: a fixed delay plus seeded uniform jitter, per message kind. Delays are whole milliseconds, as
 * venue timestamps are, so every time in a journal is an integer epoch ms.
 */
import {Rng} from '../core/rng.js'

export interface LatencySpec {
  readonly fixedMs: number
  readonly jitterMs: number
}

export class LatencyModel {
  private readonly rng: Rng

  constructor(
    private readonly base: LatencySpec,
    seed: number,
    private readonly byKind: Readonly<Record<string, LatencySpec>> = {},
  ) {
    this.rng = new Rng(seed)
  }

  /** Delay for one message of `kind` ('request', 'response', 'order', 'execution', 'position', 'account'). */
  sample(kind: string): number {
    const spec = this.byKind[kind] ?? this.base
    const fixed = Math.round(spec.fixedMs)
    return spec.jitterMs > 0 ? fixed + Math.floor(this.rng.next() * (Math.round(spec.jitterMs) + 1)) : fixed
  }
}
