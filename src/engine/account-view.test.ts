import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../core/events.js'
import type {Fill} from '../core/fill.js'
import type {AccountSnapshot} from '../core/ledger.js'
import type {OrderRequest, OrderSnapshot, OrderStatus, PositionSide, Side} from '../core/order.js'
import {AccountView} from './account-view.js'

function exec(execId: string, symbol: string, side: Side, qty: number, price: number, positionSide: PositionSide = 'net', clientOrderId = 'c1'): BrokerEvent {
  const fill: Fill = {execId, clientOrderId, venueOrderId: `v-${clientOrderId}`, symbol, side, positionSide, qty, price, fee: 0.1,
    liquidity: 'taker', ts: 1}
  return {kind: 'execution', ts: 1, fill}
}

function execAt(execId: string, symbol: string, side: Side, qty: number, price: number, positionSide: PositionSide, ts: number): BrokerEvent {
  const e = exec(execId, symbol, side, qty, price, positionSide, execId) as {kind: 'execution'; fill: Fill}
  return {kind: 'execution', ts, fill: {...e.fill, ts}}
}

function report(symbol: string, side: PositionSide, qty: number, ts: number): BrokerEvent {
  return {kind: 'position', ts, position: {symbol, side, qty, avgPrice: 100, realizedPnl: 0, ts}}
}

function account(ts: number, cash: number): BrokerEvent {
  const a: AccountSnapshot = {cash, equity: cash + 5, buyingPower: cash - 5, marginUsed: 0, maintenanceMargin: 0, realizedPnl: 0, fees: 0, ts}
  return {kind: 'account', ts, account: a}
}

describe('AccountView', () => {
  it('starts from the initial cash before any report', () => {
    const v = new AccountView(1000)
    expect([v.cash, v.equity, v.buyingPower]).toEqual([1000, 1000, 1000])
    expect(v.position('AAPL')).toBe(0)
    expect(v.hasOpenOrder('AAPL')).toBe(false)
  })

  it('moves positions with executions; a newer venue position report replaces them, an older one is ignored', () => {
    const v = new AccountView(1000)
    expect(v.apply(execAt('e1', 'AAPL', 'buy', 10, 100, 'net', 1), 2)).toBe(true)
    expect(v.apply(execAt('e2', 'AAPL', 'sell', 4, 101, 'net', 2), 3)).toBe(true)
    expect(v.position('AAPL')).toBe(6)
    expect(v.positions.get('AAPL', 'net').avgPrice).toBe(100)
    // The venue says 9 as of t=3 (an execution of 3 at t=3 was lost): the report is the truth.
    v.apply(report('AAPL', 'net', 9, 3), 4)
    expect(v.position('AAPL')).toBe(9)
    // An older report (delivered late) changes nothing; an execution the report already counts neither.
    v.apply(report('AAPL', 'net', 6, 2), 5)
    v.apply(execAt('e3', 'AAPL', 'buy', 3, 100, 'net', 3), 6)
    expect(v.position('AAPL')).toBe(9)
    // An execution newer than the report moves it, and is laid on top again by a report that predates it.
    v.apply(execAt('e4', 'AAPL', 'buy', 1, 100, 'net', 5), 7)
    v.apply(report('AAPL', 'net', 9, 4), 8)
    expect(v.position('AAPL')).toBe(10)
  })

  it('a reduction that arrives before the fill that opened the leg neither throws nor leaves the leg off (issue 12)', () => {
    const v = new AccountView(1000)
    expect(() => v.apply(execAt('x2', 'BTCUSDT', 'buy', 0.05, 19_900, 'short', 2), 1)).not.toThrow()
    expect(v.position('BTCUSDT', 'short')).toBe(0)
    expect(v.positionGaps).toBe(1)
    v.apply(execAt('x1', 'BTCUSDT', 'sell', 0.05, 20_000, 'short', 1), 2)
    expect(v.position('BTCUSDT', 'short')).toBe(0)
    v.apply(execAt('x3', 'BTCUSDT', 'sell', 0.05, 20_000, 'short', 3), 3)
    expect(v.position('BTCUSDT', 'short')).toBe(0.05)
  })

  it('counts and ignores a duplicate execution', () => {
    const v = new AccountView(1000)
    expect(v.apply(exec('e1', 'AAPL', 'buy', 10, 100), 1)).toBe(true)
    expect(v.apply(exec('e1', 'AAPL', 'buy', 10, 100), 2)).toBe(false)
    expect(v.apply(exec('e1', 'AAPL', 'buy', 10, 100), 3)).toBe(false)
    expect(v.duplicateFills).toBe(2)
    expect(v.position('AAPL')).toBe(10)
  })

  it('keeps hedge legs apart', () => {
    const v = new AccountView(1000)
    v.apply(exec('e1', 'BTCUSDT', 'buy', 0.5, 40_000, 'long'), 1)
    v.apply(exec('e2', 'BTCUSDT', 'sell', 0.2, 40_100, 'short'), 2)
    expect(v.position('BTCUSDT', 'long')).toBe(0.5)
    expect(v.position('BTCUSDT', 'short')).toBe(0.2)
    expect(v.position('BTCUSDT')).toBe(0)
  })

  it('does not let an older account report replace a newer one', () => {
    const v = new AccountView(1000)
    v.apply(account(20, 900), 21)
    v.apply(account(10, 800), 22) // delivered late
    expect(v.cash).toBe(900)
    expect(v.equity).toBe(905)
    expect(v.buyingPower).toBe(895)
    v.apply(account(20, 950), 23) // same venue time: the later delivery wins
    expect(v.cash).toBe(950)
    v.apply(account(30, 700), 24)
    expect(v.cash).toBe(700)
  })

  it('routes order events to the tracker', () => {
    const v = new AccountView(1000)
    const r: OrderRequest = {clientOrderId: 'c1', symbol: 'AAPL', side: 'buy', type: 'limit', qty: 10, limitPrice: 100, tif: 'gtc'}
    v.orders.track(r, 0)
    v.orders.markSubmitted('c1', 0)
    expect(v.hasOpenOrder('AAPL')).toBe(true)
    v.apply({kind: 'order', ts: 1, order: {...r, venueOrderId: 'v-c1', status: 'canceled', filledQty: 0, avgFillPrice: 0, createdAt: 0, updatedAt: 1}}, 1)
    expect(v.orders.get('c1')!.status).toBe('canceled')
    expect(v.hasOpenOrder('AAPL')).toBe(false)
    // A fill that the tracker attributes to the order also lands in the positions, once.
    v.apply(exec('e7', 'AAPL', 'buy', 3, 100, 'net', 'c1'), 2)
    expect(v.position('AAPL')).toBe(3)
    expect(v.orders.get('c1')!.filledQty).toBe(3)
  })

  it('passes connection and decode-error events through without touching state', () => {
    const v = new AccountView(1000)
    expect(v.apply({kind: 'connection', ts: 1, status: 'disconnected'}, 1)).toBe(true)
    expect(v.apply({kind: 'decode_error', ts: 1, channel: 'ws', reason: 'bad', raw: {}}, 1)).toBe(true)
    expect(v.account).toBeUndefined()
    expect(v.duplicateFills).toBe(0)
  })
})

describe("the account view: the venue's final word after a partial fill", () => {
  const req = (id: string, qty: number): OrderRequest => ({clientOrderId: id, symbol: 'AAPL', side: 'buy', type: 'limit', qty, limitPrice: 100, tif: 'gtc'})
  const snap = (r: OrderRequest, status: OrderStatus, filledQty: number, avgFillPrice = filledQty > 0 ? 100 : 0): OrderSnapshot =>
    ({...r, venueOrderId: `v-${r.clientOrderId}`, status, filledQty, avgFillPrice, createdAt: 0, updatedAt: 0})
  const fill = (r: OrderRequest, execId: string, qty: number, price: number): Fill =>
    ({execId, clientOrderId: r.clientOrderId, venueOrderId: `v-${r.clientOrderId}`, symbol: r.symbol, side: r.side, positionSide: 'net', qty, price,
      fee: 0, liquidity: 'maker', ts: 0})

  it('the position holds the filled part of a rejected order', () => {
    const view = new AccountView(10_000)
    const r = {...req('c1', 10), side: 'sell' as const}
    view.orders.track(r, 0)
    view.orders.markSubmitted('c1', 1)
    view.apply({kind: 'order', ts: 2, order: snap(r, 'accepted', 0)}, 2)
    view.apply({kind: 'execution', ts: 3, fill: fill(r, 'e1', 3, 99)}, 3)
    view.apply({kind: 'order', ts: 4, order: snap(r, 'partially_filled', 3, 99)}, 4)
    view.apply({kind: 'order', ts: 5, order: snap(r, 'rejected', 3, 99)}, 5)
    expect(view.orders.get('c1')).toMatchObject({status: 'rejected', filledQty: 3})
    expect(view.position('AAPL')).toBe(-3)
    expect(view.hasOpenOrder('AAPL')).toBe(false)
    expect(view.orders.violations).toEqual([])
  })
})
