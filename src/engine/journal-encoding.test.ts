import {describe, expect, it} from 'vitest'
import {Rng} from '../core/rng.js'
import {encodeRecord, sameEncoding, sameJson} from './journal-encoding.js'

/** An integer in [0, max]. */
const pick = (rng: Rng, max: number): number => rng.int(max + 1)

/** A random JSON-ish value: plain objects, arrays, numbers (some -0, NaN), strings, booleans, null, undefined. */
function value(rng: Rng, depth: number): unknown {
  const k = pick(rng, depth > 3 ? 5 : 8)
  switch (k) {
    case 0: return pick(rng, 3) === 0 ? -0 : Math.round(rng.next() * 100) / 4
    case 1: return ['a', 'b', 'ü', ''][pick(rng, 3)]
    case 2: return pick(rng, 1) === 0
    case 3: return null
    case 4: return pick(rng, 6) === 0 ? undefined : pick(rng, 9) === 0 ? Number.NaN : pick(rng, 3)
    case 5: return pick(rng, 6) === 0 ? new Date(0) : 'x'
    case 6:
    case 7: {
      if (pick(rng, 1) === 0) return Array.from({length: pick(rng, 3)}, () => value(rng, depth + 1))
      const o: Record<string, unknown> = {}
      for (const key of ['p', 'q', 'r', 's'].slice(0, pick(rng, 4))) o[key] = value(rng, depth + 1)
      return o
    }
    default: return 0
  }
}

/** A near copy: the same value, or one small change (a key order, a value, a missing key). */
function mutate(rng: Rng, v: unknown): unknown {
  const copy = structuredClone(v)
  if (pick(rng, 2) === 0 || copy === null || typeof copy !== 'object') return copy
  if (Array.isArray(copy)) {
    if (copy.length > 0) copy[pick(rng, copy.length - 1)] = value(rng, 3)
    return copy
  }
  const o = copy as Record<string, unknown>
  const keys = Object.keys(o)
  if (keys.length === 0) return {z: 1}
  switch (pick(rng, 2)) {
    case 0: return Object.fromEntries([...Object.entries(o)].reverse())
    case 1: delete o[keys[0]]; return o
    default: o[keys[keys.length - 1]] = value(rng, 3); return o
  }
}

describe('sameJson: true only when the JSON texts are equal', () => {
  it('never says "same" for values whose JSON differs (20,000 seeded pairs), and says it for most equal copies', () => {
    const rng = new Rng(7)
    let sameSaid = 0
    let equalPairs = 0
    for (let i = 0; i < 20_000; i++) {
      const a = value(rng, 0)
      const b = mutate(rng, a)
      const equal = JSON.stringify(a) === JSON.stringify(b)
      if (equal) equalPairs++
      if (sameJson(a, b)) {
        sameSaid++
        expect(equal, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(true)
      }
    }
    // A shortcut that declined everything would be useless: most equal pairs are recognised without the text.
    expect(sameSaid).toBeGreaterThan(equalPairs * 0.5)
  })

  it('declines what it cannot judge without the text: key order, a class instance, NaN', () => {
    expect(sameJson({a: 1, b: 2}, {b: 2, a: 1})).toBe(false)
    expect(sameJson({d: new Date(0)}, {d: new Date(0)})).toBe(false)
    expect(sameJson([Number.NaN], [Number.NaN])).toBe(false)
    expect(sameJson({a: [1, {b: 'x'}]}, {a: [1, {b: 'x'}]})).toBe(true)
  })

  it('the generic records of live journals compare by it (a grid state, a raw frame)', () => {
    const state = {v: 1, grids: [{symbol: 'BTCUSDT', legs: [{level: 2, qty: 0.05}]}]}
    expect(sameEncoding('grid_state', state, structuredClone(state))).toBe(true)
    const changed = structuredClone(state)
    changed.grids[0].legs[0].qty = 0.06
    expect(sameEncoding('grid_state', state, changed)).toBe(false)
    expect(encodeRecord('grid_state', state)).not.toBe(encodeRecord('grid_state', changed))
    expect(sameEncoding('venue_frame', {raw: '{"topic":"x"}'}, {raw: '{"topic":"x"}'})).toBe(true)
  })
})
