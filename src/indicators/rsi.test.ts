import {RSI as TiRSI} from 'technicalindicators'
import {RSI as TsRSI} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {RSI} from './rsi.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(values: Float64Array, period: number): {out: Float64Array; stable: boolean[]} {
  const rsi = new RSI(period)
  const out = new Float64Array(values.length)
  const stable: boolean[] = []
  for (let i = 0; i < values.length; i++) {
    out[i] = rsi.update(values[i])
    stable.push(rsi.isStable)
  }
  return {out, stable}
}

/** Wilder's RSI written out the textbook way, as an independent check. */
function textbookRsi(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN)
  let g = 0
  let l = 0
  for (let i = 1; i <= period; i++) {
    const c = values[i] - values[i - 1]
    g += Math.max(c, 0)
    l += Math.max(-c, 0)
  }
  g /= period
  l /= period
  out[period] = 100 - 100 / (1 + g / l)
  for (let i = period + 1; i < values.length; i++) {
    const c = values[i] - values[i - 1]
    g = (g * (period - 1) + Math.max(c, 0)) / period
    l = (l * (period - 1) + Math.max(-c, 0)) / period
    out[i] = 100 - 100 / (1 + g / l)
  }
  return out
}

describe('RSI against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const period of [2, 14, 50]) {
    it(`daily close, period ${period}: matches trading-signals (unrounded) and a textbook Wilder RSI`, () => {
      const {out, stable} = run(daily.close, period)
      const ts = new TsRSI(period)
      const tsOut = Array.from(daily.close, x => ts.add(x) ?? Number.NaN)
      expect(firstTrue(stable)).toBe(period)
      expect(firstTrue(tsOut.map(v => !Number.isNaN(v)))).toBe(period)
      const a = agreement(out, tsOut, 1e-9)
      logAgreement(`RSI(${period}) daily vs trading-signals`, a)
      expect(a.compared).toBe(daily.length - period)
      expect(a.maxRelative).toBeLessThan(1e-9)

      const b = agreement(out, textbookRsi(daily.close, period), 1e-9)
      logAgreement(`RSI(${period}) daily vs textbook`, b)
      expect(b.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('daily close, period 14: within the 2-decimal rounding of technicalindicators', () => {
    const {out} = run(daily.close, 14)
    const ti = alignTail(TiRSI.calculate({period: 14, values: Array.from(daily.close)}), daily.length)
    const a = agreement(out, ti, 1)
    logAgreement('RSI(14) daily vs technicalindicators (rounded to 0.01)', a)
    expect(a.maxAbsolute).toBeLessThanOrEqual(0.005 + 1e-9)
  })

  it('minute close, period 14 (many unchanged closes): matches trading-signals', () => {
    const {out} = run(minute.close, 14)
    const ts = new TsRSI(14)
    const tsOut = Array.from(minute.close, x => ts.add(x) ?? Number.NaN)
    const a = agreement(out, tsOut, 1e-9)
    logAgreement('RSI(14) minute vs trading-signals', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })
})

describe('RSI edge cases', () => {
  it('a flat series is 50 (the reference says 100, treating 0/0 as all gains)', () => {
    const rsi = new RSI(14)
    for (let i = 0; i < 50; i++) expect(rsi.update(7)).toBe(50)
    expect(rsi.isStable).toBe(true)
  })

  it('only gains is 100, only losses is 0', () => {
    const up = new RSI(5)
    const down = new RSI(5)
    for (let i = 0; i < 20; i++) {
      up.update(100 + i)
      down.update(100 - i)
    }
    expect(up.value).toBe(100)
    expect(down.value).toBe(0)
  })

  it('goes flat after moving: the averages decay but stay finite', () => {
    const rsi = new RSI(3)
    for (const v of [1, 2, 3, 2]) rsi.update(v)
    for (let i = 0; i < 5000; i++) rsi.update(2)
    expect(Number.isFinite(rsi.value)).toBe(true)
    expect(rsi.value).toBeGreaterThanOrEqual(0)
    expect(rsi.value).toBeLessThanOrEqual(100)
  })
})
