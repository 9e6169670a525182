import {BollingerBands as TiBB} from 'technicalindicators'
import {BollingerBands as TsBB} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {BollingerBands} from './bollinger.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

describe('BollingerBands against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const [name, bars] of [['daily', daily], ['minute', minute]] as const) {
    it(`${name} close, (20, 2): middle, upper, lower and %B match technicalindicators; bands match trading-signals`, () => {
      const bb = new BollingerBands(20, 2)
      const n = bars.length
      const middle = new Float64Array(n)
      const upper = new Float64Array(n)
      const lower = new Float64Array(n)
      const pb = new Float64Array(n)
      const stable: boolean[] = []
      for (let i = 0; i < n; i++) {
        middle[i] = bb.update(bars.close[i])
        upper[i] = bb.upper
        lower[i] = bb.lower
        pb[i] = bb.percentB
        stable.push(bb.isStable)
      }
      const ti = TiBB.calculate({period: 20, stdDev: 2, values: Array.from(bars.close)})
      expect(firstTrue(stable)).toBe(19)
      expect(n - ti.length).toBe(19)
      const checks = [
        ['middle', middle, alignTail(ti.map(r => r.middle), n)],
        ['upper', upper, alignTail(ti.map(r => r.upper), n)],
        ['lower', lower, alignTail(ti.map(r => r.lower), n)],
      ] as const
      for (const [band, ours, ref] of checks) {
        const a = agreement(ours, ref, 1e-12)
        logAgreement(`Bollinger(20,2) ${band} ${name} vs technicalindicators`, a)
        expect(a.maxRelative).toBeLessThan(1e-9)
      }
      // %B is (price - lower) / width; judge it on the width scale (absolute, %B is ~0..1).
      const refPb = alignTail(ti.map(r => (Number.isFinite(r.pb) ? r.pb : Number.NaN)), n)
      const p = agreement(pb, refPb, 1)
      logAgreement(`Bollinger(20,2) %B ${name} vs technicalindicators`, p)
      expect(p.maxAbsolute).toBeLessThan(1e-6)

      const ts = new TsBB(20, 2)
      const tsUpper = Array.from(bars.close, x => ts.add(x)?.upper ?? Number.NaN)
      const b = agreement(upper, tsUpper, 1e-12)
      logAgreement(`Bollinger(20,2) upper ${name} vs trading-signals`, b)
      expect(b.maxRelative).toBeLessThan(1e-9)
    })
  }
})

describe('BollingerBands edge cases', () => {
  it('a flat series has zero width, %B 0.5 and bandwidth 0', () => {
    const bb = new BollingerBands(10, 2)
    for (let i = 0; i < 30; i++) bb.update(12.34)
    expect(bb.upper).toBe(12.34)
    expect(bb.lower).toBe(12.34)
    expect(bb.percentB).toBe(0.5)
    expect(bb.bandwidth).toBe(0)
  })

  it('zero prices give bandwidth 0, not NaN', () => {
    const bb = new BollingerBands(3, 2)
    for (let i = 0; i < 5; i++) bb.update(0)
    expect(bb.bandwidth).toBe(0)
    expect(bb.percentB).toBe(0.5)
  })
})
