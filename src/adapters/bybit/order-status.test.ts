import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ORDER_TRANSITIONS} from '../../core/order-state.js'
import type {OrderStatus} from '../../core/order.js'
import {decodeBybitOrders} from './decode-rest.js'
import {BYBIT_ORDER_STATUSES, type BybitOrderStatus} from './order-status.js'

const FILE = path.resolve(import.meta.dirname, '../../../fixtures/bybit/Bybit.Net/Bybit.UnitTests/Endpoints/V5Api/Trading/GetOrders.txt')
const text = readFileSync(FILE, 'utf8')
const recorded = JSON.parse(text.slice(text.indexOf('{'))).result

/** The recorded open order (ETHUSDT, positionIdx 1, Limit GTC 0.10 @ 1600) with `change` applied, decoded. */
function decodeWith(change: Record<string, unknown>) {
  const result = structuredClone(recorded)
  Object.assign(result.list[0], change)
  const r = decodeBybitOrders(result)
  if (!r.ok) return r.error.reason
  return r.value.items[0]
}

const EXPECTED: Record<BybitOrderStatus, OrderStatus> = {
  Created: 'accepted', New: 'accepted', PartiallyFilled: 'partially_filled', Filled: 'filled', Cancelled: 'canceled',
  PartiallyFilledCanceled: 'canceled', Rejected: 'rejected', Untriggered: 'accepted', Triggered: 'accepted', Active: 'accepted',
  Deactivated: 'canceled',
}

describe('Bybit orderStatus → core status', () => {
  it.each(BYBIT_ORDER_STATUSES)('%s', (s) => {
    const o = decodeWith({orderStatus: s})
    expect(typeof o === 'object' && o.status).toBe(EXPECTED[s])
    expect(ORDER_TRANSITIONS[EXPECTED[s]]).toBeDefined()
  })

  it('an unknown status is a failure naming the field', () => {
    expect(decodeWith({orderStatus: 'Parked'})).toMatch(/^list\[0\]\.orderStatus: /)
  })
})

describe('the other order fields', () => {
  it.each([[0, 'net'], [1, 'long'], [2, 'short'], ['2', 'short']] as const)('positionIdx %j → %s', (idx, side) => {
    const o = decodeWith({positionIdx: idx})
    expect(typeof o === 'object' && o.positionSide).toBe(side)
  })

  it('time in force: PostOnly is gtc + postOnly; RPI is not supported', () => {
    expect(decodeWith({timeInForce: 'PostOnly'})).toMatchObject({tif: 'gtc', postOnly: true})
    expect(decodeWith({timeInForce: 'IOC'})).toMatchObject({tif: 'ioc'})
    expect(decodeWith({timeInForce: 'RPI'})).toBe('list[0].timeInForce: RPI orders are not supported by the core order model')
  })

  it('a trigger price against the side makes a stop (Market) or a stop-limit (Limit)', () => {
    // The recorded order is a Buy: triggerDirection 1 (rise) is a buy stop.
    expect(decodeWith({triggerPrice: '1700', triggerDirection: 1, orderStatus: 'Untriggered'})).toMatchObject({type: 'stop_limit', limitPrice: 1600, stopPrice: 1700, status: 'accepted'})
    expect(decodeWith({triggerPrice: '1700', triggerDirection: 1, orderType: 'Market'})).toMatchObject({type: 'stop', stopPrice: 1700})
    expect(decodeWith({triggerPrice: '1500', triggerDirection: 2, side: 'Sell', orderType: 'Market'})).toMatchObject({type: 'stop', side: 'sell'})
    expect(decodeWith({orderType: 'Market'})).not.toHaveProperty('limitPrice')
  })

  it('a trigger price with the side makes an if-touched order, never a stop', () => {
    // A buy triggered when the price FALLS to 1500 (triggerDirection 2): limit-if-touched, not a stop-limit.
    expect(decodeWith({triggerPrice: '1500', triggerDirection: 2, orderStatus: 'Untriggered'})).toMatchObject({type: 'limit_if_touched', side: 'buy', limitPrice: 1600, stopPrice: 1500})
    expect(decodeWith({triggerPrice: '1500', triggerDirection: 2, orderType: 'Market'})).toMatchObject({type: 'market_if_touched', stopPrice: 1500})
    expect(decodeWith({triggerPrice: '1700', triggerDirection: '1', side: 'Sell'})).toMatchObject({type: 'limit_if_touched', side: 'sell'})
  })

  it('without a direction: take-profits are if-touched, stop-losses stops, anything else a failure naming triggerDirection', () => {
    const sellTp = {side: 'Sell', orderType: 'Market', triggerPrice: '1700', triggerDirection: 0, reduceOnly: true}
    expect(decodeWith({...sellTp, stopOrderType: 'TakeProfit'})).toMatchObject({type: 'market_if_touched'})
    expect(decodeWith({...sellTp, stopOrderType: 'PartialTakeProfit'})).toMatchObject({type: 'market_if_touched'})
    expect(decodeWith({...sellTp, triggerPrice: '1500', stopOrderType: 'StopLoss'})).toMatchObject({type: 'stop'})
    expect(decodeWith({...sellTp, stopOrderType: 'Stop'})).toBe('list[0].triggerDirection: 0 on an order with triggerPrice 1700 (stopOrderType Stop): a stop cannot be told from an if-touched order')
    expect(decodeWith({triggerDirection: 3})).toMatch(/^list\[0\]\.triggerDirection: expected triggerDirection 0, 1 or 2/)
  })

  it('reduceOnly and the link id are kept', () => {
    expect(decodeWith({reduceOnly: true})).toMatchObject({reduceOnly: true, clientOrderId: 'test-000005'})
  })

  it('fields Bybit leaves empty or null on an order with no fill', () => {
    for (const avgPrice of [null, '', '0']) expect(decodeWith({avgPrice}), String(avgPrice)).toMatchObject({filledQty: 0, avgFillPrice: 0})
    expect(decodeWith({avgPrice: null, cumExecValue: null, triggerPrice: null, stopOrderType: null, rejectReason: null, cancelType: null})).toMatchObject({type: 'limit', filledQty: 0})
    expect(decodeWith({orderType: 'Market', price: null})).toMatchObject({type: 'market'})
    // The quantities that always apply stay strict.
    expect(decodeWith({cumExecQty: null})).toMatch(/^list\[0\]\.cumExecQty: /)
    expect(decodeWith({qty: ''})).toMatch(/^list\[0\]\.qty: /)
  })

  it.each(['Rejected', 'Cancelled', 'PartiallyFilledCanceled', 'Deactivated'] as const)('%s after a partial fill keeps the filled quantity', (orderStatus) => {
    // avgPrice "" / "0" on such orders (documented): the price comes from cumExecValue.
    for (const avgPrice of ['1599.5', '', '0', null]) {
      const o = decodeWith({orderStatus, cumExecQty: '0.04', cumExecValue: '63.98', avgPrice})
      expect(o, `${orderStatus} avgPrice ${avgPrice}`).toMatchObject({status: EXPECTED[orderStatus], filledQty: 0.04})
      expect(typeof o === 'object' && o.avgFillPrice).toBeCloseTo(1599.5, 9)
    }
  })

  it('the average fill price: avgPrice, else cumExecValue / cumExecQty, else a failure', () => {
    expect(decodeWith({cumExecQty: '0.05', avgPrice: '1599.5', orderStatus: 'PartiallyFilled'})).toMatchObject({filledQty: 0.05, avgFillPrice: 1599.5})
    expect(decodeWith({cumExecQty: '0.05', avgPrice: '', cumExecValue: '80', orderStatus: 'PartiallyFilled'})).toMatchObject({avgFillPrice: 1600})
    expect(decodeWith({cumExecQty: '0.05', avgPrice: '', cumExecValue: ''})).toBe('list[0].avgPrice: empty although cumExecQty is 0.05')
  })
})
