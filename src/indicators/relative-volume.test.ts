import {RVOL} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {RelativeVolume} from './relative-volume.js'
import {agreement, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(volumes: Float64Array, period: number): {out: Float64Array; stable: boolean[]} {
  const rv = new RelativeVolume(period)
  const out = new Float64Array(volumes.length)
  const stable: boolean[] = []
  for (let i = 0; i < volumes.length; i++) {
    out[i] = rv.update(volumes[i])
    stable.push(rv.isStable)
  }
  return {out, stable}
}

function reference(volumes: Float64Array, period: number): number[] {
  const ts = new RVOL(period)
  return Array.from(volumes, v => ts.add(v) ?? Number.NaN)
}

describe('RelativeVolume against trading-signals RVOL on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const period of [1, 20, 50]) {
    it(`daily volume, period ${period}`, () => {
      const {out, stable} = run(daily.volume, period)
      const ref = reference(daily.volume, period)
      expect(firstTrue(stable)).toBe(period)
      expect(firstTrue(ref.map(v => !Number.isNaN(v)))).toBe(period)
      const a = agreement(out, ref, 1e-12)
      logAgreement(`RelativeVolume(${period}) daily vs trading-signals`, a)
      expect(a.compared).toBe(daily.length - period)
      expect(a.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('minute volume (thin pre-market bars), period 30', () => {
    const {out} = run(minute.volume, 30)
    const a = agreement(out, reference(minute.volume, 30), 1e-12)
    logAgreement('RelativeVolume(30) minute vs trading-signals', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })
})

describe('RelativeVolume edge cases', () => {
  it('zero average volume gives 0, a later bar is compared with the real average', () => {
    const rv = new RelativeVolume(3)
    for (let i = 0; i < 5; i++) expect(rv.update(0)).toBe(0)
    expect(rv.update(100)).toBe(0)
    expect(rv.update(50)).toBe(50 / (100 / 3))
  })

  it('the first bar gives 0', () => {
    expect(new RelativeVolume(3).update(1000)).toBe(0)
  })
})
