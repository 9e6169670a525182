import {describe, expect, it} from 'vitest'
import {ExecutionDeduper} from './fill.js'

describe('ExecutionDeduper', () => {
  it('applies each execution id once, whatever the order of repeats', () => {
    const d = new ExecutionDeduper()
    const offered = ['a', 'b', 'a', 'c', 'b', 'b', 'd', 'a']
    expect(offered.map((id) => d.firstTime(id))).toEqual([true, true, false, true, false, false, true, false])
    expect(d.size).toBe(4)
  })

  it('stays bounded in a long session while still catching recent duplicates', () => {
    const capacity = 100
    const d = new ExecutionDeduper(capacity)
    let maxSize = 0
    for (let i = 0; i < 10_000; i++) {
      expect(d.firstTime(`x${i}`)).toBe(true)
      maxSize = Math.max(maxSize, d.size)
      // The oldest of the last `capacity` ids is still remembered, at every stage of the rotation.
      if (i >= capacity - 1 && i % 7 === 0) expect(d.firstTime(`x${i - capacity + 1}`), `x${i - capacity + 1}`).toBe(false)
    }
    expect(maxSize).toBeLessThanOrEqual(2 * capacity)
    expect(d.size).toBeLessThanOrEqual(2 * capacity)
    for (let i = 10_000 - capacity; i < 10_000; i++) expect(d.firstTime(`x${i}`), `x${i}`).toBe(false)
    // Long forgotten: offered again, it counts as new (memory really is bounded).
    expect(d.firstTime('x0')).toBe(true)
  })
})
