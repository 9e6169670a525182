/**
 * Every Bybit payload under fixtures/bybit is decoded (one test per file: adding a file adds a case), and a few
 * decoded values are checked against the raw files. Payloads that do not fit are listed with the reason they must
 * fail for; everything else must decode.
 */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {BybitWsMessage} from '../../src/adapters/bybit/index.js'
import {FinalError} from '../../src/broker/errors.js'
import type {Page} from '../../src/adapters/decode.js'
import type {Fill} from '../../src/core/fill.js'
import type {Instrument} from '../../src/core/instrument.js'
import type {AccountSnapshot} from '../../src/core/ledger.js'
import type {OrderSnapshot} from '../../src/core/order.js'
import type {PositionSnapshot} from '../../src/core/position.js'
import {bybitCases, bybitNetEndpoint, describeFixtureCoverage, loadFixtureSet, readJson, readText, transcript} from './fixture-routes.js'

const ROOT = path.resolve(import.meta.dirname, '../../fixtures/bybit')

const NET = 'Bybit.Net/Bybit.UnitTests'
const HIRO = 'hirokisan-bybit'

/** Payloads that must NOT decode, and why. */
const EXPECTED_FAILURES: Record<string, RegExp> = {
  // Real malformed frames: Bybit.Net's concurrency test pushes klines without OHLC.
  [`${NET}/Subscriptions/V5/Spot/Concurrent.txt#4=`]: /^data\[0\]\.open: .*received undefined/,
  [`${NET}/Subscriptions/V5/Spot/Concurrent.txt#5=`]: /^data\[0\]\.open: .*received undefined/,
  // hirokisan re-marshals through Go structs: not Bybit's wire shapes.
  [`${HIRO}/integrationtest/v5/market/testdata/v5-market-get-kline.json`]: /^list\[0\]: .*expected tuple, received object/,
  [`${HIRO}/integrationtest-ws/v5/testdata/public-v5-orderbook.json`]: /^data\.b\[0\]: .*expected tuple, received object/,
  [`${HIRO}/integrationtest-ws/v5/testdata/public-v5-ticker-inverse.json`]: /^data\.symbol: .*received undefined/,
}

const fixtures = loadFixtureSet(ROOT, bybitCases)
const value = fixtures.value

const pushed = (file: string) => transcript(readText(path.join(ROOT, file))).find((e) => e.dir === '=')!.json as {data: Record<string, string>[]}

describeFixtureCoverage('Bybit', fixtures, bybitCases, EXPECTED_FAILURES, {files: 51, decoded: 91})

describe('Bybit fixtures: decoded values equal the raw files', () => {
  it('an open order: qty, price, status, hedge leg, link id', () => {
    const file = `${NET}/Endpoints/V5Api/Trading/GetOrders.txt`
    const rawOrder = (bybitNetEndpoint(readText(path.join(ROOT, file))).body as {result: {list: Record<string, unknown>[]}}).result.list[0]
    const [o] = value<Page<OrderSnapshot>>(file).items
    expect(rawOrder.orderStatus).toBe('New')
    expect(o).toMatchObject({venueOrderId: rawOrder.orderId, clientOrderId: 'test-000005', symbol: 'ETHUSDT', side: 'buy', type: 'limit', tif: 'gtc'})
    expect(o.qty).toBe(0.1)
    expect(o.limitPrice).toBe(1600)
    expect(o.status).toBe('accepted')
    expect(o.positionSide).toBe('long')
    expect(o.createdAt).toBe(1684738540559)
  })

  it('a cancelled post-only order keeps its reject reason', () => {
    const [o] = value<Page<OrderSnapshot>>(`${NET}/Endpoints/V5Api/Trading/GetOrderHistory.txt`).items
    expect(o).toMatchObject({status: 'canceled', postOnly: true, tif: 'gtc', reason: 'EC_PostOnlyWillTakeLiquidity', qty: 0.003, limitPrice: 26864.4})
  })

  it('an execution frame: id, price, qty, fee, liquidity', () => {
    const file = `${NET}/Subscriptions/V5/Private/UserTrades.txt`
    const rawExec = pushed(file).data[0]
    const [m] = value<BybitWsMessage[]>(`${file}#4=`)
    if (m.kind !== 'execution') throw new Error(`expected an execution, got ${m.kind}`)
    expect(m.fill.execId).toBe(rawExec.execId)
    expect(m.fill).toMatchObject({execId: '7e2ae69c-4edf-5800-a352-893d52b446aa', price: 0.3374, qty: 25, fee: 0.005061, liquidity: 'taker', side: 'sell', symbol: 'XRPUSDT', positionSide: 'net', ts: 1672364174443})
  })

  it('the execution list (REST) gives the same fields', () => {
    const page = value<Page<Fill>>(`${HIRO}/integrationtest/v5/execution/testdata/v5-execution-get-execution-list.json`)
    expect(page.items[0]).toMatchObject({execId: '63efa380-bdb4-5b1c-83d3-937ca3938000', price: 26816.8, qty: 0.01, fee: 0.1609008, side: 'sell'})
    expect(page.next).toBe('140%3A2%2C140%3A2')
  })

  it('positions: side and size, one-way and hedge legs, websocket and REST', () => {
    const [inverse] = value<Page<PositionSnapshot>>(`${NET}/Endpoints/V5Api/Trading/GetPositions.txt`).items
    expect(inverse).toMatchObject({symbol: 'BTCUSD', side: 'net', qty: -300, avgPrice: 27464.50441675, realizedPnl: -0.00096902})
    const [shortLeg] = value<BybitWsMessage[]>(`${NET}/Subscriptions/V5/Private/Position.txt#4=`)
    expect(shortLeg).toMatchObject({kind: 'position', position: {symbol: 'BTCUSDT', side: 'short', qty: 0, realizedPnl: -25.06579337}})
    const [long] = value<BybitWsMessage[]>(`${HIRO}/integrationtest-ws/v5/testdata/private-v5-position.json`)
    expect(long).toMatchObject({kind: 'position', ts: 1677331636515, position: {side: 'net', qty: 0.1, avgPrice: 23032.9}})
  })

  it('wallets: equity, balance, margins and the USDT realised PnL', () => {
    const [w] = value<BybitWsMessage[]>(`${HIRO}/integrationtest-ws/v5/testdata/private-v5-wallet.json`)
    if (w.kind !== 'account') throw new Error('expected an account event')
    expect(w.account).toEqual({cash: 27336.17009523, equity: 27336.17009523, buyingPower: 27208.34094304, marginUsed: 127.82915219, maintenanceMargin: 21.82448939, realizedPnl: -1614.0899707, fees: 0, ts: 1677583612673})
    const rest = value<AccountSnapshot>(`${NET}/Endpoints/V5Api/Account/GetBalances.txt`)
    expect(rest).toMatchObject({equity: 3.31216591, cash: 3.00326056, ts: 1690872862481})
  })

  it('instruments: tick size, qty step, min qty', () => {
    const [linear] = value<Instrument[]>(`${NET}/Endpoints/V5Api/ExchangeData/GetLinearInverseSymbols.txt`)
    expect(linear).toMatchObject({symbol: 'BTCUSDT', contract: 'linear_perpetual', tickSize: 0.1, lotSize: 0.001, minQty: 0.001, quoteCurrency: 'USDT'})
    const [spot] = value<Instrument[]>(`${NET}/Endpoints/V5Api/ExchangeData/GetSpotSymbols.txt`)
    expect(spot).toMatchObject({symbol: 'BTCUSDT', contract: 'spot', tickSize: 0.01, lotSize: 0.000001, minQty: 0.000048})
  })

  it('public frames: kline before its ack, ticker delta, a trade frame of ten fills', () => {
    const file = 'ccxt/ts/src/test/static/ws/bybit.public.messages.excerpt.json'
    const [bar] = value<BybitWsMessage[]>(`${file}#cases[3].messages[0]`)
    expect(bar).toEqual({kind: 'bar', bar: {symbol: 'BTCUSDT', ts: 1786540380000, open: 63975, high: 63975, low: 63971.2, close: 63971.2, volume: 0.329, closed: false}})
    const [delta] = value<BybitWsMessage[]>(`${file}#cases[1].messages[1]`)
    expect(delta).toEqual({kind: 'ticker', ticker: {symbol: 'BTCUSDT', ts: 1786540397983, snapshot: false, indexPrice: 63986.66}})
    const rawTrades = (readJson(path.join(ROOT, file)) as {cases: {messages: {data: unknown[]}[]}[]}).cases[6].messages[1].data
    const trades = value<BybitWsMessage[]>(`${file}#cases[6].messages[1]`)
    expect(trades).toHaveLength(rawTrades.length)
    expect(trades[0]).toEqual({kind: 'trade', trade: {symbol: 'BTCUSDT', ts: 1786538700833, price: 64104.5, size: 0.00325, id: '2290000001190010739', side: 'sell'}})
  })

  it('a refused request maps its retCode; a stringified retCode still decodes', () => {
    const refused = value<FinalError>(`${NET}/Endpoints/V5Api/Account/SetMarginMode.txt`)
    expect(refused).toBeInstanceOf(FinalError)
    expect(refused.code).toBe('3400045')
    const ack = value<{orderId: string; orderLinkId: string}>('ccxt/ts/src/test/static/response/bybit.httpResponses.excerpt.json#POST /v5/order/amend (editOrder, clientOrderId bybit1)')
    expect(ack).toEqual({orderId: '2088690093937486080', orderLinkId: 'bybit1'})
  })

  it('constructed (issue 11): avgPrice null or "" on unfilled orders; triggerDirection tells stops from if-touched orders', () => {
    const file = 'docs-shaped/bybit.orders.rest.json'
    const raw = readJson(path.join(ROOT, file)) as Record<string, {result: {list: Record<string, unknown>[]}}>
    const key = Object.keys(raw).find((k) => k.startsWith('GET /v5/order/realtime'))!
    expect(raw[key].result.list[0].avgPrice).toBeNull()
    const items = value<Page<OrderSnapshot>>(`${file}#${key}`).items
    const byId = (cid: string) => items.find((o) => o.clientOrderId === cid)!
    expect(byId('docs-avg-null')).toMatchObject({type: 'limit', status: 'accepted', filledQty: 0, avgFillPrice: 0, limitPrice: 26000})
    expect(byId('docs-avg-empty')).toMatchObject({type: 'limit', filledQty: 0, avgFillPrice: 0})
    // A buy triggered by a fall is a limit-if-touched order, never a stop-limit (which a rise would trigger).
    expect(byId('docs-lit-buy')).toMatchObject({side: 'buy', type: 'limit_if_touched', stopPrice: 25500, limitPrice: 25510, status: 'accepted'})
    expect(byId('docs-mit-sell')).toMatchObject({side: 'sell', type: 'market_if_touched', stopPrice: 28000})
    expect(byId('docs-mit-sell')).not.toHaveProperty('limitPrice')
    expect(byId('docs-stop-buy')).toMatchObject({side: 'buy', type: 'stop', stopPrice: 28000})
    expect(byId('docs-stop-limit-sell')).toMatchObject({side: 'sell', type: 'stop_limit', stopPrice: 25000, limitPrice: 24990})
  })

  it('constructed (issue 11): final statuses after a partial fill keep the filled quantity and its price', () => {
    const file = 'docs-shaped/bybit.orders.rest.json'
    const keys = Object.keys(readJson(path.join(ROOT, file)) as object).filter((k) => k.startsWith('GET /v5/order/history'))
    const items = keys.flatMap((k) => value<Page<OrderSnapshot>>(`${file}#${k}`).items)
    const byId = (cid: string) => items.find((o) => o.clientOrderId === cid)!
    expect(byId('docs-rejected-after-partial')).toMatchObject({status: 'rejected', qty: 0.5, filledQty: 0.2, avgFillPrice: 26000.2, reason: 'EC_Others'})
    // avgPrice "0" although cumExecQty > 0 (classic accounts): the price comes from cumExecValue / cumExecQty.
    expect(byId('docs-cancelled-after-partial')).toMatchObject({status: 'canceled', filledQty: 0.004, avgFillPrice: 26000, reason: 'CancelByUser'})
    expect(byId('docs-deactivated-stop-loss')).toMatchObject({status: 'canceled', type: 'stop', side: 'sell', filledQty: 0, reduceOnly: true})
    expect(byId('docs-spot-partial-cancelled')).toMatchObject({status: 'canceled', filledQty: 0.004, avgFillPrice: 26000, positionSide: 'net'})
  })

  it('the websocket trade API reply carries the ack and the rate-limit header', () => {
    const [reply] = value<BybitWsMessage[]>(`${NET}/Socket/V5Api/Private/PlaceOrder.txt#3=`)
    expect(reply).toMatchObject({kind: 'control', type: 'op_reply', op: 'order.create', retCode: 0, ack: {orderId: 'a4c1718e-fe53-4659-a118-1f6ecce04ad9', orderLinkId: ''}, rateLimit: {limit: 10, remaining: 9, resetAt: 1711001595208}})
  })
})
