/**
 * Issue 11, end to end: BybitAdapter → the real SDK transport → the exchange emulator. Conditional orders go out with
 * the triggerDirection of their type (a stop against its side, an if-touched order with it) and come back, by query
 * and by stream, as the same type: a limit-if-touched buy is never mistaken for a stop-limit buy.
 */
import {afterEach, describe, expect, it} from 'vitest'
import type {OrderRequest, OrderType, Side} from '../../src/core/order.js'
import {type BybitE2E, startBybitE2E, SYMBOL} from './bybit-e2e-harness.js'

let e: BybitE2E | undefined

afterEach(async () => {
  await e?.close()
  e = undefined
})

function req(id: string, side: Side, type: OrderType, stopPrice: number, limitPrice?: number): OrderRequest {
  return {clientOrderId: id, symbol: SYMBOL, side, type, qty: 0.01, stopPrice, ...(limitPrice !== undefined ? {limitPrice} : {}), tif: 'gtc', positionSide: 'net'}
}

describe('Bybit conditional orders through the adapter and the emulator', () => {
  it('each type is sent with its triggerDirection and reported back as itself', async () => {
    e = await startBybitE2E({adapter: {positionMode: 'netting'}})
    await e.bar(100)
    const orders = [
      req('lit-buy', 'buy', 'limit_if_touched', 95, 95),
      req('mit-sell', 'sell', 'market_if_touched', 105),
      req('stop-buy', 'buy', 'stop', 105),
      req('stop-limit-sell', 'sell', 'stop_limit', 95, 94),
    ]
    for (const o of orders) await e.drive(e.adapter.submitOrder(o), `submit ${o.clientOrderId}`)
    // The create requests as they left the adapter (the harness records the traffic).
    const created = e.record.filter((l) => l.startsWith('request ')).map((l) => JSON.parse(l.slice(8)) as {endpoint: string; params: Record<string, unknown>})
      .filter((r) => r.endpoint.includes('/v5/order/create')).map((r) => r.params)
    expect(created.map((p) => [p.orderLinkId, p.orderType, p.triggerDirection])).toEqual([
      ['lit-buy', 'Limit', 2], ['mit-sell', 'Market', 1], ['stop-buy', 'Market', 1], ['stop-limit-sell', 'Limit', 2],
    ])
    for (const o of orders) {
      const back = await e.drive(e.adapter.getOrder({clientOrderId: o.clientOrderId}), `query ${o.clientOrderId}`)
      expect(back, o.clientOrderId).toMatchObject({type: o.type, side: o.side, stopPrice: o.stopPrice, status: 'accepted'})
    }
    const streamed = e.events.filter((x) => x.kind === 'order').map((x) => (x.kind === 'order' ? [x.order.clientOrderId, x.order.type] : []))
    for (const o of orders) expect(streamed, o.clientOrderId).toContainEqual([o.clientOrderId, o.type])
    expect(e.record.filter((l) => l.startsWith('decode-error'))).toEqual([])

    // The price falls to 94: the buy if-touched at 95 triggers and fills; the buy stop at 105 (a rise) does not.
    await e.bar(94)
    await e.until(() => e!.events.some((x) => x.kind === 'execution' && x.fill.clientOrderId === 'lit-buy'), 'the limit-if-touched buy fills', {stepMs: 1_000})
    const lit = await e.drive(e.adapter.getOrder({clientOrderId: 'lit-buy'}), 'query lit-buy')
    expect(lit).toMatchObject({type: 'limit_if_touched', status: 'filled', filledQty: 0.01})
    expect(lit!.avgFillPrice).toBeLessThanOrEqual(95)
    for (const id of ['stop-buy', 'mit-sell']) {
      expect(await e.drive(e.adapter.getOrder({clientOrderId: id}), `query ${id}`), id).toMatchObject({status: 'accepted', filledQty: 0})
    }
  })
})
