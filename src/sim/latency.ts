/** Latency model: a fixed delay plus seeded uniform jitter, per message kind. */
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
    return spec.jitterMs > 0 ? spec.fixedMs + this.rng.next() * spec.jitterMs : spec.fixedMs
  }
}
