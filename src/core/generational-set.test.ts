import {describe, expect, it} from 'vitest'
import {GenerationalSet} from './generational-set.js'

describe('GenerationalSet', () => {
  it('remembers at least the last `capacity` keys and at most twice as many', () => {
    const s = new GenerationalSet(100)
    for (let i = 0; i < 1_000; i++) {
      expect(s.add(`k${i}`)).toBe(true)
      expect(s.add(`k${i}`)).toBe(false)
      expect(s.size).toBeLessThanOrEqual(200)
      for (let j = Math.max(0, i - 99); j <= i; j += 11) expect(s.has(`k${j}`), `k${j} after k${i}`).toBe(true)
    }
    // Dropped a whole generation at a time: the oldest are gone.
    expect(s.has('k0')).toBe(false)
    expect(s.has('k799')).toBe(false)
    expect(s.has('k800')).toBe(true)
  })

  it('with capacity 0 remembers nothing', () => {
    const s = new GenerationalSet(0)
    expect(s.add('a')).toBe(true)
    expect(s.add('a')).toBe(true)
    expect(s.has('a')).toBe(false)
    expect(s.size).toBe(0)
  })

  it('refuses a negative or NaN capacity', () => {
    expect(() => new GenerationalSet(-1)).toThrow(RangeError)
    expect(() => new GenerationalSet(Number.NaN)).toThrow(RangeError)
  })
})
