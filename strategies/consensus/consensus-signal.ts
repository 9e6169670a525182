/**
 * K of N: every source signal sees every bar (so each keeps its own state exactly as if it ran alone); the
 * consensus is long while at least K sources are long and fewer than K are short, short in the mirror case, and
 * flat otherwise (including when both sides reach K, possible when K <= N / 2).
 */
import type {Bar} from '../../src/core/market-data.js'
import type {Stance, SymbolSignal} from './signal-source.js'

export class ConsensusSignal implements SymbolSignal {
  reason = ''
  private stance: Stance = 0
  /** Each source's stance after the latest bar. */
  readonly votes: Int8Array

  constructor(
    private readonly sources: readonly SymbolSignal[],
    private readonly k: number,
  ) {
    if (!(Number.isInteger(k) && k >= 1 && k <= sources.length)) {
      throw new RangeError(`consensus needs 1 <= k <= ${sources.length} sources, got k = ${k}`)
    }
    this.votes = new Int8Array(sources.length)
  }

  update(bar: Bar): Stance {
    let up = 0
    let down = 0
    for (let i = 0; i < this.sources.length; i++) {
      const v = this.sources[i].update(bar)
      this.votes[i] = v
      if (v === 1) up++
      else if (v === -1) down++
    }
    const next: Stance = up >= this.k && down < this.k ? 1 : down >= this.k && up < this.k ? -1 : 0
    if (next !== this.stance) {
      this.stance = next
      this.reason = next === 1 ? 'consensus_long' : next === -1 ? 'consensus_short' : 'consensus_lost'
    }
    return next
  }
}
