import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {OrderRequest} from '../../src/core/order.js'
import {runBacktest} from '../../src/run/backtest.js'
import {Journal} from '../../src/engine/journal.js'
import {ParabolicSAR} from '../../src/indicators/index.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {loadMinuteSessions} from '../../test/support/lean-series.js'
import {memoryStream, zigzag} from '../../test/support/memory-stream.js'
import {ParabolicSarParams, ParabolicSarSignalParams, parabolicSar} from './index.js'
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

describe('parabolic-sar strategy', () => {
  it('buys on each reversal up and sells on the reversal down that follows', async () => {
    const rows = zigzag('ZIG', 1_700_000_000_000, 400, {amp: 5, period: 60})
    const stream = memoryStream(rows)
    const journal = new Journal({keep: true})
    const result = await runBacktest({
      stream,
      instruments: stream.symbols.map((s) => defaultInstrument(s, 'crypto_spot', 'sim')),
      profile: profileFor('sim'),
      strategy: parabolicSar.create(ParabolicSarParams.parse({})),
      journal,
    })
    // Count the reversals the strategy saw, bar by bar.
    const sar = new ParabolicSAR()
    let ups = 0
    let downsAfterUp = 0
    let long = false
    for (const r of rows) {
      sar.update(r.high, r.low)
      if (!sar.reversed) continue
      if (sar.isLong) {
        ups++
        long = true
      } else if (long) {
        downsAfterUp++
        long = false
      }
    }
    const intents = journal.records.filter((r) => r.type === 'intent').map((r) => r.data as {request: OrderRequest; reason: string})
    expect(ups).toBeGreaterThan(3)
    expect(intents.filter((i) => i.request.side === 'buy').map((i) => i.reason)).toEqual(Array(ups).fill('sar_reversal_up'))
    expect(intents.filter((i) => i.request.side === 'sell').map((i) => i.reason)).toEqual(Array(downsAfterUp).fill('sar_reversal_down'))
    expect(result.trades.length).toBe(ups)
    expect(result.violations).toEqual([])
  })
})
