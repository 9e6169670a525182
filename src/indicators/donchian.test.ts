import {DonchianChannels} from 'trading-signals'
import {describe, expect, it} from 'vitest'
import {DonchianChannel} from './donchian.js'
import {agreement, firstTrue, loadDailyBars, loadMinuteSessions, logAgreement} from '../../test/support/lean-series.js'

describe('DonchianChannel against trading-signals on real SPY bars', () => {
  const daily = loadDailyBars('spy')
  const minute = loadMinuteSessions('spy')

  for (const [name, bars] of [['daily', daily], ['minute', minute]] as const) {
    for (const period of [1, 20, 55]) {
      it(`${name}, period ${period}: upper, lower, middle`, () => {
        const dc = new DonchianChannel(period)
        const ts = new DonchianChannels(period)
        const n = bars.length
        const ours = {upper: new Float64Array(n), lower: new Float64Array(n), middle: new Float64Array(n)}
        const ref = {upper: new Float64Array(n), lower: new Float64Array(n), middle: new Float64Array(n)}
        const stable: boolean[] = []
        const refStable: boolean[] = []
        for (let i = 0; i < n; i++) {
          ours.middle[i] = dc.update(bars.high[i], bars.low[i])
          ours.upper[i] = dc.upper
          ours.lower[i] = dc.lower
          stable.push(dc.isStable)
          const r = ts.add({high: bars.high[i], low: bars.low[i]})
          refStable.push(r !== null)
          ref.upper[i] = r?.upper ?? Number.NaN
          ref.lower[i] = r?.lower ?? Number.NaN
          ref.middle[i] = r?.middle ?? Number.NaN
        }
        expect(firstTrue(stable)).toBe(firstTrue(refStable))
        for (const part of ['upper', 'lower', 'middle'] as const) {
          const a = agreement(ours[part], ref[part], 1e-12)
          logAgreement(`Donchian(${period}) ${part} ${name} vs trading-signals`, a)
          expect(a.compared).toBe(n - period + 1)
          expect(a.maxRelative).toBe(0)
        }
      })
    }
  }
})

describe('DonchianChannel edge cases', () => {
  it('read before update gives the channel of the previous bars (for breakouts)', () => {
    const dc = new DonchianChannel(3)
    for (const [h, l] of [[10, 9], [11, 10], [12, 8]]) dc.update(h, l)
    const priorUpper = dc.upper
    dc.update(13, 12)
    expect(priorUpper).toBe(12)
    expect(dc.upper).toBe(13)
    expect(dc.lower).toBe(8)
  })
})
