/** Bybit-like hedge mode on a linear perpetual: two legs per symbol, reduce-only, margin, liquidation. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../core/instrument.js'
import {InsufficientFundsError, InvalidOrderError} from '../broker/errors.js'
import {Sim} from '../../test/sim/sim-harness.js'
import {BYBIT_HEDGE_PROFILE} from './venue-profile.js'

// tick 0.1, lot 0.001, leverage 10, maintenance margin 0.5 %.
const perp = () => [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')]
const bybit = (initialCash = 10_000): Sim => new Sim({profile: BYBIT_HEDGE_PROFILE, instruments: perp(), marks: [30_000], config: {initialCash}})
const codeOf = (err: unknown): string | undefined => (err as {code?: string}).code

describe('hedge mode', () => {
  it('holds a long and a short leg on one symbol at once', async () => {
    const s = bybit()
    const long = await s.submit({side: 'buy', type: 'market', qty: 0.1, positionSide: 'long'})
    const short = await s.submit({side: 'sell', type: 'market', qty: 0.1, positionSide: 'short'})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    expect(s.fills(long)[0]).toMatchObject({positionSide: 'long', side: 'buy', qty: 0.1, price: 30_000})
    expect(s.fills(short)[0]).toMatchObject({positionSide: 'short', side: 'sell', qty: 0.1, price: 30_000})
    const legs = await s.ok(s.ex.positions())
    expect(legs.map((p) => [p.symbol, p.side, p.qty, p.avgPrice])).toEqual([
      ['BTCUSDT', 'long', 0.1, 30_000],
      ['BTCUSDT', 'short', 0.1, 30_000],
    ])
    expect(s.events('position').map((e) => e.position.side)).toEqual(['long', 'short'])
    const acct = await s.ok(s.ex.account())
    expect(acct).toMatchObject({cash: 10_000, equity: 10_000})
    expect(acct.marginUsed).toBeCloseTo(600, 9)
  })

  it('a reduce-only take-profit closes one leg and leaves the other', async () => {
    const s = bybit()
    await s.submit({side: 'buy', type: 'market', qty: 0.1, positionSide: 'long'})
    await s.submit({side: 'sell', type: 'market', qty: 0.1, positionSide: 'short'})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    const tp = await s.submit({side: 'sell', type: 'limit', qty: 0.1, limitPrice: 31_000, reduceOnly: true, positionSide: 'long'})
    await s.bar(30_000, 31_500, 29_900, 31_200)
    expect(s.fillsOf(tp)).toEqual([[0.1, 31_000]])
    const legs = await s.ok(s.ex.positions())
    expect(legs.map((p) => [p.side, p.qty, p.avgPrice])).toEqual([['short', 0.1, 30_000]])
    const acct = await s.ok(s.ex.account())
    expect(acct.realizedPnl).toBeCloseTo(100, 9)
    expect(acct.cash).toBeCloseTo(10_100, 9)
    expect(acct.equity).toBeCloseTo(10_100 - 120, 9) // short 0.1 from 30 000, marked at 31 200
  })

  it('reduce-only and closing orders never exceed their leg (regression: a closing order over the leg threw)', async () => {
    const s = bybit()
    await s.submit({side: 'buy', type: 'market', qty: 0.1, positionSide: 'long'})
    await s.bar(30_000, 30_000, 30_000, 30_000)
    const ro = await s.submit({side: 'sell', type: 'market', qty: 0.25, reduceOnly: true, positionSide: 'long'})
    const close = await s.submit({side: 'sell', type: 'market', qty: 0.2, positionSide: 'long'})
    await s.bar(30_100, 30_100, 30_100, 30_100)
    expect(s.fillsOf(ro)).toEqual([[0.1, 30_100]])
    expect(s.fills(close)).toHaveLength(0)
    expect(s.ex.ledger.positions.qty('BTCUSDT', 'long')).toBe(0)
    expect(s.statuses(ro)).toEqual(['accepted', 'partially_filled'])
    // A reduce-only order on a flat leg is refused outright.
    const err = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1, reduceOnly: true, positionSide: 'short'})))
    expect(codeOf(err)).toBe('reduce_only_flat')
  })

  it('refuses an order beyond free margin (initial margin = notional / leverage)', async () => {
    const s = bybit()
    const err = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'limit', qty: 3.4, limitPrice: 30_000, positionSide: 'long'})))
    expect(err).toBeInstanceOf(InsufficientFundsError)
    expect(codeOf(err)).toBe('insufficient_margin')
    await s.submit({side: 'buy', type: 'limit', qty: 3.3, limitPrice: 30_000, positionSide: 'long'}) // holds 9 900
    const second = await s.fails(s.ex.submitOrder(s.order({side: 'sell', type: 'limit', qty: 0.04, limitPrice: 30_000, positionSide: 'short'})))
    expect(codeOf(second)).toBe('insufficient_margin') // 120 needed, 100 free
    await s.submit({side: 'sell', type: 'limit', qty: 0.03, limitPrice: 30_000, positionSide: 'short'})
  })

  it("refuses positionSide 'net' and DAY orders", async () => {
    const s = bybit()
    const net = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1, positionSide: 'net'})))
    expect(net).toBeInstanceOf(InvalidOrderError)
    expect(codeOf(net)).toBe('position_idx')
    const none = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1})))
    expect(codeOf(none)).toBe('position_idx')
    const day = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 0.1, positionSide: 'long', tif: 'day'})))
    expect(codeOf(day)).toBe('tif')
  })

  it('liquidates every position at the mark when equity falls below maintenance margin', async () => {
    const s = bybit(1_000)
    await s.submit({side: 'buy', type: 'market', qty: 0.3, positionSide: 'long'}) // margin 900
    await s.bar(30_000, 30_000, 30_000, 30_000)
    const resting = await s.submit({side: 'buy', type: 'limit', qty: 0.001, limitPrice: 20_000, positionSide: 'long'})
    // Close 27 000: equity 1 000 − 900 = 100 ≥ maintenance 0.3 × 27 000 × 0.005 = 40.5.
    await s.bar(30_000, 30_000, 27_000, 27_000)
    expect(s.ex.ledger.positions.qty('BTCUSDT', 'long')).toBeCloseTo(0.3, 12)
    // Close 26 700: equity 1 000 − 990 = 10 < maintenance 40.05.
    await s.bar(27_000, 27_000, 26_700, 26_700)
    const liq = s.fills().at(-1)!
    expect(liq).toMatchObject({side: 'sell', positionSide: 'long', price: 26_700, liquidity: 'taker'})
    expect(liq.qty).toBeCloseTo(0.3, 12)
    expect(liq.clientOrderId).toMatch(/^liq-/)
    expect(s.ex.ledger.positions.qty('BTCUSDT', 'long')).toBe(0)
    expect(s.ex.ledger.cash).toBeCloseTo(10, 9)
    expect(s.statuses(resting)).toEqual(['accepted', 'canceled'])
    expect(s.events('order').at(-1)!.order.reason).toBe('liquidation')
    expect((await s.ok(s.ex.account())).buyingPower).toBeCloseTo(10, 9)
  })
})
