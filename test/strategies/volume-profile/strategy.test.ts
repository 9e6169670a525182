/** The volume-profile strategy run in a backtest (its signal's unit tests sit beside it: strategies/volume-profile/signal.test.ts). */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../../src/core/instrument.js'
import {runBacktest} from '../../../src/run/backtest.js'
import {profileFor} from '../../../src/sim/venue-profile.js'
import {memoryStream, type Row} from '../../support/memory-stream.js'
import {VolumeProfileParams, volumeProfile} from '../../../strategies/volume-profile/index.js'

describe('volume-profile strategy', () => {
  it('trades mean reversion on a ranging series and every exit has a documented reason', async () => {
    const rows: Row[] = []
    for (let i = 0; i < 600; i++) {
      const c = 100 + 2 * Math.sin(i / 7) + Math.sin(i / 3.1)
      rows.push({symbol: 'R', ts: 1_700_000_000_000 + i * 60_000, open: c, high: c + 0.1, low: c - 0.1, close: c, volume: 1000 + 500 * Math.cos(i / 5)})
    }
    const stream = memoryStream(rows)
    const result = await runBacktest({
      stream,
      instruments: stream.symbols.map((s) => defaultInstrument(s, 'crypto_spot', 'sim')),
      profile: profileFor('sim'),
      strategy: volumeProfile.create(VolumeProfileParams.parse({window: 60})),
    })
    expect(result.trades.length).toBeGreaterThan(3)
    for (const t of result.trades) expect(['target_poc', 'stop', 'time_stop', 'end_of_data']).toContain(t.exitReason)
    expect(result.trades.some((t) => t.exitReason === 'target_poc')).toBe(true)
    expect(result.violations).toEqual([])
  })
})
