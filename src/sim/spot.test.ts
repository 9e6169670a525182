/** Crypto spot as its own venue kind: no leverage, no shorting, base and quote balances, spot fees. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../core/instrument.js'
import {InsufficientFundsError} from '../broker/errors.js'
import {Sim} from '../../test/sim/sim-harness.js'
import {BYBIT_PROFILE, BYBIT_SPOT_PROFILE, profileFor} from './venue-profile.js'

const spot = () => [defaultInstrument('BTCUSDT', 'crypto_spot', 'bybit')]
const fees = BYBIT_SPOT_PROFILE.fees!
const bybitSpot = (initialCash = 10_000): Sim =>
  new Sim({profile: BYBIT_SPOT_PROFILE, instruments: spot(), marks: [30_000], config: {initialCash, fees, allowShortStocks: true}})
const codeOf = (err: unknown): string | undefined => (err as {code?: string}).code

describe('crypto spot venue', () => {
  it('is chosen for Bybit data that is all spot, and has the spot fee schedule', () => {
    expect(profileFor('bybit', spot())).toBe(BYBIT_SPOT_PROFILE)
    expect(profileFor('bybit', [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')])).toBe(BYBIT_PROFILE)
    expect(BYBIT_SPOT_PROFILE.fees).toEqual({makerRate: 0.001, takerRate: 0.001})
    expect(spot()[0]).toMatchObject({leverage: 1, maintenanceMarginRate: 0, quoteCurrency: 'USDT', baseCurrency: 'BTC'})
  })

  it('a buy spends the quote coin (notional and fee) and adds the base coin; no margin is used', async () => {
    const s = bybitSpot()
    const buy = await s.submit({side: 'buy', type: 'market', qty: 0.1})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    expect(s.fills(buy)[0]).toMatchObject({qty: 0.1, price: 30_000, fee: 3})
    const acct = await s.ok(s.ex.account())
    expect(acct.cash).toBeCloseTo(10_000 - 3_000 - 3, 9)
    expect(acct.marginUsed).toBe(0)
    expect(acct.equity).toBeCloseTo(10_000 - 3, 9)
    const balances = s.ex.ledger.balances('USDT')
    expect(balances.USDT).toBeCloseTo(6_997, 9)
    expect(balances.BTC).toBeCloseTo(0.1, 12)
  })

  it('a buy needs the quote balance: no leverage', async () => {
    const s = bybitSpot(1_000)
    const err = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'limit', qty: 0.04, limitPrice: 30_000})))
    expect(err).toBeInstanceOf(InsufficientFundsError)
    expect(codeOf(err)).toBe('insufficient_buying_power')
    await s.submit({side: 'buy', type: 'limit', qty: 0.03, limitPrice: 30_000})
  })

  it('a sell needs the base balance: selling more than is held is refused (no shorting, whatever allowShortStocks says)', async () => {
    const s = bybitSpot()
    const naked = await s.fails(s.ex.submitOrder(s.order({side: 'sell', type: 'market', qty: 0.01})))
    expect(naked).toBeInstanceOf(InsufficientFundsError)
    expect(codeOf(naked)).toBe('insufficient_qty')
    expect((naked as Error).message).toMatch(/insufficient BTC balance: 0 free for a sell of 0\.01 BTCUSDT \(spot sells need the coin held; no shorting\)/)
    await s.submit({side: 'buy', type: 'market', qty: 0.1})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    // 0.06 promised to a resting sell: 0.04 is left for the next.
    await s.submit({side: 'sell', type: 'limit', qty: 0.06, limitPrice: 40_000})
    const over = await s.fails(s.ex.submitOrder(s.order({side: 'sell', type: 'limit', qty: 0.05, limitPrice: 40_000})))
    expect(codeOf(over)).toBe('insufficient_qty')
    const sell = await s.submit({side: 'sell', type: 'market', qty: 0.04})
    await s.bar(31_000, 31_000, 31_000, 31_000)
    expect(s.fillsOf(sell)).toEqual([[0.04, 31_000]])
    expect(s.fills(sell)[0].fee).toBeCloseTo(0.04 * 31_000 * 0.001, 9)
    expect(s.ex.ledger.balances('USDT').BTC).toBeCloseTo(0.06, 12)
  })
})
