/**
 * Issue 11: a venue's final word on an order is never refused. Bybit pushes an order PartiallyFilled, its execution,
 * then the order Rejected with cumExecQty > 0 (fixtures/bybit/docs-shaped, constructed in the documented shape): the
 * frames, decoded and applied to the engine's account view, end the order `rejected` with its filled part kept and
 * the position holding that part. A reconciliation page carrying `"avgPrice": null` decodes whole.
 */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {decodeBybitFrame, decodeBybitOrders, decodeBybitResponse} from '../../src/adapters/bybit/index.js'
import type {BrokerEvent} from '../../src/core/events.js'
import type {OrderRequest} from '../../src/core/order.js'
import {AccountView} from '../../src/engine/account-view.js'
import {BYBIT_CTX, readJson} from './fixture-routes.js'

const ROOT = path.resolve(import.meta.dirname, '../../fixtures/bybit/docs-shaped')
const frames = (readJson(path.join(ROOT, 'bybit.order-rejected-after-partial.ws.json')) as {cases: {messages: unknown[]}[]}).cases[0].messages
const rest = readJson(path.join(ROOT, 'bybit.orders.rest.json')) as Record<string, unknown>

/** The order the engine sent, as the gateway tracks it before sending. */
const REQUEST: OrderRequest = {clientOrderId: 'docs-ws-partial-rejected', symbol: 'BTCUSDT', side: 'sell', type: 'limit', qty: 0.5, limitPrice: 26000, tif: 'gtc', positionSide: 'net'}

function sent(): AccountView {
  const view = new AccountView(100_000)
  view.orders.track(REQUEST, 1684476068369)
  view.orders.markSubmitted(REQUEST.clientOrderId, 1684476068369)
  view.orders.markAccepted(REQUEST.clientOrderId, 'd0c1a8e2-0010-4c52-a009-000000000010', 1684476068400)
  return view
}

function events(frame: unknown): BrokerEvent[] {
  const out = decodeBybitFrame(frame, 0, BYBIT_CTX)
  for (const m of out) if (m.kind === 'decode_error') throw new Error(m.reason)
  return out.filter((m): m is BrokerEvent => m.kind === 'order' || m.kind === 'execution')
}

describe('Bybit: PartiallyFilled, then Rejected with cumExecQty > 0', () => {
  it('decodes to partially_filled, an execution, then rejected keeping filledQty', () => {
    const [[partial], [exec], [rejected]] = frames.map(events)
    expect(partial).toMatchObject({kind: 'order', order: {status: 'partially_filled', filledQty: 0.2}})
    expect(exec).toMatchObject({kind: 'execution', fill: {qty: 0.2, price: 26000, side: 'sell'}})
    expect(rejected).toMatchObject({kind: 'order', order: {status: 'rejected', filledQty: 0.2, avgFillPrice: 26000, reason: 'EC_Others'}})
  })

  it.each([
    ['in the order sent', [0, 1, 2]],
    ['when the final report overtakes the execution', [0, 2, 1]],
    ['when only the final report and the execution arrive', [2, 1]],
  ])('the tracker ends the order rejected with its fill, and the position holds it (%s)', (_how, order) => {
    const view = sent()
    for (const i of order) for (const e of events(frames[i])) view.apply(e, e.ts)
    const o = view.orders.get(REQUEST.clientOrderId)!
    expect(o).toMatchObject({status: 'rejected', filledQty: 0.2, avgFillPrice: 26000, execQty: 0.2, reason: 'EC_Others'})
    expect(view.orders.open).toBe(0)
    expect(view.hasOpenOrder('BTCUSDT')).toBe(false)
    expect(view.position('BTCUSDT')).toBeCloseTo(-0.2, 12)
    expect(view.orders.violations).toEqual([])
  })
})

describe('Bybit reconciliation pages', () => {
  it('an order list with "avgPrice": null decodes whole; null is "no fill yet"', () => {
    const body = rest[Object.keys(rest).find((k) => k.startsWith('GET /v5/order/realtime'))!]
    const r = decodeBybitResponse(body, 'bybit:rest:/v5/order/realtime', (x, _t, c) => decodeBybitOrders(x, c))
    if (!r.ok) throw new Error('error' in r ? r.error.reason : 'refused')
    expect(r.value.items).toHaveLength(6)
    expect(r.value.items[0]).toMatchObject({clientOrderId: 'docs-avg-null', filledQty: 0, avgFillPrice: 0})
  })

  it('null avgPrice on an order that has filled still needs cumExecValue: without either it is a failure naming the field', () => {
    const body = structuredClone(rest[Object.keys(rest).find((k) => k.startsWith('GET /v5/order/history (linear'))!]) as {result: {list: Record<string, unknown>[]}}
    Object.assign(body.result.list[0], {avgPrice: null, cumExecValue: '5200.04'})
    const ok = decodeBybitOrders(body.result)
    expect(ok.ok && ok.value.items[0].avgFillPrice).toBeCloseTo(26000.2, 9)
    Object.assign(body.result.list[0], {cumExecValue: null})
    const bad = decodeBybitOrders(body.result)
    expect(!bad.ok && bad.error.reason).toBe('list[0].avgPrice: empty although cumExecQty is 0.2')
  })
})
