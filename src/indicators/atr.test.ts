import {ATR as TiATR} from 'technicalindicators'
import {ATR as TsATR} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {ATR} from './atr.js'
import type {TestBars} from '../../test/support/lean-series.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(bars: TestBars, period: number): {out: Float64Array; stable: boolean[]} {
  const atr = new ATR(period)
  const out = new Float64Array(bars.length)
  const stable: boolean[] = []
  for (let i = 0; i < bars.length; i++) {
    out[i] = atr.update(bars.high[i], bars.low[i], bars.close[i])
    stable.push(atr.isStable)
  }
  return {out, stable}
}

function tiAtr(bars: TestBars, period: number): Float64Array {
  const ref = TiATR.calculate({
    period,
    high: Array.from(bars.high),
    low: Array.from(bars.low),
    close: Array.from(bars.close),
  })
  return alignTail(ref, bars.length)
}

describe('ATR against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const period of [1, 14, 50]) {
    it(`daily, period ${period}: matches technicalindicators (first bar has no true range)`, () => {
      const {out, stable} = run(daily, period)
      const ti = tiAtr(daily, period)
      expect(firstTrue(stable)).toBe(period)
      expect(firstTrue(Array.from(ti, v => !Number.isNaN(v)))).toBe(period)
      const a = agreement(out, ti, 1e-12)
      logAgreement(`ATR(${period}) daily vs technicalindicators`, a)
      expect(a.compared).toBe(daily.length - period)
      expect(a.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('daily, period 14: converges to trading-signals (which counts high-low of the first bar) after warm-up', () => {
    const {out} = run(daily, 14)
    const ts = new TsATR(14)
    const tsOut = Array.from({length: daily.length}, (_, i) =>
      ts.add({high: daily.high[i], low: daily.low[i], close: daily.close[i]}) ?? Number.NaN,
    )
    const late = agreement(out, tsOut, 1e-12, 600)
    logAgreement('ATR(14) daily vs trading-signals from bar 600', late)
    expect(late.maxRelative).toBeLessThan(1e-9)
  })

  it('minute, period 14: matches technicalindicators', () => {
    const {out} = run(minute, 14)
    const a = agreement(out, tiAtr(minute, 14), 1e-12)
    logAgreement('ATR(14) minute vs technicalindicators', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })
})

describe('ATR edge cases', () => {
  it('bars with no range at all give 0, finite', () => {
    const atr = new ATR(5)
    for (let i = 0; i < 30; i++) expect(atr.update(10, 10, 10)).toBe(0)
    expect(atr.isStable).toBe(true)
  })

  it('a gap counts in the true range', () => {
    const atr = new ATR(1)
    atr.update(10, 9, 9.5)
    expect(atr.update(12, 11.5, 12)).toBe(2.5)
    expect(atr.trueRange).toBe(2.5)
  })

  it('one bar: value 0, not stable', () => {
    const atr = new ATR(3)
    expect(atr.update(5, 4, 4.5)).toBe(0)
    expect(atr.isStable).toBe(false)
  })
})
