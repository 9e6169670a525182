import {describe, expect, it} from 'vitest'
import {ScannerConfigSchema} from './config.js'
import {scoreOf} from './scanner.js'

const c = ScannerConfigSchema.parse({})

describe('scanner score', () => {
  it('is 100 at the documented reference point: velocity 0.3 %, acceleration 0.2 points, 1× volume', () => {
    expect(scoreOf({velocity: 0.3, acceleration: 0.2, relativeVolume: 1}, c)).toBeCloseTo(100, 9)
  })

  it('scales with relative volume up to its cap', () => {
    const base = scoreOf({velocity: 0.3, acceleration: 0.2, relativeVolume: 1}, c)
    expect(scoreOf({velocity: 0.3, acceleration: 0.2, relativeVolume: 2}, c)).toBeCloseTo(2 * base, 9)
    expect(scoreOf({velocity: 0.3, acceleration: 0.2, relativeVolume: 30}, c)).toBeCloseTo(3 * base, 9)
  })

  it('is 0 unless momentum is building on enough volume', () => {
    expect(scoreOf({velocity: -0.3, acceleration: 0.2, relativeVolume: 2}, c)).toBe(0)
    expect(scoreOf({velocity: 0.3, acceleration: -0.01, relativeVolume: 2}, c)).toBe(0)
    expect(scoreOf({velocity: 0.3, acceleration: 0.2, relativeVolume: 0.9}, c)).toBe(0)
    expect(scoreOf({velocity: Infinity, acceleration: 1, relativeVolume: 1}, c)).toBe(0)
  })
})
