/** The parabolic-SAR strategy run in a backtest (its signal's unit tests sit beside it: strategies/parabolic-sar/signal.test.ts). */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../../src/core/instrument.js'
import type {OrderRequest} from '../../../src/core/order.js'
import {Journal} from '../../../src/engine/journal.js'
import {ParabolicSAR} from '../../../src/indicators/index.js'
import {runBacktest} from '../../../src/run/backtest.js'
import {profileFor} from '../../../src/sim/venue-profile.js'
import {memoryStream, zigzag} from '../../support/memory-stream.js'
import {ParabolicSarParams, parabolicSar} from '../../../strategies/parabolic-sar/index.js'

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
