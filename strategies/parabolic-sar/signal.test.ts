import {describe, expect, it} from 'vitest'
import {ParabolicSAR} from '../../src/indicators/index.js'
import {loadMinuteSessions} from '../../test/support/lean-series.js'
import {ParabolicSarParams, ParabolicSarSignalParams} from './index.js'
import {ParabolicSarSignal} from './signal.js'

describe('ParabolicSarSignal', () => {
  it('has no stance before the first reversal, then follows the SAR direction, changing only on reversals (real SPY minutes)', () => {
    const spy = loadMinuteSessions('spy')
    const signal = new ParabolicSarSignal(ParabolicSarSignalParams.parse({}))
    const reference = new ParabolicSAR(0.02, 0.02, 0.2)
    let seenReversal = false
    let changes = 0
    let prev = 0
    for (let i = 0; i < spy.length; i++) {
      const bar = {symbol: 'SPY', index: 0, ts: i * 60_000, open: spy.open[i], high: spy.high[i], low: spy.low[i], close: spy.close[i], volume: spy.volume[i]}
      const stance = signal.update(bar)
      reference.update(bar.high, bar.low)
      if (reference.reversed) seenReversal = true
      expect(stance).toBe(seenReversal ? (reference.isLong ? 1 : -1) : 0)
      expect(stance !== prev).toBe(reference.reversed)
      if (stance !== prev) {
        changes++
        expect(signal.reason).toBe(stance === 1 ? 'sar_reversal_up' : 'sar_reversal_down')
      }
      prev = stance
    }
    expect(changes).toBeGreaterThan(100)
  })

  it('rejects a cap below the start factor and unknown keys', () => {
    expect(ParabolicSarParams.safeParse({start: 0.1, max: 0.05}).success).toBe(false)
    expect(ParabolicSarParams.safeParse({stepp: 0.1}).success).toBe(false)
  })
})
