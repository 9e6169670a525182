import {describe, expect, it} from 'vitest'
import type {Bar} from '../../src/core/market-data.js'
import {VolumeProfileSignalParams} from './index.js'
import {VolumeProfileSignal} from './signal.js'

const SETTINGS = VolumeProfileSignalParams.parse({window: 20, buckets: 10, maxBars: 8, cooldownBars: 3})

/** 20 bars around 100: most volume at 100, less at 99.5 / 100.5, little at 99 / 101. */
const WARMUP: [number, number][] = Array.from({length: 20}, (_, i) => {
  const cycle: [number, number][] = [[99, 100], [99.5, 500], [100, 2000], [100.5, 500], [101, 100]]
  return cycle[i % cycle.length]
})

class Feeder {
  readonly signal = new VolumeProfileSignal(SETTINGS)
  private i = 0
  bar(close: number, volume = 0): number {
    // Volume 0 keeps the test's own bars out of the profile's price range.
    const bar: Bar = {symbol: 'X', index: 0, ts: this.i++ * 60_000, open: close, high: close, low: close, close, volume}
    return this.signal.update(bar)
  }
  /** The levels the signal will judge the next bar against. */
  levels(): {poc: number; val: number; vah: number} {
    expect(this.signal.profile.compute(SETTINGS.valueArea)).toBe(true)
    const {poc, val, vah} = this.signal.profile
    return {poc, val, vah}
  }
}

function warm(): Feeder {
  const f = new Feeder()
  for (const [price, volume] of WARMUP) expect(f.bar(price, volume)).toBe(0)
  return f
}

describe('VolumeProfileSignal', () => {
  it('buys a close just below the value area and gives it up at the point of control', () => {
    const f = warm()
    const {poc, val, vah} = f.levels()
    expect(val).toBeLessThan(poc)
    expect(vah).toBeGreaterThan(poc)
    const width = vah - val
    expect(f.bar(val - 0.2 * width)).toBe(1)
    expect(f.signal.reason).toBe('below_value_area')
    expect(f.bar(poc - 0.01)).toBe(1)
    expect(f.bar(poc)).toBe(0)
    expect(f.signal.reason).toBe('target_poc')
  })

  it('stops out beyond stopWidth value-area widths, then waits out the cooldown', () => {
    const f = warm()
    const {val, vah} = f.levels()
    const width = vah - val
    expect(f.bar(val - 0.4 * width)).toBe(1)
    expect(f.bar(val - 0.5 * width)).toBe(0)
    expect(f.signal.reason).toBe('stop')
    // Three bars of cooldown, even at a price that would be an entry.
    for (let i = 0; i < 3; i++) expect(f.bar(val - 0.2 * width)).toBe(0)
    expect(f.bar(val - 0.2 * width)).toBe(1)
  })

  it('sells a close just above the value area; no entry for a close already beyond the stop', () => {
    const f = warm()
    const {val, vah} = f.levels()
    const width = vah - val
    expect(f.bar(vah + 0.6 * width)).toBe(0) // beyond the stop distance: a breakout, not a reversion
    expect(f.bar(vah + 0.1 * width)).toBe(-1)
    expect(f.signal.reason).toBe('above_value_area')
  })

  it('gives the position up after maxBars bars (time stop)', () => {
    const f = warm()
    const {poc, val, vah} = f.levels()
    expect(f.bar(val - 0.1 * (vah - val))).toBe(1)
    const between = (val + poc) / 2
    for (let i = 1; i < SETTINGS.maxBars; i++) expect(f.bar(between)).toBe(1)
    expect(f.bar(between)).toBe(0)
    expect(f.signal.reason).toBe('time_stop')
  })

  it('has no stance while the window is not full or holds no volume', () => {
    const f = new Feeder()
    for (let i = 0; i < 40; i++) expect(f.bar(i % 2 === 0 ? 50 : 150, 0)).toBe(0)
  })
})
