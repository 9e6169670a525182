import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../core/instrument.js'
import type {OrderRequest, OrderType, Side} from '../../core/order.js'
import {bybitOrderToSnapshot} from './decode-rest.js'
import {bybitCreateParams} from './order-params.js'
import {BybitOrderSchema} from './schemas.js'

const inst = defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')

function req(side: Side, type: OrderType): OrderRequest {
  const limit = type === 'limit' || type === 'stop_limit' || type === 'limit_if_touched'
  const trigger = type !== 'market' && type !== 'limit'
  return {clientOrderId: 'c-1', symbol: 'BTCUSDT', side, type, qty: 0.01, tif: 'gtc', ...(limit ? {limitPrice: 26000} : {}), ...(trigger ? {stopPrice: 25000} : {})}
}

describe('Bybit create parameters: triggerDirection', () => {
  it.each([
    // A stop triggers against its side, an if-touched order with it (1 = rise, 2 = fall).
    ['buy', 'stop', 'Market', 1], ['sell', 'stop', 'Market', 2], ['buy', 'stop_limit', 'Limit', 1], ['sell', 'stop_limit', 'Limit', 2],
    ['buy', 'market_if_touched', 'Market', 2], ['sell', 'market_if_touched', 'Market', 1], ['buy', 'limit_if_touched', 'Limit', 2], ['sell', 'limit_if_touched', 'Limit', 1],
  ] as const)('%s %s → orderType %s, triggerDirection %i', (side, type, orderType, direction) => {
    const p = bybitCreateParams(req(side, type), inst)
    expect(p).toMatchObject({orderType, triggerDirection: direction, triggerPrice: '25000', triggerBy: 'LastPrice'})
    expect('price' in p).toBe(orderType === 'Limit')
  })

  it('plain orders carry no trigger', () => {
    for (const type of ['market', 'limit'] as const) {
      const p = bybitCreateParams(req('buy', type), inst)
      expect(p).not.toHaveProperty('triggerDirection')
      expect(p).not.toHaveProperty('triggerPrice')
    }
  })

  it.each(['stop', 'stop_limit', 'market_if_touched', 'limit_if_touched'] as const)('%s: what the adapter sends decodes back to the same type, both sides', (type) => {
    for (const side of ['buy', 'sell'] as const) {
      const p = bybitCreateParams(req(side, type), inst)
      // The venue's report of that order, in the recorded field formats.
      const report = BybitOrderSchema.parse({
        orderId: 'v-1', orderLinkId: p.orderLinkId, symbol: p.symbol, side: p.side, orderType: p.orderType, price: p.price ?? '0', qty: p.qty,
        timeInForce: p.timeInForce, orderStatus: 'Untriggered', positionIdx: p.positionIdx, cumExecQty: '0', avgPrice: '', triggerPrice: p.triggerPrice,
        triggerDirection: p.triggerDirection, stopOrderType: 'Stop', createdTime: '1', updatedTime: '1',
      })
      expect(bybitOrderToSnapshot(report)).toMatchObject({type, side, stopPrice: 25000})
    }
  })
})
