import {PSAR as TiPSAR} from 'technicalindicators'
import {describe, expect, it} from 'vitest'
import {IndicatorConfigError} from './errors.js'
import {ParabolicSAR} from './psar.js'
import type {TestBars} from '../../test/support/lean-series.js'
import {agreement, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function compare(bars: TestBars, name: string, step: number, max: number): void {
  const sar = new ParabolicSAR(step, step, max)
  const n = bars.length
  const out = new Float64Array(n)
  let reversals = 0
  for (let i = 0; i < n; i++) {
    out[i] = sar.update(bars.high[i], bars.low[i])
    if (sar.reversed) reversals++
    if (i > 0) {
      // The SAR stays outside the bar on the side of the trend it now trails.
      if (sar.isLong) expect(out[i]).toBeLessThanOrEqual(bars.low[i])
      else expect(out[i]).toBeGreaterThanOrEqual(bars.high[i])
    }
  }
  const ref = TiPSAR.calculate({step, max, high: Array.from(bars.high), low: Array.from(bars.low)})
  expect(ref.length).toBe(n)
  const a = agreement(out, Float64Array.from(ref), 1e-12)
  logAgreement(`ParabolicSAR(${step},${max}) ${name} vs technicalindicators (${reversals} reversals)`, a)
  expect(a.compared).toBe(n)
  expect(reversals).toBeGreaterThan(20)
  expect(a.maxRelative).toBeLessThan(1e-9)
}

describe('ParabolicSAR against technicalindicators on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  it('daily (0.02, 0.2)', () => compare(daily, 'daily', 0.02, 0.2))
  it('daily (0.01, 0.1)', () => compare(daily, 'daily', 0.01, 0.1))
  it('minute (0.02, 0.2)', () => compare(minute, 'minute', 0.02, 0.2))
})

describe('ParabolicSAR rules', () => {
  it('the acceleration factor starts at `start`, grows by `step` per new extreme, caps at `max`', () => {
    const sar = new ParabolicSAR(0.01, 0.05, 0.12)
    sar.update(10, 9)
    expect(sar.isStable).toBe(false)
    expect(sar.accelerationFactor).toBe(0.01)
    sar.update(11, 10)
    expect(sar.isStable).toBe(true)
    expect(sar.accelerationFactor).toBeCloseTo(0.06, 15)
    sar.update(12, 11)
    expect(sar.accelerationFactor).toBeCloseTo(0.11, 15)
    sar.update(13, 12)
    expect(sar.accelerationFactor).toBe(0.12)
    expect(sar.extremePoint).toBe(13)
    expect(sar.isLong).toBe(true)
  })

  it('reverses to short at the extreme point when a bar breaks the SAR, and resets the factor', () => {
    const sar = new ParabolicSAR()
    for (const [h, l] of [[10, 9], [11, 10], [12, 11], [13, 12]]) sar.update(h, l)
    sar.update(9, 5)
    expect(sar.reversed).toBe(true)
    expect(sar.isLong).toBe(false)
    expect(sar.value).toBe(13)
    expect(sar.extremePoint).toBe(5)
    expect(sar.accelerationFactor).toBe(0.02)
  })

  it('a flat series stays finite and long', () => {
    const sar = new ParabolicSAR()
    for (let i = 0; i < 100; i++) sar.update(5, 5)
    expect(sar.value).toBe(5)
  })

  it('rejects factors that cannot work', () => {
    expect(() => new ParabolicSAR(0, 0.02, 0.2)).toThrow(IndicatorConfigError)
    expect(() => new ParabolicSAR(0.02, 0.02, 0.01)).toThrow(IndicatorConfigError)
    expect(() => new ParabolicSAR(0.02, Number.NaN, 0.2)).toThrow(IndicatorConfigError)
  })
})
