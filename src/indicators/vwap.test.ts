import {VWAP as TiVWAP} from 'technicalindicators'
import {VWAP as TsVWAP} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {VWAP} from './vwap.js'
import {agreement, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

describe('VWAP against the references on real SPY minute sessions', () => {
  const minute = loadMinuteSessions('spy')
  const starts = [...minute.sessionStarts, minute.length]

  it('has several sessions', () => {
    expect(minute.sessionStarts.length).toBeGreaterThanOrEqual(2)
  })

  it('resets per session and matches technicalindicators and trading-signals session by session', () => {
    const vwap = new VWAP()
    const n = minute.length
    const out = new Float64Array(n)
    const ti = new Float64Array(n).fill(Number.NaN)
    const ts = new Float64Array(n).fill(Number.NaN)
    for (let s = 0; s + 1 < starts.length; s++) {
      const [from, to] = [starts[s], starts[s + 1]]
      vwap.resetSession()
      expect(vwap.isStable).toBe(false)
      const tsVwap = new TsVWAP()
      for (let i = from; i < to; i++) {
        out[i] = vwap.update(minute.high[i], minute.low[i], minute.close[i], minute.volume[i])
        expect(vwap.sessionCount).toBe(i - from + 1)
        const bar = {high: minute.high[i], low: minute.low[i], close: minute.close[i], volume: minute.volume[i]}
        ts[i] = tsVwap.add(bar) ?? Number.NaN
      }
      const ref = TiVWAP.calculate({
        high: Array.from(minute.high.subarray(from, to)),
        low: Array.from(minute.low.subarray(from, to)),
        close: Array.from(minute.close.subarray(from, to)),
        volume: Array.from(minute.volume.subarray(from, to)),
      })
      expect(ref.length).toBe(to - from)
      ti.set(ref, from)
    }
    expect(vwap.count).toBe(n)
    const a = agreement(out, ti, 1e-12)
    const b = agreement(out, ts, 1e-12)
    logAgreement('VWAP minute (per session) vs technicalindicators', a)
    logAgreement('VWAP minute (per session) vs trading-signals', b)
    expect(a.compared).toBe(n)
    expect(a.maxRelative).toBeLessThan(1e-9)
    expect(b.maxRelative).toBeLessThan(1e-9)
  })
})

describe('VWAP edge cases', () => {
  it('zero volume so far gives the typical price, not 0/0; volume then takes over', () => {
    const vwap = new VWAP()
    expect(vwap.value).toBe(0)
    expect(vwap.update(12, 9, 9, 0)).toBe(10)
    expect(vwap.isStable).toBe(false)
    expect(vwap.update(21, 21, 21, 100)).toBe(21)
    expect(vwap.update(9, 9, 9, 0)).toBe(21)
    expect(vwap.isStable).toBe(true)
  })

  it('resetSession starts the sums again but keeps the total count', () => {
    const vwap = new VWAP()
    vwap.update(10, 10, 10, 5)
    vwap.resetSession()
    expect(vwap.value).toBe(0)
    expect(vwap.sessionVolume).toBe(0)
    expect(vwap.update(20, 20, 20, 1)).toBe(20)
    expect(vwap.count).toBe(2)
    vwap.reset()
    expect(vwap.count).toBe(0)
  })
})
