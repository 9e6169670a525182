import {MACD as TiMACD} from 'technicalindicators'
import {describe, expect, it} from 'vitest'
import {MACD} from './macd.js'
import type {TestBars} from '../../test/support/lean-series.js'
import {agreement, alignTail, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

function compare(bars: TestBars, name: string, fast: number, slow: number, signal: number): void {
  const m = new MACD(fast, slow, signal)
  const n = bars.length
  const line = new Float64Array(n)
  const sig = new Float64Array(n)
  const hist = new Float64Array(n)
  const stable: boolean[] = []
  for (let i = 0; i < n; i++) {
    line[i] = m.update(bars.close[i])
    sig[i] = m.signalLine
    hist[i] = m.histogram
    stable.push(m.isStable)
  }
  const ti = TiMACD.calculate({
    values: Array.from(bars.close),
    fastPeriod: fast,
    slowPeriod: slow,
    signalPeriod: signal,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  })
  // technicalindicators emits the line from bar slow-1 and the signal from bar slow+signal-2.
  expect(n - ti.length).toBe(slow - 1)
  const refSignal = alignTail(ti.map(r => r.signal), n)
  expect(firstTrue(stable)).toBe(slow + signal - 2)
  expect(firstTrue(Array.from(refSignal, v => !Number.isNaN(v)))).toBe(slow + signal - 2)
  // The lines cross zero; errors are judged against max(|ref|, 1e-4 dollars).
  for (const [part, ours, ref] of [
    ['line', line, alignTail(ti.map(r => r.MACD), n)],
    ['signal', sig, refSignal],
    ['histogram', hist, alignTail(ti.map(r => r.histogram), n)],
  ] as const) {
    const a = agreement(ours, ref, 1e-4)
    logAgreement(`MACD(${fast},${slow},${signal}) ${part} ${name} vs technicalindicators`, a)
    expect(a.compared).toBeGreaterThan(n - slow - signal)
    expect(a.maxRelative).toBeLessThan(1e-9)
  }
}

describe('MACD against technicalindicators (EMA oscillator and signal) on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  it('daily (12, 26, 9)', () => compare(daily, 'daily', 12, 26, 9))
  it('daily (5, 35, 5)', () => compare(daily, 'daily', 5, 35, 5))
  it('minute (12, 26, 9)', () => compare(minute, 'minute', 12, 26, 9))
})

describe('MACD edge cases', () => {
  it('a flat series gives 0 for line, signal and histogram', () => {
    const m = new MACD(3, 6, 4)
    for (let i = 0; i < 40; i++) m.update(100)
    expect(m.isStable).toBe(true)
    expect([m.macd, m.signalLine, m.histogram]).toEqual([0, 0, 0])
  })

  it('too few values: finite, not stable', () => {
    const m = new MACD()
    for (let i = 0; i < 33; i++) m.update(100 + i)
    expect(m.isStable).toBe(false)
    expect(Number.isFinite(m.histogram)).toBe(true)
    m.update(200)
    expect(m.isStable).toBe(true)
  })
})
