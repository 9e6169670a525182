import {SD as TiSD} from 'technicalindicators'
import {describe, expect, it} from 'vitest'
import {Rng} from '../core/rng.js'
import {StdDev} from './stddev.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function run(values: Float64Array, period: number): {out: Float64Array; stable: boolean[]} {
  const sd = new StdDev(period)
  const out = new Float64Array(values.length)
  const stable: boolean[] = []
  for (let i = 0; i < values.length; i++) {
    out[i] = sd.update(values[i])
    stable.push(sd.isStable)
  }
  return {out, stable}
}

/** Two-pass population standard deviation of each full window: the slow, exact reference. */
function twoPass(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN)
  for (let i = period - 1; i < values.length; i++) {
    let s = 0
    for (let k = i - period + 1; k <= i; k++) s += values[k]
    const m = s / period
    let q = 0
    for (let k = i - period + 1; k <= i; k++) q += (values[k] - m) ** 2
    out[i] = Math.sqrt(q / period)
  }
  return out
}

describe('StdDev against the references on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const period of [2, 20, 100]) {
    it(`daily close, period ${period}: matches technicalindicators SD and a two-pass computation`, () => {
      const {out, stable} = run(daily.close, period)
      const ti = alignTail(TiSD.calculate({period, values: Array.from(daily.close)}), daily.length)
      expect(firstTrue(stable)).toBe(period - 1)
      expect(firstTrue(Array.from(ti, v => !Number.isNaN(v)))).toBe(period - 1)
      // technicalindicators takes the mean from a running sum whose drift leaves ~1e-11 where two equal closes
      // should give exactly 0, so it is judged relative to max(|sd|, $1); the two-pass check below is strict.
      const a = agreement(out, ti, 1)
      logAgreement(`StdDev(${period}) daily vs technicalindicators`, a)
      expect(a.compared).toBe(daily.length - period + 1)
      expect(a.maxRelative).toBeLessThan(1e-9)
      const b = agreement(out, twoPass(daily.close, period), 1e-9)
      logAgreement(`StdDev(${period}) daily vs two-pass`, b)
      expect(b.maxRelative).toBeLessThan(1e-9)
    })
  }

  it('minute close (tiny deviations on a ~170 level), period 20: matches two-pass', () => {
    const {out} = run(minute.close, 20)
    const a = agreement(out, twoPass(minute.close, 20), 1e-9)
    logAgreement('StdDev(20) minute vs two-pass', a)
    expect(a.maxRelative).toBeLessThan(1e-9)
  })

  it('stays accurate over a million values with a large offset (no drift)', () => {
    const rng = new Rng(7)
    const n = 1_000_000
    const values = new Float64Array(n)
    let p = 1e6
    for (let i = 0; i < n; i++) values[i] = p += rng.uniform(-0.01, 0.01)
    const sd = new StdDev(50)
    for (let i = 0; i < n; i++) sd.update(values[i])
    const exact = twoPass(values.subarray(n - 50), 50)[49]
    expect(Math.abs(sd.value - exact) / exact).toBeLessThan(1e-9)
  })
})

describe('StdDev edge cases', () => {
  it('a flat window is exactly 0, also for values with no exact binary form', () => {
    const sd = new StdDev(5)
    for (let i = 0; i < 40; i++) sd.update(0.1)
    expect(sd.value).toBe(0)
    expect(sd.mean).toBe(0.1)
    for (const v of [3, 1, 4, 1, 5]) sd.update(v)
    for (let i = 0; i < 5; i++) sd.update(0.3)
    expect(sd.value).toBe(0)
  })

  it('one value: 0 and not stable', () => {
    const sd = new StdDev(3)
    expect(sd.update(5)).toBe(0)
    expect(sd.isStable).toBe(false)
    expect(sd.update(7)).toBe(1)
  })
})
