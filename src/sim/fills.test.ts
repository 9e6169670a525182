/** Market-order timing, partial fills by participation, IOC / FOK, reduce-only, fees and slippage. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../core/instrument.js'
import {MINUTE, Sim, T0} from '../../test/sim/sim-harness.js'
import {InvalidOrderError} from '../broker/errors.js'

describe('market orders', () => {
  it("fill at the next bar's open by default", async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'market', qty: 10})
    expect(s.fills(id)).toHaveLength(0)
    await s.bar(101, 102, 100, 101.5)
    expect(s.fillsOf(id)).toEqual([[10, 101]])
    expect(s.fills(id)[0]).toMatchObject({ts: T0 + MINUTE, liquidity: 'taker', fee: 0})
    expect(s.statuses(id)).toEqual(['accepted', 'filled'])
  })

  it("with fillAt 'close' fill on arrival at the last close, within the last bar's participation", async () => {
    const s = new Sim({config: {fillAt: 'close'}})
    await s.bar(100, 101, 99, 100.5, 1000)
    const id = await s.submit({side: 'buy', type: 'market', qty: 150})
    // Filled at the instant it arrived (no latency: the end of the bar), 0.1 × 1000 of it.
    expect(s.fillsOf(id)).toEqual([[100, 100.5]])
    expect(s.fills(id)[0].ts).toBe(T0 + MINUTE)
    expect(s.statuses(id)).toEqual(['accepted', 'partially_filled'])
    // The rest rests and fills at the next open.
    await s.bar(102, 103, 101, 102.5, 1000)
    expect(s.fillsOf(id)).toEqual([
      [100, 100.5],
      [50, 102],
    ])
  })

  it("with fillAt 'close' and request latency, fill when the order arrives", async () => {
    const s = new Sim({config: {fillAt: 'close', latency: {fixedMs: 100, jitterMs: 0}}})
    await s.bar(100, 101, 99, 100.5)
    const sent = s.now()
    const id = await s.submit({side: 'buy', type: 'market', qty: 1})
    expect(s.fills(id)[0]).toMatchObject({price: 100.5, ts: sent + 100})
  })
})

describe('partial fills', () => {
  it('participation 0.1 of a 1000-volume bar fills 100 per bar; the rest rests and fills on later bars', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'market', qty: 250})
    await s.bar(100, 100.5, 99.5, 100.2, 1000)
    await s.bar(101, 101.5, 100.5, 101.2, 1000)
    await s.bar(102, 102.5, 101.5, 102.2, 1000)
    expect(s.fillsOf(id)).toEqual([
      [100, 100],
      [100, 101],
      [50, 102],
    ])
    const reports = s.events('order').filter((e) => e.order.clientOrderId === id)
    expect(reports.map((e) => [e.order.status, e.order.filledQty])).toEqual([
      ['accepted', 0],
      ['partially_filled', 100],
      ['partially_filled', 200],
      ['filled', 250],
    ])
    expect(reports.at(-1)!.order.avgFillPrice).toBeCloseTo(100.8, 12)
  })

  it('orders of a symbol share the participation volume in arrival order', async () => {
    const s = new Sim()
    const a = await s.submit({side: 'buy', type: 'market', qty: 80})
    const b = await s.submit({side: 'buy', type: 'market', qty: 80})
    await s.bar(100, 100, 100, 100, 1000)
    expect(s.fillsOf(a)).toEqual([[80, 100]])
    expect(s.fillsOf(b)).toEqual([[20, 100]])
  })

  it('IOC cancels the remainder after its first bar', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'limit', qty: 250, limitPrice: 101, tif: 'ioc'})
    await s.bar(100, 100.5, 99.5, 100.2, 1000)
    expect(s.fillsOf(id)).toEqual([[100, 100]])
    expect(s.statuses(id)).toEqual(['accepted', 'partially_filled', 'canceled'])
    expect(s.events('order').at(-1)!.order).toMatchObject({filledQty: 100, reason: 'immediate-or-cancel remainder'})
    await s.bar(100, 100.5, 99.5, 100.2, 1000)
    expect(s.fills(id)).toHaveLength(1)

    const untouched = await s.submit({side: 'buy', type: 'limit', qty: 5, limitPrice: 90, tif: 'ioc'})
    await s.bar(100, 100.5, 99.5, 100.2, 1000)
    expect(s.statuses(untouched)).toEqual(['accepted', 'canceled'])
  })

  it('FOK fills all or cancels', async () => {
    const s = new Sim()
    const big = await s.submit({side: 'buy', type: 'market', qty: 250, tif: 'fok'})
    const fits = await s.submit({side: 'buy', type: 'market', qty: 100, tif: 'fok'})
    await s.bar(100, 100, 100, 100, 1000)
    expect(s.fills(big)).toHaveLength(0)
    expect(s.statuses(big)).toEqual(['accepted', 'canceled'])
    expect(s.events('order').find((e) => e.order.clientOrderId === big && e.order.status === 'canceled')!.order.reason).toBe(
      'fill-or-kill could not fill in full',
    )
    // The FOK that could not fill took no volume from the one behind it.
    expect(s.fillsOf(fits)).toEqual([[100, 100]])
    expect(s.statuses(fits)).toEqual(['accepted', 'filled'])
  })

  it('reduce-only fills are clamped to the position', async () => {
    const s = new Sim({config: {allowShortStocks: true}})
    await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(100, 100, 100, 100)
    const tp = await s.submit({side: 'sell', type: 'limit', qty: 10, limitPrice: 105, reduceOnly: true})
    const other = await s.submit({side: 'sell', type: 'market', qty: 4})
    await s.bar(100, 101, 99, 100.5)
    expect(s.fillsOf(other)).toEqual([[4, 100]])
    expect(s.fills(tp)).toHaveLength(0)
    await s.bar(100, 106, 99, 105.5)
    expect(s.fillsOf(tp)).toEqual([[6, 105]])
    expect(s.ex.ledger.positions.qty('XYZ')).toBe(0)
    await s.bar(104, 107, 103, 106)
    expect(s.fills(tp)).toHaveLength(1)
    expect(s.ex.ledger.positions.qty('XYZ')).toBe(0)
  })

  it('a reduce-only order beyond the position is refused at submission, on both sides', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(100, 100, 100, 100)
    const sell = await s.fails(s.ex.submitOrder(s.order({side: 'sell', type: 'limit', qty: 11, limitPrice: 105, reduceOnly: true})))
    expect(sell).toBeInstanceOf(InvalidOrderError)
    expect((sell as InvalidOrderError).code).toBe('reduce_only_exceeds')
    // A reduce-only buy with no short to reduce would rest for ever holding cash.
    const buy = await s.fails(s.ex.submitOrder(s.order({side: 'buy', type: 'limit', qty: 1, limitPrice: 95, reduceOnly: true})))
    expect((buy as InvalidOrderError).code).toBe('reduce_only_exceeds')
  })
})

describe('fees', () => {
  it('charges the maker rate to resting limits and the taker rate otherwise', async () => {
    const s = new Sim({config: {fees: {makerRate: 0.001, takerRate: 0.002}}})
    const maker = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 98})
    const taker = await s.submit({side: 'buy', type: 'market', qty: 10})
    const marketable = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 101}) // last 100: crosses
    await s.bar(100.5, 101, 97, 100)
    expect(s.fills(maker)[0]).toMatchObject({price: 98, liquidity: 'maker'})
    expect(s.fills(maker)[0].fee).toBeCloseTo(0.98, 12)
    expect(s.fills(taker)[0]).toMatchObject({price: 100.5, liquidity: 'taker'})
    expect(s.fills(taker)[0].fee).toBeCloseTo(2.01, 12)
    expect(s.fills(marketable)[0]).toMatchObject({price: 100.5, liquidity: 'taker'})
    expect(s.fills(marketable)[0].fee).toBeCloseTo(2.01, 12)
    const acct = await s.ok(s.ex.account())
    expect(acct.fees).toBeCloseTo(5, 12)
    expect(acct.cash).toBeCloseTo(100_000 - 980 - 1005 - 1005 - 5, 9)
  })

  it('adds a per-share fee on US equities only', async () => {
    const s = new Sim({
      instruments: [defaultInstrument('AAPL', 'us_equity', 'sim'), defaultInstrument('XYZ', 'crypto_spot', 'sim')],
      marks: [50, 100],
      config: {fees: {makerRate: 0, takerRate: 0.001, perShare: 0.005}},
    })
    const stock = await s.submit({side: 'buy', type: 'market', qty: 100})
    const coin = await s.submit({symbol: 'XYZ', side: 'buy', type: 'market', qty: 100})
    await s.bar(50, 50, 50, 50, 1e6, 0)
    await s.barAt(T0, 100, 100, 100, 100, 1e6, 1)
    expect(s.fills(stock)[0].fee).toBeCloseTo(100 * 50 * 0.001 + 100 * 0.005, 12)
    expect(s.fills(coin)[0].fee).toBeCloseTo(100 * 100 * 0.001, 12)
  })

  it('tops the fees of an order up to the per-order minimum, once across its partial fills', async () => {
    const s = new Sim({
      instruments: [defaultInstrument('AAPL', 'us_equity', 'sim')],
      marks: [50],
      config: {fees: {perShare: 0.005, minPerOrder: 1}},
    })
    const id = await s.submit({side: 'buy', type: 'market', qty: 300})
    for (let i = 0; i < 3; i++) await s.bar(50, 50, 50, 50, 1000)
    // At the rate alone: 0.5 per 100 shares. The order pays max(1, 0.5 + 0.5 + 0.5) = 1.5 in all.
    const fees = s.fills(id).map((f) => f.fee)
    expect(fees).toHaveLength(3)
    expect(fees[0]).toBeCloseTo(1, 12)
    expect(fees[1]).toBeCloseTo(0, 12)
    expect(fees[2]).toBeCloseTo(0.5, 12)
    expect(s.ex.ledger.fees).toBeCloseTo(1.5, 12)
  })
})

describe('slippage', () => {
  it('in ticks: adverse on market and stop fills, none on a resting limit', async () => {
    const s = new Sim({config: {slippage: {ticks: 2}}})
    const buy = await s.submit({side: 'buy', type: 'market', qty: 10})
    const stop = await s.submit({side: 'buy', type: 'stop', qty: 1, stopPrice: 102})
    const limit = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 99})
    await s.bar(101, 103, 98, 102.5) // 101 → 98 → 103 → 102.5
    expect(s.fills(buy)[0].price).toBeCloseTo(101.02, 9)
    expect(s.fills(stop)[0].price).toBeCloseTo(102.02, 9)
    expect(s.fills(limit)[0].price).toBe(99)
    const sell = await s.submit({side: 'sell', type: 'market', qty: 5})
    await s.bar(100, 100, 100, 100)
    expect(s.fills(sell)[0].price).toBeCloseTo(99.98, 9)
  })

  it('in bps, adverse for both sides', async () => {
    const s = new Sim({config: {slippage: {bps: 10}}})
    const buy = await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(100, 100, 100, 100)
    expect(s.fills(buy)[0].price).toBeCloseTo(100.1, 9)
    const sell = await s.submit({side: 'sell', type: 'market', qty: 10})
    await s.bar(200, 200, 200, 200)
    expect(s.fills(sell)[0].price).toBeCloseTo(199.8, 9)
  })

  it('rounds a slipped price adversely onto the tick grid', async () => {
    const s = new Sim({config: {slippage: {bps: 3}}})
    const buy = await s.submit({side: 'buy', type: 'market', qty: 10})
    await s.bar(101.37, 101.37, 101.37, 101.37) // 101.37 × 1.0003 = 101.400411 → 101.41
    expect(s.fills(buy)[0].price).toBe(101.41)
    const sell = await s.submit({side: 'sell', type: 'market', qty: 10})
    await s.bar(101.37, 101.37, 101.37, 101.37) // 101.37 × 0.9997 = 101.339589 → 101.33
    expect(s.fills(sell)[0].price).toBe(101.33)
  })

  it('never takes a marketable limit through its limit', async () => {
    const s = new Sim({config: {slippage: {ticks: 2}}})
    const capped = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 101}) // last 100: marketable
    await s.bar(100.99, 101, 100.5, 100.8)
    expect(s.fills(capped)[0].price).toBe(101)
    const room = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 101})
    await s.bar(100.5, 100.6, 100.4, 100.55)
    expect(s.fills(room)[0].price).toBeCloseTo(100.52, 9)
  })
})
