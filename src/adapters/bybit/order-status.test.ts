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

  it('a trigger price makes a stop (Market) or a stop-limit (Limit)', () => {
    expect(decodeWith({triggerPrice: '1500', orderStatus: 'Untriggered'})).toMatchObject({type: 'stop_limit', limitPrice: 1600, stopPrice: 1500, status: 'accepted'})
    expect(decodeWith({triggerPrice: '1500', orderType: 'Market'})).toMatchObject({type: 'stop', stopPrice: 1500})
    expect(decodeWith({orderType: 'Market'})).not.toHaveProperty('limitPrice')
  })

  it('reduceOnly and the link id are kept', () => {
    expect(decodeWith({reduceOnly: true})).toMatchObject({reduceOnly: true, clientOrderId: 'test-000005'})
  })

  it('the average fill price: avgPrice, else cumExecValue / cumExecQty, else a failure', () => {
    expect(decodeWith({cumExecQty: '0.05', avgPrice: '1599.5', orderStatus: 'PartiallyFilled'})).toMatchObject({filledQty: 0.05, avgFillPrice: 1599.5})
    expect(decodeWith({cumExecQty: '0.05', avgPrice: '', cumExecValue: '80', orderStatus: 'PartiallyFilled'})).toMatchObject({avgFillPrice: 1600})
    expect(decodeWith({cumExecQty: '0.05', avgPrice: '', cumExecValue: ''})).toBe('list[0].avgPrice: empty although cumExecQty is 0.05')
  })
})
