import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../core/instrument.js'
import {AccountView} from '../engine/account-view.js'
import {VirtualClock} from '../core/time/clock.js'
import {MarketTracker} from './market-tracker.js'
import {RiskEngine} from './risk-engine.js'
import {RiskGuard} from './risk-guard.js'

const MIN = 60_000

function setup() {
  const clock = new VirtualClock(100 * MIN)
  const view = new AccountView(100_000)
  const market = new MarketTracker(['IBM', 'SPY'])
  for (let i = 0; i < 30; i++) {
    market.onBar(0, 70 * MIN + i * MIN, 50)
    market.onBar(1, 70 * MIN + i * MIN, 100)
  }
  const guard = new RiskGuard(new RiskEngine({minOrderSpacingMs: 1000}), view, market, clock, (s) => defaultInstrument(s, 'us_equity', 'alpaca'))
  return {clock, view, market, guard}
}

describe('RiskGuard: the risk engine on a session', () => {
  it('reads data age and counts from the bar loop, and spaces accepted orders only', () => {
    const {clock, market, guard} = setup()
    const order = {clientOrderId: 'a', symbol: 'SPY', side: 'buy' as const, type: 'market' as const, qty: 10, tif: 'day' as const}
    expect(guard.check(order)).toEqual({ok: true})
    expect(guard.check({...order, clientOrderId: 'b'})).toMatchObject({ok: false, code: 'order_spacing'})
    clock.advanceTo(100 * MIN + 1000)
    expect(guard.check({...order, clientOrderId: 'c', qty: 1_000})).toMatchObject({ok: false, code: 'exposure_cap'}) // 100k > 80 %
    // A refused order does not reset the spacing clock: the next one 1 s after the last accepted passes.
    expect(guard.check({...order, clientOrderId: 'd'})).toEqual({ok: true})
    // SPY's data stops; 16 minutes later it is stale, and so is half the universe.
    clock.advanceTo(99 * MIN + 16 * MIN)
    market.onBar(0, 115 * MIN, 50)
    expect(guard.check({...order, clientOrderId: 'e'})).toMatchObject({ok: false, code: 'stale_data'})
    expect(guard.check({...order, clientOrderId: 'f', symbol: 'IBM'})).toEqual({ok: true})
  })
})
