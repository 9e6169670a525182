import {Highest as TiHighest, Lowest as TiLowest} from 'technicalindicators'
import {describe, expect, it} from 'vitest'
import {Rng} from '../core/rng.js'
import {Highest, Lowest} from './extremes.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

describe('Highest / Lowest against technicalindicators on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const [name, bars] of [['daily', daily], ['minute', minute]] as const) {
    for (const period of [1, 14, 252]) {
      it(`${name}, period ${period}: highest high and lowest low`, () => {
        const hi = new Highest(period)
        const lo = new Lowest(period)
        const n = bars.length
        const h = new Float64Array(n)
        const l = new Float64Array(n)
        const stable: boolean[] = []
        for (let i = 0; i < n; i++) {
          h[i] = hi.update(bars.high[i])
          l[i] = lo.update(bars.low[i])
          stable.push(hi.isStable && lo.isStable)
        }
        const tiH = alignTail(TiHighest.calculate({period, values: Array.from(bars.high)}), n)
        const tiL = alignTail(TiLowest.calculate({period, values: Array.from(bars.low)}), n)
        expect(firstTrue(stable)).toBe(Math.min(period - 1, n))
        expect(firstTrue(Array.from(tiH, v => !Number.isNaN(v)))).toBe(period - 1)
        const a = agreement(h, tiH, 1e-12)
        const b = agreement(l, tiL, 1e-12)
        logAgreement(`Highest(${period}) ${name} vs technicalindicators`, a)
        logAgreement(`Lowest(${period}) ${name} vs technicalindicators`, b)
        expect(a.compared).toBe(n - period + 1)
        expect(a.maxRelative).toBe(0)
        expect(b.maxRelative).toBe(0)
      })
    }
  }
})

describe('Highest / Lowest: deque against brute force', () => {
  it('random walks with many ties, windows 1..40, including barsAgo', () => {
    const rng = new Rng(42)
    for (const period of [1, 2, 3, 7, 40]) {
      const hi = new Highest(period)
      const lo = new Lowest(period)
      const xs: number[] = []
      for (let i = 0; i < 3000; i++) {
        const x = Math.round(rng.uniform(-5, 5)) + 0 // integers, so ties are frequent (+ 0 turns -0 into 0)
        xs.push(x)
        hi.update(x)
        lo.update(x)
        const win = xs.slice(Math.max(0, xs.length - period))
        const max = Math.max(...win)
        const min = Math.min(...win)
        expect(hi.value).toBe(max)
        expect(lo.value).toBe(min)
        expect(hi.barsAgo).toBe(win.length - 1 - win.lastIndexOf(max))
        expect(lo.barsAgo).toBe(win.length - 1 - win.lastIndexOf(min))
      }
    }
  })

  it('is finite and 0 before any value', () => {
    expect(new Highest(5).value).toBe(0)
    expect(new Lowest(5).barsAgo).toBe(0)
  })
})
