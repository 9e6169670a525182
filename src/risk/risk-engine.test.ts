import {describe, expect, it} from 'vitest'
import type {AssetClass} from '../core/instrument.js'
import type {OrderRequest} from '../core/order.js'
import {RiskEngine, type RiskState} from './risk-engine.js'

const MIN = 60_000
const buy = (qty: number, symbol = 'SPY'): OrderRequest => ({clientOrderId: `b-${symbol}-${qty}`, symbol, side: 'buy', type: 'market', qty, tif: 'day'})
const sell = (qty: number, symbol = 'SPY'): OrderRequest => ({clientOrderId: `s-${symbol}-${qty}`, symbol, side: 'sell', type: 'market', qty, tif: 'day'})

function state(over: Partial<RiskState> & {positions?: Record<string, number>; prices?: Record<string, number>; last?: Record<string, number>} = {}): RiskState {
  const positions = over.positions ?? {}
  const prices = over.prices ?? {SPY: 100, IBM: 50, BTCUSDT: 20_000}
  const now = over.now ?? 10 * MIN
  const value = (s: string): number => (positions[s] ?? 0) * (prices[s] ?? 0)
  const classOf = (s: string): AssetClass => (s === 'BTCUSDT' ? 'crypto_perp' : 'us_equity')
  return {
    now,
    equity: 100_000,
    openOrders: 0,
    lastOrderAt: -Infinity,
    assetClassOf: classOf,
    positionQty: (s) => positions[s] ?? 0,
    exposure: (cls) => Object.keys(positions).filter((s) => classOf(s) === cls).reduce((a, s) => a + Math.abs(value(s)), 0),
    grossExposure: () => Object.keys(positions).reduce((a, s) => a + Math.abs(value(s)), 0),
    positionValue: value,
    price: (s) => prices[s] ?? 0,
    lastDataAt: (s) => over.last?.[s] ?? now - MIN,
    dataPoints: () => 100,
    staleFraction: () => 0,
    ...over,
  }
}

describe('risk engine (RISK-01, RISK-03, RISK-05)', () => {
  it('rejects an entry beyond the exposure cap of its asset class, with the reason', () => {
    const r = new RiskEngine()
    expect(r.check(buy(700), state({positions: {SPY: 100}}))).toEqual({ok: true}) // 10k + 70k = 80%
    const d = r.check(buy(701), state({positions: {SPY: 100}}))
    expect(d).toMatchObject({ok: false, code: 'exposure_cap'})
    expect(!d.ok && d.reason).toMatch(/us_equity exposure would be 80.1% of equity, cap 80%/)
    // Another asset class has its own cap.
    expect(r.check({...buy(3, 'BTCUSDT'), tif: 'gtc'}, state({positions: {SPY: 790}}))).toEqual({ok: true})
    expect(r.rejections.get('exposure_cap')).toBe(1)
  })

  it('caps concurrent open orders and spaces orders in time', () => {
    const r = new RiskEngine({maxOpenOrders: 2, minOrderSpacingMs: 1000})
    expect(r.check(buy(1), state({openOrders: 2}))).toMatchObject({code: 'max_open_orders'})
    expect(r.check(buy(1), state({lastOrderAt: 10 * MIN - 999}))).toMatchObject({code: 'order_spacing'})
    expect(r.check(buy(1), state({lastOrderAt: 10 * MIN - 1000}))).toEqual({ok: true})
  })

  it('always lets an exit through the entry limits', () => {
    const r = new RiskEngine({maxOpenOrders: 1, minOrderSpacingMs: 60_000, maxExposure: 0.1})
    const busy = state({positions: {SPY: 500}, openOrders: 5, lastOrderAt: 10 * MIN, last: {SPY: 0}})
    expect(r.check(sell(500), busy)).toEqual({ok: true})
    // Selling more than held is an entry (a short), so the limits apply.
    expect(r.check(sell(501), busy).ok).toBe(false)
  })

  it('makes no decision on stale data, halts when most symbols are stale, and wants enough bars', () => {
    const r = new RiskEngine()
    expect(r.check(buy(1), state({last: {SPY: 10 * MIN - 15 * MIN - 1}}))).toMatchObject({code: 'stale_data'})
    expect(r.check(buy(1), state({last: {SPY: 10 * MIN - 15 * MIN}}))).toEqual({ok: true})
    expect(r.check(buy(1), state({staleFraction: () => 0.51}))).toMatchObject({code: 'stale_halt'})
    expect(r.check(buy(1), state({dataPoints: () => 19}))).toMatchObject({code: 'insufficient_data'})
  })

  it('never passes a NaN, infinite or non-positive quantity or price', () => {
    const r = new RiskEngine()
    expect(r.check(buy(Number.NaN), state())).toMatchObject({code: 'invalid_qty'})
    expect(r.check({...buy(1), type: 'limit', limitPrice: Infinity}, state())).toMatchObject({code: 'invalid_price'})
    expect(r.check(buy(1), state({prices: {SPY: 0}}))).toMatchObject({code: 'no_price'})
  })

  it('trips the kill switch on drawdown from peak: flatten lets exits out, freeze holds everything, until cleared', () => {
    const r = new RiskEngine({maxDrawdown: 0.1})
    expect(r.observeEquity(100_000, 1)).toBe(false)
    expect(r.observeEquity(120_000, 2)).toBe(false)
    expect(r.observeEquity(108_001, 3)).toBe(false)
    expect(r.observeEquity(107_999, 4)).toBe(true)
    expect(r.kill).toMatchObject({engaged: true, at: 4, peakEquity: 120_000})
    const s = state({positions: {SPY: 10}})
    expect(r.check(buy(1), s)).toMatchObject({code: 'kill_switch'})
    expect(r.check(sell(10), s)).toEqual({ok: true})
    const frozen = new RiskEngine({maxDrawdown: 0.1, killPolicy: 'freeze'}, {...r.kill})
    expect(frozen.check(sell(10), s)).toMatchObject({code: 'kill_switch'})
    // The persisted state carries over (a restart keeps it engaged) until cleared.
    const restarted = new RiskEngine({maxDrawdown: 0.1}, JSON.parse(JSON.stringify(r.kill)))
    expect(restarted.check(buy(1), s)).toMatchObject({code: 'kill_switch'})
    restarted.clearKill(107_000)
    expect(restarted.check(buy(1), s)).toEqual({ok: true})
  })

  it('outside the trading hours refuses entries (risk:schedule) and lets exits through', () => {
    const r = new RiskEngine({schedule: {start: '09:45', end: '15:30', timezone: 'America/New_York'}})
    const inside = Date.parse('2024-03-11T14:00:00Z') // Monday 10:00 EDT
    const after = Date.parse('2024-03-11T19:30:00Z') // 15:30 EDT: the window is [start, end)
    expect(r.check(buy(1), state({now: inside, lastDataAt: () => inside}))).toEqual({ok: true})
    const d = r.check(buy(1), state({now: after, lastDataAt: () => after}))
    expect(d).toMatchObject({ok: false, code: 'schedule'})
    expect(!d.ok && d.reason).toMatch(/mon 15:30 is outside the trading hours 09:45–15:30 America\/New_York/)
    expect(r.check(sell(5), state({now: after, lastDataAt: () => after, positions: {SPY: 5}}))).toEqual({ok: true})
  })

  it('after a close, refuses entries in that symbol until the cooldown passed (risk:cooldown); others trade', () => {
    const r = new RiskEngine({cooldownMs: 30 * MIN})
    expect(r.startCooldown('SPY', 10 * MIN)).toBe(40 * MIN)
    expect(r.check(buy(1), state({now: 39 * MIN, lastDataAt: () => 39 * MIN}))).toMatchObject({ok: false, code: 'cooldown'})
    expect(r.check(buy(1, 'IBM'), state({now: 39 * MIN, lastDataAt: () => 39 * MIN}))).toEqual({ok: true})
    expect(r.check(buy(1), state({now: 40 * MIN, lastDataAt: () => 40 * MIN}))).toEqual({ok: true})
    // What a restart persists and starts from.
    expect(r.activeCooldowns(20 * MIN)).toEqual({SPY: 40 * MIN})
    const restarted = new RiskEngine({cooldownMs: 30 * MIN}, undefined, r.activeCooldowns(20 * MIN))
    expect(restarted.check(buy(1), state({now: 21 * MIN, lastDataAt: () => 21 * MIN}))).toMatchObject({code: 'cooldown'})
    // Off by default.
    expect(new RiskEngine().startCooldown('SPY', 0)).toBeUndefined()
  })
})
