import {ROC as TiROC} from 'technicalindicators'
import {describe, expect, it} from 'vitest'
import {Acceleration, Velocity} from './momentum.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

describe('Velocity and Acceleration on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  it('velocity is technicalindicators ROC over the window', () => {
    const v = new Velocity(10)
    const out = Float64Array.from(minute.close, x => v.update(x))
    const ti = alignTail(TiROC.calculate({period: 10, values: Array.from(minute.close)}), minute.length)
    const a = agreement(out, ti, 1e-3)
    logAgreement('Velocity(10) minute vs technicalindicators ROC', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })

  for (const [vw, aw] of [[10, 5], [1, 1], [20, 20]] as const) {
    it(`acceleration(${vw}, ${aw}) is the change of technicalindicators ROC(${vw}) over ${aw} bars`, () => {
      const acc = new Acceleration(vw, aw)
      const out = new Float64Array(daily.length)
      const vel = new Float64Array(daily.length)
      const stable: boolean[] = []
      for (let i = 0; i < daily.length; i++) {
        out[i] = acc.update(daily.close[i])
        vel[i] = acc.velocity
        stable.push(acc.isStable)
      }
      const roc = alignTail(TiROC.calculate({period: vw, values: Array.from(daily.close)}), daily.length)
      const ref = new Float64Array(daily.length).fill(Number.NaN)
      for (let i = aw; i < daily.length; i++) ref[i] = roc[i] - roc[i - aw]
      expect(firstTrue(stable)).toBe(vw + aw)
      expect(firstTrue(Array.from(ref, r => !Number.isNaN(r)))).toBe(vw + aw)
      const a = agreement(out, ref, 1e-3)
      logAgreement(`Acceleration(${vw},${aw}) daily vs ROC difference`, a)
      expect(a.compared).toBe(daily.length - vw - aw)
      expect(a.maxRelative).toBeLessThan(1e-9)
      expect(agreement(vel, roc, 1e-3).maxRelative).toBeLessThan(1e-9)
    })
  }
})

describe('Acceleration semantics', () => {
  it('is positive while a move speeds up and negative while it slows down', () => {
    const acc = new Acceleration(2, 2)
    // Speeding up: +1, +2, +4, +8 ...; then slowing: +4, +2, +1, +0.5 ...
    for (const p of [100, 101, 103, 107, 115, 131]) acc.update(p)
    expect(acc.isStable).toBe(true)
    expect(acc.value).toBeGreaterThan(0)
    for (const p of [135, 137, 138, 138.5, 138.75]) acc.update(p)
    expect(acc.value).toBeLessThan(0)
  })

  it('is 0 for a flat series and for zero prices', () => {
    const flat = new Acceleration(3, 2)
    const zero = new Acceleration(3, 2)
    for (let i = 0; i < 20; i++) {
      expect(flat.update(50)).toBe(0)
      expect(zero.update(0)).toBe(0)
    }
  })
})
