import {CrossDown, CrossUp} from 'technicalindicators'
import {describe, expect, it} from 'vitest'
import {CrossOver} from './crossover.js'
import {SMA} from './sma.js'
import {loadDailyBars, loadMinuteSessions} from '../../test/support/lean-series.js'

function check(closes: Float64Array, fastPeriod: number, slowPeriod: number): number {
  const fast = new SMA(fastPeriod)
  const slow = new SMA(slowPeriod)
  const cross = new CrossOver()
  const a: number[] = []
  const b: number[] = []
  const ours: number[] = []
  for (const x of closes) {
    fast.update(x)
    slow.update(x)
    if (!slow.isStable) continue
    a.push(fast.value)
    b.push(slow.value)
    ours.push(cross.update(fast.value, slow.value))
  }
  const up = CrossUp.calculate({lineA: a, lineB: b})
  const down = CrossDown.calculate({lineA: a, lineB: b})
  // technicalindicators reports a cross at the first point where the lines differ (no earlier side to cross
  // from); CrossOver waits for a real change of side. Compare from the bar after the first difference.
  const first = a.findIndex((v, i) => v !== b[i])
  let crosses = 0
  for (let i = first + 1; i < a.length; i++) {
    const ref = up[i] ? 1 : down[i] ? -1 : 0
    expect(ours[i], `bar ${i}`).toBe(ref)
    if (ref !== 0) crosses++
  }
  return crosses
}

describe('CrossOver against technicalindicators CrossUp / CrossDown on real SPY bars', () => {
  it('SMA(10) vs SMA(30), daily', () => {
    expect(check(loadDailyBars('spy').close, 10, 30)).toBeGreaterThan(50)
  })

  it('SMA(5) vs SMA(20), minute', () => {
    expect(check(loadMinuteSessions('spy').close, 5, 20)).toBeGreaterThan(50)
  })
})

describe('CrossOver semantics', () => {
  it('touching and going back is no cross; touching and going through is one cross', () => {
    const c = new CrossOver()
    expect([c.update(1, 2), c.update(2, 2), c.update(1, 2)]).toEqual([0, 0, 0])
    expect([c.update(2, 2), c.update(3, 2)]).toEqual([0, 1])
    expect(c.crossedUp).toBe(true)
    expect([c.update(3, 2), c.update(1, 2)]).toEqual([0, -1])
    expect(c.crossedDown).toBe(true)
  })

  it('no cross before the lines have been on one side; equal lines forever never cross', () => {
    const c = new CrossOver()
    for (let i = 0; i < 10; i++) expect(c.update(5, 5)).toBe(0)
    expect(c.isStable).toBe(false)
    expect(c.update(6, 5)).toBe(0)
    expect(c.isStable).toBe(true)
  })
})
