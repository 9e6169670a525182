/**
 * Matching of every order type on bars and trade prints, with the stated intra-bar path: an up bar went
 * open → low → high → close, a down bar open → high → low → close.
 */
import {describe, expect, it} from 'vitest'
import {MINUTE, Sim, T0} from '../../test/sim/sim-harness.js'
import {firstTouch, marketable, PricePath, slipped, type Touch} from './matching.js'

describe('PricePath and firstTouch', () => {
  it('orders the extremes by bar direction', () => {
    expect([...new PricePath().setBar(100, 103, 97, 102).points]).toEqual([100, 97, 103, 102])
    expect([...new PricePath().setBar(100, 103, 97, 98).points]).toEqual([100, 103, 97, 98])
    // A flat bar counts as up.
    expect([...new PricePath().setBar(100, 101, 99, 100).points]).toEqual([100, 99, 101, 100])
  })

  it('reports the level inside a segment and the start price on a gap', () => {
    const path = new PricePath().setBar(100, 104, 99, 103)
    const t: Touch = {index: -1, price: 0}
    expect(firstTouch(path, 102, 'up', 0, 100, t)).toBe(true)
    expect(t).toEqual({index: 2, price: 102})
    expect(firstTouch(path, 99.5, 'up', 0, 100, t)).toBe(true)
    expect(t).toEqual({index: 0, price: 100})
    expect(firstTouch(path, 98, 'down', 0, 100, t)).toBe(false)
    expect(t.index).toBe(-1)
    // Searching from the trigger point: the low before it does not count.
    expect(firstTouch(path, 99.5, 'down', 2, 102, t)).toBe(false)
  })
})

describe('limit orders', () => {
  it('a buy limit fills at the limit when the path touches it', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 98})
    await s.bar(100, 103, 99, 102) // low 99: not touched
    expect(s.fills(id)).toHaveLength(0)
    await s.bar(100, 103, 97, 102) // 100 → 97 → 103 → 102
    expect(s.fillsOf(id)).toEqual([[10, 98]])
    expect(s.fills(id)[0]).toMatchObject({ts: T0 + 2 * MINUTE, liquidity: 'maker'})
    expect(s.statuses(id)).toEqual(['accepted', 'filled'])
  })

  it('a buy limit fills at the open when the bar gaps below it', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 98})
    await s.bar(95, 99, 94, 97)
    expect(s.fillsOf(id)).toEqual([[10, 95]])
  })

  it('a sell limit fills at the limit when touched, at the open on a gap up', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 20})
    await s.bar(100, 100, 100, 100)
    const a = await s.submit({side: 'sell', type: 'limit', qty: 10, limitPrice: 102})
    await s.bar(100, 103, 96, 97) // down bar: 100 → 103 → 96 → 97
    expect(s.fillsOf(a)).toEqual([[10, 102]])
    const b = await s.submit({side: 'sell', type: 'limit', qty: 10, limitPrice: 102})
    await s.bar(104, 105, 101, 101.5)
    expect(s.fillsOf(b)).toEqual([[10, 104]])
  })
})

describe('stop orders', () => {
  it('a buy stop triggers on the path and fills at the stop', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'stop', qty: 10, stopPrice: 102})
    await s.bar(100, 101.9, 99, 101) // never reaches 102
    expect(s.fills(id)).toHaveLength(0)
    await s.bar(100, 104, 99, 103) // 100 → 99 → 104 → 103
    expect(s.fillsOf(id)).toEqual([[10, 102]])
    expect(s.fills(id)[0].liquidity).toBe('taker')
  })

  it('a buy stop fills at the open when the bar gaps above the stop', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'stop', qty: 10, stopPrice: 102})
    await s.bar(103, 105, 102.5, 104)
    expect(s.fillsOf(id)).toEqual([[10, 103]])
  })

  it('a sell stop triggers on the way down, at the stop or at a gap open', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 20})
    await s.bar(100, 100, 100, 100)
    const a = await s.submit({side: 'sell', type: 'stop', qty: 10, stopPrice: 98})
    await s.bar(100, 101, 96, 97) // 100 → 101 → 96 → 97
    expect(s.fillsOf(a)).toEqual([[10, 98]])
    const b = await s.submit({side: 'sell', type: 'stop', qty: 10, stopPrice: 98})
    await s.bar(97, 97.5, 95, 96)
    expect(s.fillsOf(b)).toEqual([[10, 97]])
  })
})

describe('stop-limit orders', () => {
  it('triggers at the stop, then fills at the limit on the rest of the path', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'stop_limit', qty: 10, stopPrice: 102, limitPrice: 101})
    // 100 → 99 → 104 → 100.5: the 99 low comes before the trigger and does not count; the close does.
    await s.bar(100, 104, 99, 100.5)
    expect(s.fillsOf(id)).toEqual([[10, 101]])
  })

  it('does not fill when the path never comes back to the limit after the trigger, and works as a limit after', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'stop_limit', qty: 10, stopPrice: 102, limitPrice: 101})
    await s.bar(100, 104, 99, 103) // 100 → 99 → 104 → 103: triggered at 102, never back to 101
    expect(s.fills(id)).toHaveLength(0)
    expect(s.statuses(id)).toEqual(['accepted'])
    await s.bar(102, 102.5, 100, 100.2) // down bar: 102 → 102.5 → 100 → 100.2; now a plain limit at 101
    expect(s.fillsOf(id)).toEqual([[10, 101]])
  })

  it('fills at the trigger when the limit is above the stop', async () => {
    const s = new Sim()
    const id = await s.submit({side: 'buy', type: 'stop_limit', qty: 10, stopPrice: 102, limitPrice: 103})
    await s.bar(100, 104, 99, 103.5)
    expect(s.fillsOf(id)).toEqual([[10, 102]])
  })

  it('a sell stop-limit mirrors it', async () => {
    const s = new Sim()
    await s.submit({side: 'buy', type: 'market', qty: 20})
    await s.bar(100, 100, 100, 100)
    const a = await s.submit({side: 'sell', type: 'stop_limit', qty: 10, stopPrice: 98, limitPrice: 99})
    await s.bar(100, 101, 96, 99.5) // 100 → 101 → 96 → 99.5: trigger at 98, back up through 99
    expect(s.fillsOf(a)).toEqual([[10, 99]])
    const b = await s.submit({side: 'sell', type: 'stop_limit', qty: 10, stopPrice: 98, limitPrice: 99})
    await s.bar(100, 101, 96, 97) // triggered, never back to 99
    expect(s.fills(b)).toHaveLength(0)
  })
})

describe('trade prints', () => {
  it('a print is a one-point path whose size bounds the fill', async () => {
    const s = new Sim()
    const lim = await s.submit({side: 'buy', type: 'limit', qty: 10, limitPrice: 98})
    const stop = await s.submit({side: 'buy', type: 'stop', qty: 1, stopPrice: 102})
    await s.print(98.5, 1000)
    expect(s.fills()).toHaveLength(0)
    const t1 = s.now()
    await s.print(97.9, 50) // participation 0.1 of 50: 5 of the 10
    expect(s.fillsOf(lim)).toEqual([[5, 97.9]])
    expect(s.fills(lim)[0].ts).toBe(t1 + 1_000)
    expect(s.statuses(lim)).toEqual(['accepted', 'partially_filled'])
    await s.print(98, 100)
    expect(s.fillsOf(lim)).toEqual([
      [5, 97.9],
      [5, 98],
    ])
    await s.print(101.9, 100)
    expect(s.fills(stop)).toHaveLength(0)
    await s.print(102.3, 100)
    expect(s.fillsOf(stop)).toEqual([[1, 102.3]])
  })
})

describe('slipped and marketable', () => {
  it('moves the price against the taker and rounds adversely onto the tick grid', () => {
    expect(slipped(100, true, 0.01, {ticks: 0, bps: 0})).toBe(100)
    expect(slipped(100, true, 0.01, {ticks: 2, bps: 0})).toBe(100.02)
    expect(slipped(100, false, 0.01, {ticks: 2, bps: 0})).toBe(99.98)
    // 1.5 bps of 100 is 0.015: a buy rounds up to 100.02, a sell down to 99.98.
    expect(slipped(100, true, 0.01, {ticks: 0, bps: 1.5})).toBe(100.02)
    expect(slipped(100, false, 0.01, {ticks: 0, bps: 1.5})).toBe(99.98)
  })

  it('calls market orders and limits at or through the last price marketable, nothing without a price', () => {
    const order = {clientOrderId: 'x', symbol: 'X', qty: 1, tif: 'gtc'} as const
    expect(marketable({...order, side: 'buy', type: 'market'}, 0)).toBe(true)
    expect(marketable({...order, side: 'buy', type: 'limit', limitPrice: 100}, 100)).toBe(true)
    expect(marketable({...order, side: 'buy', type: 'limit', limitPrice: 100}, 100.5)).toBe(false)
    expect(marketable({...order, side: 'sell', type: 'limit', limitPrice: 100}, 100.5)).toBe(true)
    expect(marketable({...order, side: 'sell', type: 'limit', limitPrice: 100}, 0)).toBe(false)
    expect(marketable({...order, side: 'buy', type: 'stop', stopPrice: 100}, 101)).toBe(false)
  })
})
