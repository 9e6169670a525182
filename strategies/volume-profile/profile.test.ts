import {describe, expect, it} from 'vitest'
import {RollingVolumeProfile} from './profile.js'

/** Pushes bars whose high, low and close are all `price`, so the typical price is exactly `price`. */
function push(p: RollingVolumeProfile, bars: [price: number, volume: number][]): void {
  for (const [price, volume] of bars) p.push(price, price, price, volume)
}

describe('RollingVolumeProfile', () => {
  it('finds the point of control and grows the value area towards the fuller side', () => {
    const p = new RollingVolumeProfile(5, 10)
    // Range 10..20 in 10 buckets of 1: 10 → bucket 0, 11 → 1, 12 → 2, 13 → 3, 20 → the top bucket 9.
    push(p, [[10, 100], [11, 300], [12, 200], [13, 50], [20, 50]])
    expect(p.compute(0.7)).toBe(true)
    expect(p.poc).toBeCloseTo(11.5, 12)
    // 300 at the POC, then 200 above (fuller than 100 below): 500 of 700 >= 70 %.
    expect(p.val).toBeCloseTo(11, 12)
    expect(p.vah).toBeCloseTo(13, 12)
    expect(p.compute(0.95)).toBe(true)
    // 95 % = 665: 300 + 200 + 100 + 50 (bucket 3) = 650, then the walk goes up through empty buckets to 20's.
    expect(p.val).toBeCloseTo(10, 12)
    expect(p.vah).toBeCloseTo(20, 12)
  })

  it('forgets bars older than the window', () => {
    const p = new RollingVolumeProfile(4, 4)
    push(p, [[50, 1e6], [50, 1e6], [1, 1], [2, 1]])
    expect(p.compute(0.5)).toBe(true)
    expect(p.poc).toBeGreaterThan(40)
    push(p, [[1, 10], [2, 1], [3, 1], [4, 1]])
    expect(p.compute(0.5)).toBe(true)
    // Only 1..4 remain: the heavy bars at 50 are gone, the POC is the bucket of 1.
    expect(p.poc).toBeCloseTo(1 + 0.375, 12)
  })

  it('gives no profile for degenerate windows instead of dividing by zero', () => {
    const p = new RollingVolumeProfile(3, 5)
    push(p, [[10, 100], [11, 100]])
    expect(p.compute(0.7)).toBe(false) // not full
    const zeroVolume = new RollingVolumeProfile(3, 5)
    push(zeroVolume, [[10, 0], [11, 0], [12, 0]])
    expect(zeroVolume.compute(0.7)).toBe(false)
    const onePrice = new RollingVolumeProfile(3, 5)
    push(onePrice, [[10, 5], [10, 5], [10, 5]])
    expect(onePrice.compute(0.7)).toBe(false)
    const zeroPrices = new RollingVolumeProfile(3, 5)
    push(zeroPrices, [[0, 5], [0, 5], [0, 5]])
    expect(zeroPrices.compute(0.7)).toBe(false)
    const overflow = new RollingVolumeProfile(3, 5)
    push(overflow, [[10, 1e308], [11, 1e308], [12, 1e308]])
    expect(overflow.compute(0.7)).toBe(false)
    const bad = new RollingVolumeProfile(3, 5)
    bad.push(Number.NaN, 1, 1, 5)
    bad.push(1, 1, 1, -5)
    bad.push(2, 2, 2, Number.POSITIVE_INFINITY)
    expect(bad.compute(0.7)).toBe(false)
  })

  it('rejects a window or bucket count that cannot hold a profile', () => {
    expect(() => new RollingVolumeProfile(1, 10)).toThrow(RangeError)
    expect(() => new RollingVolumeProfile(10, 1.5)).toThrow(RangeError)
  })
})
