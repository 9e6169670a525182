import {ROC as TiROC} from 'technicalindicators'
import {ROC as TsROC} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {ROC} from './roc.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(values: Float64Array, period: number): {out: Float64Array; stable: boolean[]} {
  const roc = new ROC(period)
  const out = new Float64Array(values.length)
  const stable: boolean[] = []
  for (let i = 0; i < values.length; i++) {
    out[i] = roc.update(values[i])
    stable.push(roc.isStable)
  }
  return {out, stable}
}

describe('ROC against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const period of [1, 10, 252]) {
    it(`daily close, period ${period}: matches technicalindicators (%) and trading-signals (fraction x 100)`, () => {
      const {out, stable} = run(daily.close, period)
      const ti = alignTail(TiROC.calculate({period, values: Array.from(daily.close)}), daily.length)
      expect(firstTrue(stable)).toBe(period)
      expect(firstTrue(Array.from(ti, v => !Number.isNaN(v)))).toBe(period)
      // ROC crosses zero; relative error is taken against max(|ref|, 1e-3 percentage points).
      const a = agreement(out, ti, 1e-3)
      logAgreement(`ROC(${period}) daily vs technicalindicators`, a)
      expect(a.compared).toBe(daily.length - period)
      expect(a.maxRelative).toBeLessThan(1e-9)

      const ts = new TsROC(period)
      const tsOut = Array.from(daily.close, x => {
        const r = ts.add(x)
        return r === null ? Number.NaN : r * 100
      })
      const b = agreement(out, tsOut, 1e-3)
      logAgreement(`ROC(${period}) daily vs trading-signals`, b)
      expect(b.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('minute close, period 5: matches technicalindicators', () => {
    const {out} = run(minute.close, 5)
    const a = agreement(out, alignTail(TiROC.calculate({period: 5, values: Array.from(minute.close)}), minute.length), 1e-3)
    logAgreement('ROC(5) minute vs technicalindicators', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })
})

describe('ROC edge cases', () => {
  it('is 0 before `period + 1` values and with a zero base', () => {
    const roc = new ROC(2)
    expect(roc.update(0)).toBe(0)
    expect(roc.update(5)).toBe(0)
    expect(roc.isStable).toBe(false)
    expect(roc.update(10)).toBe(0)
    expect(roc.isStable).toBe(true)
    expect(roc.update(20)).toBe(300)
  })
})
