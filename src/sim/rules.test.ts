/** Venue rules: granularity, buying power, amend and cancel bookkeeping, and Alpaca market hours. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument, type Instrument} from '../core/instrument.js'
import {InsufficientFundsError, InvalidOrderError, MarketClosedError} from '../broker/errors.js'
import {Sim} from '../../test/sim/sim-harness.js'
import {ALPACA_PROFILE} from './venue-profile.js'

const LOT: Instrument = {
  symbol: 'LOT',
  venue: 'sim',
  assetClass: 'crypto_spot',
  contract: 'spot',
  tickSize: 0.05,
  lotSize: 5,
  minQty: 10,
  leverage: 1,
  maintenanceMarginRate: 0,
  quoteCurrency: 'USD',
}

const codeOf = (err: unknown): string | undefined => (err as {code?: string}).code

describe('rejects', () => {
  it('below the minimum quantity, off the lot size, off the tick', async () => {
    const s = new Sim({instruments: [LOT]})
    const cases: [Parameters<Sim['order']>[0], string][] = [
      [{side: 'buy', type: 'limit', qty: 5, limitPrice: 100}, 'below_min_qty'],
      [{side: 'buy', type: 'limit', qty: 12, limitPrice: 100}, 'lot_size'],
      [{side: 'buy', type: 'limit', qty: 10, limitPrice: 100.02}, 'tick_size'],
      [{side: 'buy', type: 'stop', qty: 10, stopPrice: 101.01}, 'tick_size'],
      [{side: 'buy', type: 'limit', qty: 10}, 'missing_limit_price'],
      [{side: 'buy', type: 'market', qty: 10, postOnly: true}, 'post_only_type'],
    ]
    for (const [req, code] of cases) {
      const r = s.order(req)
      const err = await s.fails(s.ex.submitOrder(r))
      expect(err).toBeInstanceOf(InvalidOrderError)
      expect(codeOf(err)).toBe(code)
      expect(await s.ok(s.ex.getOrder({clientOrderId: r.clientOrderId}))).toBeUndefined()
    }
    expect(s.events('order')).toHaveLength(0)
    await s.submit({side: 'buy', type: 'limit', qty: 15, limitPrice: 100.05})
  })

  it('insufficient buying power counts the cash held by other open buys', async () => {
    const s = new Sim({config: {initialCash: 10_000}})
    const first = await s.submit({side: 'buy', type: 'limit', qty: 60, limitPrice: 100})
    expect((await s.ok(s.ex.account())).buyingPower).toBe(4_000)
    const err = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'limit', qty: 50, limitPrice: 100})))
    expect(err).toBeInstanceOf(InsufficientFundsError)
    expect(codeOf(err)).toBe('insufficient_buying_power')
    // A market buy is held at the last price (100).
    expect(codeOf(await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 41}))))).toBe('insufficient_buying_power')
    await s.submit({side: 'buy', type: 'limit', qty: 40, limitPrice: 100})
    expect((await s.ok(s.ex.account())).buyingPower).toBe(0)
    await s.ok(s.ex.cancelOrder({clientOrderId: first}))
    expect((await s.ok(s.ex.account())).buyingPower).toBe(6_000)
    await s.submit({side: 'buy', type: 'limit', qty: 50, limitPrice: 100})
  })

  it('selling more than is held is refused unless shorting is allowed', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(100, 100, 100, 100)
    await s.submit({side: 'sell', type: 'limit', qty: 6, limitPrice: 110})
    const err = await s.fails(s.ex.submitOrder(s.order({side: 'sell', type: 'limit', qty: 5, limitPrice: 111})))
    expect(err).toBeInstanceOf(InsufficientFundsError)
    expect(codeOf(err)).toBe('insufficient_qty')
  })

  it('a canceled sell no longer holds the position (regression: it was counted until the next bar)', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(100, 100, 100, 100)
    const first = await s.submit({side: 'sell', type: 'limit', qty: 10, limitPrice: 110})
    await s.ok(s.ex.cancelOrder({clientOrderId: first}))
    expect(s.ex.openOrderCount).toBe(0)
    const again = await s.submit({side: 'sell', type: 'limit', qty: 10, limitPrice: 109})
    expect(s.statuses(again)).toEqual(['accepted'])
  })
})

describe('amend', () => {
  it('moves a resting sell of the whole position (regression: the order counted against itself)', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(100, 100, 100, 100)
    const id = await s.submit({side: 'sell', type: 'limit', qty: 10, limitPrice: 110})
    await s.ok(s.ex.amendOrder({clientOrderId: id}, {limitPrice: 105}))
    expect((await s.ok(s.ex.getOrder({clientOrderId: id})))?.limitPrice).toBe(105)
    await s.bar(100, 106, 99, 105)
    expect(s.fillsOf(id)).toEqual([[10, 105]])
  })

  it('a refused amend leaves the order and its hold as they were', async () => {
    const s = new Sim({config: {initialCash: 10_000}})
    const id = await s.submit({side: 'buy', type: 'limit', qty: 60, limitPrice: 100})
    await s.submit({side: 'buy', type: 'limit', qty: 30, limitPrice: 90})
    expect((await s.ok(s.ex.account())).buyingPower).toBe(1_300)
    const err = await s.fails(s.ex.amendOrder({clientOrderId: id}, {qty: 80}))
    expect(err).toBeInstanceOf(InsufficientFundsError)
    const o = await s.ok(s.ex.getOrder({clientOrderId: id}))
    expect(o).toMatchObject({qty: 60, limitPrice: 100, status: 'accepted'})
    expect((await s.ok(s.ex.account())).buyingPower).toBe(1_300)
    await s.bar(100, 100, 99, 99.5)
    expect(s.fillsOf(id)).toEqual([[60, 100]])
  })

  it('refuses a quantity not above what already filled', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'limit', qty: 200, limitPrice: 100})
    await s.bar(100, 100, 100, 100, 1000)
    expect(s.fillsOf(id)).toEqual([[100, 100]])
    const err = await s.fails(s.ex.amendOrder({clientOrderId: id}, {qty: 100}))
    expect(codeOf(err)).toBe('amend_qty')
    await s.ok(s.ex.amendOrder({clientOrderId: id}, {qty: 150}))
    await s.bar(100, 100, 100, 100, 1000)
    expect(s.statuses(id).at(-1)).toBe('filled')
    expect(s.fills(id).reduce((a, f) => a + f.qty, 0)).toBe(150)
  })

  it('a price amend that crosses the market makes the order a taker', async () => {
    const s = new Sim({config: {fees: {makerRate: 0.001, takerRate: 0.002}}})
    const id = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 90})
    await s.ok(s.ex.amendOrder({clientOrderId: id}, {limitPrice: 101}))
    await s.bar(100, 100, 100, 100)
    expect(s.fills(id)[0]).toMatchObject({price: 100, liquidity: 'taker'})
  })
})

describe('Alpaca market hours (America/New_York)', () => {
  const ny = (h: number, m: number, day = 7): number => Date.UTC(2013, 9, day, h + 4, m) // EDT = UTC-4
  const stock = [defaultInstrument('AAPL', 'us_equity', 'alpaca')]
  const alpaca = (config = {}): Sim => new Sim({profile: ALPACA_PROFILE, instruments: stock, start: ny(8, 0), config})

  it('refuses IOC and FOK while the market is closed (Monday 2013-10-07 08:00 EDT)', async () => {
    const s = alpaca()
    for (const tif of ['ioc', 'fok'] as const) {
      const err = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 1, tif})))
      expect(err).toBeInstanceOf(MarketClosedError)
      expect(codeOf(err)).toBe('market_closed')
    }
    const strict = alpaca({whenClosed: 'reject'})
    expect(await strict.fails(strict.ex.submitOrder(strict.order({side: 'buy', type: 'limit', qty: 1, limitPrice: 99, tif: 'day'})))).toBeInstanceOf(MarketClosedError)
  })

  it('queues a DAY order that arrives before the open and fills it on the opening bar', async () => {
    const s = alpaca()
    const lim = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 99, tif: 'day'})
    const mkt = await s.submit({side: 'buy', type: 'market', qty: 10, tif: 'day'})
    expect(s.statuses(lim)).toEqual(['accepted'])
    await s.barAt(ny(8, 0), 99, 99, 97, 98) // pre-market: traded through the limit, but not a session bar
    await s.barAt(ny(9, 29), 98, 98, 97, 97.5)
    expect(s.fills()).toHaveLength(0)
    await s.barAt(ny(9, 30), 98.5, 99.5, 98, 99)
    expect(s.fillsOf(lim)).toEqual([[10, 98.5]])
    expect(s.fillsOf(mkt)).toEqual([[10, 98.5]])
    expect(s.fills(lim)[0].ts).toBe(ny(9, 31))
  })

  it('trades a DAY order on the last bar of the session, then expires it at 16:00 New York', async () => {
    const s = alpaca()
    await s.barAt(ny(9, 30), 100, 100, 100, 100)
    const near = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 90, tif: 'day'})
    const far = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 80, tif: 'day'})
    const gtc = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 80, tif: 'gtc'})
    await s.barAt(ny(15, 58), 95, 95, 94, 94.5)
    await s.barAt(ny(15, 59), 94, 94, 89.5, 91) // ends at 16:00: still in the session
    expect(s.fillsOf(near)).toEqual([[1, 90]])
    await s.run(60_000)
    const expired = s.events('order').find((e) => e.order.clientOrderId === far && e.order.status === 'expired')!
    // The expiry waits for the bar that covers the close to be matched: one millisecond after 16:00.
    expect(expired.ts).toBe(ny(16, 0) + 1)
    expect(expired.order.reason).toBe('day order expired at the session close')
    expect(s.statuses(gtc)).toEqual(['accepted'])
    expect((await s.ok(s.ex.openOrders())).map((o) => o.clientOrderId)).toEqual([gtc])
  })

  it("expires the resting remainder of a DAY market order filled at the close (fillAt 'close')", async () => {
    const s = alpaca({fillAt: 'close'})
    await s.barAt(ny(15, 58), 100, 100, 100, 100, 1000)
    const id = await s.submit({side: 'buy', type: 'market', qty: 150, tif: 'day'})
    expect(s.fillsOf(id)).toEqual([[100, 100]])
    await s.barAt(ny(15, 59), 100, 100, 100, 100, 0) // no volume: nothing more fills
    await s.run(60_000)
    expect(s.statuses(id)).toEqual(['accepted', 'partially_filled', 'expired'])
    expect(s.events('order').at(-1)!.ts).toBe(ny(16, 0) + 1)
  })

  it('a DAY order queued over the weekend fills on the daily bar of its session', async () => {
    const day = 86_400_000
    const s = new Sim({profile: ALPACA_PROFILE, instruments: stock, start: Date.UTC(2013, 9, 4), tfMs: day})
    await s.barAt(Date.UTC(2013, 9, 4), 100, 101, 99, 100) // Friday's bar, known at Saturday 00:00 UTC
    const id = await s.submit({side: 'buy', type: 'market', qty: 10, tif: 'day'})
    await s.barAt(Date.UTC(2013, 9, 7), 102, 103, 101, 102.5) // Monday
    expect(s.fillsOf(id)).toEqual([[10, 102]])
    expect(s.statuses(id)).toEqual(['accepted', 'filled'])
  })
})
