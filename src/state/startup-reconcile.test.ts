/**
 * The start-up reconcile and a venue's final word after a partial fill: Bybit reports some orders PartiallyFilled
 * and then Rejected. An order record left unsettled by the last life (its execution not yet in) is looked up and its
 * missed execution taken from the venue's reports, whatever its final status; an order refused with nothing filled
 * is not looked up again.
 */
import {describe, expect, it} from 'vitest'
import type {Fill} from '../core/fill.js'
import type {OrderSnapshot} from '../core/order.js'
import type {BrokerPort} from '../broker/port.js'
import {VirtualClock} from '../core/time/clock.js'
import {NS, type OrderRecord} from './pipeline-state.js'
import {reconcileAtStartup} from './startup-reconcile.js'
import {StateStore} from './store.js'

const T = 1_700_000_000_000

function record(id: string, over: Partial<OrderRecord>): OrderRecord {
  return {
    clientOrderId: id, symbol: 'BTCUSDT', side: 'buy', qty: 0.5, purpose: 'entry', sourceId: `sig-${id}`, reason: 'entry',
    status: 'rejected', filledQty: 0, avgFillPrice: 0, execs: {}, venueOrderId: `V-${id}`, createdAt: T, updatedAt: T,
    remainder: 'cancel', timedOut: false, settled: false, ...over,
  }
}

/** A venue that knows one order, rejected after 0.2 of 0.5 filled, and its one execution. */
function venue(queried: string[]): BrokerPort {
  const snap: OrderSnapshot = {
    clientOrderId: 'partial', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.5, tif: 'gtc', limitPrice: 20_000,
    venueOrderId: 'V-partial', status: 'rejected', filledQty: 0.2, avgFillPrice: 20_000, createdAt: T, updatedAt: T + 5,
  }
  const fill: Fill = {
    execId: 'E1', clientOrderId: 'partial', venueOrderId: 'V-partial', symbol: 'BTCUSDT', side: 'buy', positionSide: 'net',
    qty: 0.2, price: 20_000, fee: 2.2, liquidity: 'maker', ts: T + 3,
  }
  return {
    venue: 'bybit',
    positionMode: 'netting',
    getOrder: async (ref: {clientOrderId: string} | {venueOrderId: string}) => {
      const id = 'clientOrderId' in ref ? ref.clientOrderId : ref.venueOrderId
      queried.push(id)
      return id === 'partial' ? snap : undefined
    },
    executionsSince: async () => [fill],
    openOrders: async () => [],
    positions: async () => [{symbol: 'BTCUSDT', side: 'net', qty: 0.2, avgPrice: 20_000, realizedPnl: 0, ts: T + 3}],
  } as unknown as BrokerPort
}

describe('start-up reconcile after a rejection that followed a partial fill', () => {
  it('looks the order up, takes in its missed execution and keeps the filled part; a refusal with nothing filled is left alone', async () => {
    const store = new StateStore({clock: new VirtualClock(T + 10)})
    const writer = store.acquireWriter('test')
    // The last life saw the order's final report (rejected) but died before the execution of its partial fill came
    // (records count executions only). The other order was refused at submit: the venue never took it.
    writer.set(NS.orders, 'partial', record('partial', {}))
    writer.set(NS.orders, 'refused', record('refused', {venueOrderId: undefined}))
    const queried: string[] = []
    const report = await reconcileAtStartup({broker: venue(queried), store, writer, now: () => T + 10})
    expect(queried).toEqual(['partial'])
    expect(report.missedFills).toBe(1)
    const rec = store.get(NS.orders, 'partial')!
    expect(rec.status).toBe('rejected')
    expect(rec.filledQty).toBe(0.2)
    expect(rec.execs.E1).toMatchObject({qty: 0.2, fee: 2.2})
    expect(rec.settled).toBe(true)
    expect(report.positionDiffs).toEqual([])
  })
})
