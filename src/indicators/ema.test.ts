import {EMA as TiEMA} from 'technicalindicators'
import {EMA as TsEMA} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {EMA} from './ema.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(values: Float64Array, period: number): {out: Float64Array; stable: boolean[]} {
  const ema = new EMA(period)
  const out = new Float64Array(values.length)
  const stable: boolean[] = []
  for (let i = 0; i < values.length; i++) {
    out[i] = ema.update(values[i])
    stable.push(ema.isStable)
  }
  return {out, stable}
}

describe('EMA against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const period of [1, 9, 12, 26, 100]) {
    it(`daily close, period ${period}: matches technicalindicators (SMA-seeded) from the first value`, () => {
      const {out, stable} = run(daily.close, period)
      const ti = alignTail(TiEMA.calculate({period, values: Array.from(daily.close)}), daily.length)
      expect(firstTrue(stable)).toBe(period - 1)
      expect(firstTrue(Array.from(ti, v => !Number.isNaN(v)))).toBe(period - 1)
      const a = agreement(out, ti, 1e-12)
      logAgreement(`EMA(${period}) daily vs technicalindicators`, a)
      expect(a.compared).toBe(daily.length - period + 1)
      expect(a.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('daily close, period 20: converges to trading-signals (first-value-seeded) once the seed has decayed', () => {
    const {out} = run(daily.close, 20)
    const ts = new TsEMA(20)
    const tsOut = Array.from(daily.close, x => ts.add(x) ?? Number.NaN)
    // The seeds differ; their difference decays by (19/21) per bar, below 1e-12 relative after ~300 bars.
    const early = agreement(out, tsOut, 1e-12, 19)
    const late = agreement(out, tsOut, 1e-12, 400)
    logAgreement('EMA(20) daily vs trading-signals from bar 400', late)
    expect(early.maxRelative).toBeGreaterThan(1e-6)
    expect(late.maxRelative).toBeLessThan(1e-9)
  })

  it('minute close, period 50: matches technicalindicators', () => {
    const {out} = run(minute.close, 50)
    const ti = alignTail(TiEMA.calculate({period: 50, values: Array.from(minute.close)}), minute.length)
    const a = agreement(out, ti, 1e-12)
    logAgreement('EMA(50) minute vs technicalindicators', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })
})

describe('EMA edge cases', () => {
  it('warm-up value is the mean so far, and the seed at `period` values is the SMA', () => {
    const ema = new EMA(3)
    expect(ema.value).toBe(0)
    expect(ema.update(3)).toBe(3)
    expect(ema.update(6)).toBe(4.5)
    expect(ema.isStable).toBe(false)
    expect(ema.update(9)).toBe(6)
    expect(ema.isStable).toBe(true)
    expect(ema.update(10)).toBe(6 + (10 - 6) * 0.5)
  })

  it('a flat series stays at its value', () => {
    const ema = new EMA(10)
    for (let i = 0; i < 200; i++) ema.update(42.5)
    expect(ema.value).toBe(42.5)
  })
})
