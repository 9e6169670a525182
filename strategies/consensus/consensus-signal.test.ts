import {describe, expect, it} from 'vitest'
import type {Bar} from '../../src/core/market-data.js'
import {ConsensusSignal} from './consensus-signal.js'
import {ConsensusParams, consensusSignalFactory} from './index.js'
import type {Stance, SymbolSignal} from './signal-source.js'

class Scripted implements SymbolSignal {
  reason = ''
  calls = 0
  constructor(private readonly script: readonly Stance[]) {}
  update(): Stance {
    return this.script[this.calls++] ?? 0
  }
}

const BAR: Bar = {symbol: 'X', index: 0, ts: 0, open: 1, high: 1, low: 1, close: 1, volume: 1}

function play(k: number, scripts: Stance[][]): {stances: Stance[]; reasons: string[]; sources: Scripted[]} {
  const sources = scripts.map((s) => new Scripted(s))
  const c = new ConsensusSignal(sources, k)
  const stances: Stance[] = []
  const reasons: string[] = []
  for (let i = 0; i < scripts[0].length; i++) {
    stances.push(c.update(BAR))
    reasons.push(c.reason)
  }
  return {stances, reasons, sources}
}

describe('ConsensusSignal', () => {
  const A: Stance[] = [0, 1, 1, 1, 0, 0, -1, -1]
  const B: Stance[] = [0, 0, 1, 1, 1, 0, -1, 0]
  const C: Stance[] = [0, 0, 0, 1, 1, 1, -1, -1]

  it('K = 1 follows any source; K = N only all of them; K = 2 the majority', () => {
    expect(play(1, [A, B, C]).stances).toEqual([0, 1, 1, 1, 1, 1, -1, -1])
    expect(play(3, [A, B, C]).stances).toEqual([0, 0, 0, 1, 0, 0, -1, 0])
    expect(play(2, [A, B, C]).stances).toEqual([0, 0, 1, 1, 1, 0, -1, -1])
  })

  it('is flat when both sides reach K, and names each change', () => {
    const r = play(1, [
      [1, 1, 0],
      [0, -1, 0],
    ])
    expect(r.stances).toEqual([1, 0, 0])
    expect(r.reasons).toEqual(['consensus_long', 'consensus_lost', 'consensus_lost'])
    expect(play(1, [[-1]]).reasons).toEqual(['consensus_short'])
  })

  it('feeds every bar to every source, even when the outcome is already decided', () => {
    const r = play(1, [A, B, C])
    expect(r.sources.map((s) => s.calls)).toEqual([8, 8, 8])
  })

  it('rejects k outside 1..N', () => {
    expect(() => new ConsensusSignal([new Scripted([])], 2)).toThrow(RangeError)
    expect(() => new ConsensusSignal([new Scripted([])], 0)).toThrow(RangeError)
  })
})

describe('ConsensusParams', () => {
  it('defaults to 2 of opening-range, parabolic-sar and volume-profile', () => {
    const p = ConsensusParams.parse({})
    expect(p.k).toBe(2)
    expect(p.sources.map((s) => s.strategy)).toEqual(['opening-range', 'parabolic-sar', 'volume-profile'])
    const make = consensusSignalFactory(p)
    expect(make().update(BAR)).toBe(0)
  })
})
