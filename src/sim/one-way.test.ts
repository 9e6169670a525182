/** Bybit's default for linear perpetuals: one-way mode (positionIdx 0, netting), and hedge mode per account or symbol. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../core/instrument.js'
import {InsufficientFundsError, InvalidOrderError} from '../broker/errors.js'
import {ConfigError} from '../core/errors.js'
import {Sim} from '../../test/sim/sim-harness.js'
import type {SimConfigInput} from './config.js'
import {BYBIT_PROFILE, profileFor} from './venue-profile.js'

const perp = (s = 'BTCUSDT') => defaultInstrument(s, 'crypto_perp', 'bybit')
const oneWay = (config: SimConfigInput = {}, instruments = [perp()]): Sim =>
  new Sim({profile: BYBIT_PROFILE, instruments, marks: instruments.map(() => 30_000), config: {initialCash: 10_000, ...config}})
const codeOf = (err: unknown): string | undefined => (err as {code?: string}).code

describe('one-way mode (the Bybit default)', () => {
  it('is the default of the Bybit profile', () => {
    expect(profileFor('bybit')).toBe(BYBIT_PROFILE)
    const s = oneWay()
    expect(s.ex.positionMode).toBe('netting')
    expect(s.ex.positionModeOf('BTCUSDT')).toBe('netting')
  })

  it('nets buys and sells into one signed position; a sell larger than the long reverses it', async () => {
    const s = oneWay()
    const buy = await s.submit({side: 'buy', type: 'market', qty: 0.1})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    expect(s.fills(buy)[0]).toMatchObject({positionSide: 'net', side: 'buy', qty: 0.1, price: 30_000})
    const flip = await s.submit({side: 'sell', type: 'market', qty: 0.3})
    await s.bar(31_000, 31_000, 31_000, 31_000)
    expect(s.fillsOf(flip)).toEqual([[0.3, 31_000]])
    const positions = await s.ok(s.ex.positions())
    expect(positions.map((p) => [p.side, p.avgPrice])).toEqual([['net', 31_000]])
    expect(positions[0].qty).toBeCloseTo(-0.2, 12)
    const acct = await s.ok(s.ex.account())
    expect(acct.realizedPnl).toBeCloseTo(100, 9) // 0.1 closed from 30 000 at 31 000
    expect(acct.marginUsed).toBeCloseTo((0.2 * 31_000) / 10, 9)
  })

  it('holds margin only for the part of an order that opens: closing needs none', async () => {
    const s = oneWay({initialCash: 1_000})
    await s.submit({side: 'buy', type: 'market', qty: 0.3}) // margin 900 of 1 000
    await s.bar(30_000, 30_000, 30_000, 30_000)
    // 100 is free. Closing 0.3 and opening 0.05 short needs 150 of margin: refused; opening 0.03 needs 90: taken.
    const tooBig = await s.fails(s.ex.submitOrder(s.order({side: 'sell', type: 'limit', qty: 0.35, limitPrice: 30_000})))
    expect(tooBig).toBeInstanceOf(InsufficientFundsError)
    expect(codeOf(tooBig)).toBe('insufficient_margin')
    await s.submit({side: 'sell', type: 'limit', qty: 0.33, limitPrice: 30_000})
    // A plain close needs no margin at all, even with nothing free.
    await s.submit({side: 'sell', type: 'limit', qty: 0.3, limitPrice: 35_000})
  })

  it('reduce-only exits close the position and never flip it; on the wrong side they are refused', async () => {
    const s = oneWay()
    await s.submit({side: 'buy', type: 'market', qty: 0.1})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    const wrongSide = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1, reduceOnly: true})))
    expect(codeOf(wrongSide)).toBe('reduce_only_flat')
    expect((wrongSide as Error).message).toMatch(/reduce-only buy but the position of BTCUSDT is long/)
    const exit = await s.submit({side: 'sell', type: 'market', qty: 0.5, reduceOnly: true})
    await s.bar(30_500, 30_500, 30_500, 30_500)
    expect(s.fillsOf(exit)).toEqual([[0.1, 30_500]])
    expect(s.ex.ledger.positions.qty('BTCUSDT')).toBe(0)
  })

  it('refuses hedge legs and DAY orders', async () => {
    const s = oneWay()
    const leg = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1, positionSide: 'long'})))
    expect(leg).toBeInstanceOf(InvalidOrderError)
    expect(codeOf(leg)).toBe('position_idx')
    expect((leg as Error).message).toMatch(/BTCUSDT is in one-way mode \(positionIdx 0\)/)
    const day = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1, tif: 'day'})))
    expect(codeOf(day)).toBe('tif')
  })
})

describe('hedge mode by setting', () => {
  it("positionMode: 'hedge' switches the whole account", async () => {
    const s = oneWay({positionMode: 'hedge'})
    expect(s.ex.positionMode).toBe('hedge')
    const net = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1})))
    expect(codeOf(net)).toBe('position_idx')
    await s.submit({side: 'buy', type: 'market', qty: 0.1, positionSide: 'long'})
    await s.submit({side: 'sell', type: 'market', qty: 0.1, positionSide: 'short'})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    expect((await s.ok(s.ex.positions())).map((p) => p.side)).toEqual(['long', 'short'])
  })

  it('per symbol: the named symbol is hedged, the others keep the venue default', async () => {
    const s = oneWay({positionMode: {ETHUSDT: 'hedge'}}, [perp('BTCUSDT'), perp('ETHUSDT')])
    expect(s.ex.positionMode).toBe('netting')
    expect(s.ex.positionModeOf('ETHUSDT')).toBe('hedge')
    expect(s.ex.positionModeOf('BTCUSDT')).toBe('netting')
    await s.submit({side: 'buy', type: 'market', qty: 0.1})
    await s.submit({symbol: 'ETHUSDT', side: 'sell', type: 'market', qty: 0.1, positionSide: 'short'})
    const wrong = await s.fails(s.ex.submitOrder(s.order({symbol: 'ETHUSDT', side: 'buy', type: 'market', qty: 0.1})))
    expect(codeOf(wrong)).toBe('position_idx')
    expect((wrong as Error).message).toMatch(/ETHUSDT is in hedge mode/)
  })

  it('a per-symbol setting must name a traded perpetual', () => {
    expect(() => oneWay({positionMode: {ETHUSDT: 'hedge'}})).toThrow(ConfigError)
    expect(() => oneWay({positionMode: {ETHUSDT: 'hedge'}})).toThrow(/positionMode names ETHUSDT, which is not traded here \(BTCUSDT\)/)
    const spot = [defaultInstrument('SOLUSDT', 'crypto_spot', 'bybit')]
    expect(() => oneWay({positionMode: {SOLUSDT: 'hedge'}}, spot)).toThrow(/SOLUSDT is not a perpetual, so it has no hedge mode/)
  })

  it('stocks and spot net whatever the account setting says', () => {
    const s = new Sim({profile: profileFor('alpaca'), instruments: [defaultInstrument('SPY', 'us_equity', 'alpaca')], config: {positionMode: 'hedge'}})
    expect(s.ex.positionMode).toBe('netting')
    expect(s.ex.positionModeOf('SPY')).toBe('netting')
  })
})
