import {SMA as TiSMA} from 'technicalindicators'
import {SMA as TsSMA} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {SMA} from './sma.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(values: Float64Array, period: number): {out: Float64Array; stable: boolean[]} {
  const sma = new SMA(period)
  const out = new Float64Array(values.length)
  const stable: boolean[] = []
  for (let i = 0; i < values.length; i++) {
    out[i] = sma.update(values[i])
    stable.push(sma.isStable)
  }
  return {out, stable}
}

describe('SMA against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  it('has a long daily series to compare on', () => {
    expect(daily.length).toBeGreaterThan(1000)
    expect(minute.length).toBeGreaterThan(1000)
  })

  for (const period of [1, 5, 20, 200]) {
    it(`daily close, period ${period}: matches technicalindicators and trading-signals`, () => {
      const {out, stable} = run(daily.close, period)
      const ti = alignTail(TiSMA.calculate({period, values: Array.from(daily.close)}), daily.length)
      expect(firstTrue(stable)).toBe(period - 1)
      expect(Number.isNaN(ti[period - 2] ?? Number.NaN)).toBe(true)
      expect(Number.isNaN(ti[period - 1])).toBe(false)
      const a = agreement(out, ti, 1e-12)
      logAgreement(`SMA(${period}) daily vs technicalindicators`, a)
      expect(a.compared).toBe(daily.length - period + 1)
      expect(a.maxRelative).toBeLessThan(1e-9)

      const ts = new TsSMA(period)
      const tsOut = Array.from(daily.close, x => ts.add(x) ?? Number.NaN)
      const b = agreement(out, tsOut, 1e-12)
      logAgreement(`SMA(${period}) daily vs trading-signals`, b)
      expect(b.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('minute close over concatenated sessions, period 30: matches technicalindicators', () => {
    const {out} = run(minute.close, 30)
    const ti = alignTail(TiSMA.calculate({period: 30, values: Array.from(minute.close)}), minute.length)
    const a = agreement(out, ti, 1e-12)
    logAgreement('SMA(30) minute vs technicalindicators', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })

  it('volume (wide dynamic range), period 50: matches a direct sum', () => {
    const {out} = run(daily.volume, 50)
    const direct = new Float64Array(daily.length).fill(Number.NaN)
    for (let i = 49; i < daily.length; i++) {
      let s = 0
      for (let k = i - 49; k <= i; k++) s += daily.volume[k]
      direct[i] = s / 50
    }
    const a = agreement(out, direct, 1)
    logAgreement('SMA(50) daily volume vs direct sum', a)
    expect(a.maxRelative).toBeLessThan(1e-12)
  })
})

describe('SMA edge cases', () => {
  it('before the window fills, gives the mean so far and is not stable', () => {
    const sma = new SMA(4)
    expect(sma.value).toBe(0)
    sma.update(1)
    sma.update(2)
    expect(sma.value).toBe(1.5)
    expect(sma.isStable).toBe(false)
    expect(sma.count).toBe(2)
  })

  it('a flat series gives its value exactly, also after the window rolls', () => {
    const sma = new SMA(7)
    for (let i = 0; i < 100; i++) expect(sma.update(0.1)).toBe(0.1)
  })

  it('a spike leaving the window leaves no rounding residue', () => {
    const sma = new SMA(3)
    for (const v of [1e15, 0.1, 0.2, 0.3]) sma.update(v)
    expect(sma.value).toBeCloseTo(0.2, 15)
  })
})
