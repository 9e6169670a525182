import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {decodeAlpacaAccount, decodeAlpacaOrder, decodeAlpacaOrders, decodeAlpacaPosition, decodeAlpacaPositions} from './decode-rest.js'

const TRADING = path.resolve(import.meta.dirname, '../../../fixtures/alpaca/alpaca-mcp-server/extracted/trading-api')
const read = (f: string) => JSON.parse(readFileSync(path.join(TRADING, f), 'utf8'))
const equity = () => read('GETv2_orders_order_id__200__Equity.json')

describe('Alpaca orders the core cannot express are failures, not approximations', () => {
  it.each([
    ['trailing stops', {type: 'trailing_stop', order_type: 'trailing_stop'}, /^type: "trailing_stop" orders are not supported/],
    ['opening-auction orders', {time_in_force: 'opg'}, /^time_in_force: opg is not supported/],
    ['a limit order without a limit price', {limit_price: null}, /^limit_price: missing on a limit order/],
    ['an average price missing although filled', {filled_qty: '1', filled_avg_price: null}, /^filled_avg_price: null although filled_qty is 1/],
    ['an unknown status', {status: 'vanished'}, /^status: /],
    // A market order has no limit price (Alpaca: limit_price only for limit / stop_limit): never silently a limit order.
    ['a market order with a limit price', {type: 'market', order_type: 'market'}, /^limit_price: 150 on a market order, which has no limit price$/],
    ['a stop order with a limit price', {type: 'stop', order_type: 'stop', stop_price: '149'}, /^limit_price: 150 on a stop order, which has no limit price$/],
    ['a limit order with a stop price', {stop_price: '149'}, /^stop_price: 149 on a limit order, which has no stop price$/],
  ])('%s', (_what, change, reason) => {
    const raw = {...equity(), ...change}
    const r = decodeAlpacaOrder(raw)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.reason).toMatch(reason)
      expect(r.error.raw).toBe(raw)
    }
  })

  it('one bad order fails the whole list, naming its index', () => {
    const r = decodeAlpacaOrders([equity(), {...equity(), qty: 'two'}])
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.reason).toBe('[1].qty: expected a decimal number in a string (got "two")')
  })

  it('a market order with null prices decodes; one with a limit price fails the whole list, naming the field', () => {
    const market = {...equity(), type: 'market', order_type: 'market', limit_price: null}
    const m = decodeAlpacaOrder(market)
    expect(m).toMatchObject({ok: true, value: {type: 'market'}})
    expect(m.ok && m.value).not.toHaveProperty('limitPrice')
    const r = decodeAlpacaOrders([market, {...market, limit_price: '150'}])
    expect(!r.ok && r.error.reason).toBe('[1].limit_price: 150 on a market order, which has no limit price')
  })

  it('updated_at null: the newest of the order\'s event times', () => {
    const filled = {...equity(), updated_at: null, status: 'filled', filled_qty: '2', filled_avg_price: '149.9', filled_at: '2023-12-12T22:40:00Z'}
    const r = decodeAlpacaOrder(filled)
    expect(r.ok && r.value.updatedAt).toBe(Date.parse('2023-12-12T22:40:00Z'))
    expect(decodeAlpacaOrder({...equity(), updated_at: 'yesterday'}).ok).toBe(false)
  })

  it('a stop-limit order keeps both prices', () => {
    const r = decodeAlpacaOrder({...equity(), type: 'stop_limit', order_type: 'stop_limit', stop_price: '149.5'})
    expect(r.ok && r.value).toMatchObject({type: 'stop_limit', limitPrice: 150, stopPrice: 149.5})
  })
})

describe('Alpaca positions and account', () => {
  const long = () => read('schemas/Position__example_1.json')

  it('a short position is negative, whether Alpaca signs its qty or not', () => {
    for (const qty of ['-5', '5']) {
      const r = decodeAlpacaPosition({...long(), side: 'short', qty}, 1)
      expect(r.ok && r.value.qty).toBe(-5)
    }
  })

  it('a long position with a negative qty is contradictory', () => {
    const r = decodeAlpacaPositions([long(), {...long(), qty: '-5'}], 1)
    expect(!r.ok && r.error.reason).toBe('[1].qty: negative (-5) on a long position')
  })

  it('an account without equity fails; its time is the receive time', () => {
    const account = read('GETv2_account__200.json')
    const ok = decodeAlpacaAccount(account, 123)
    expect(ok.ok && ok.value.ts).toBe(123)
    const {equity: _equity, ...missing} = account
    const bad = decodeAlpacaAccount(missing, 123)
    expect(!bad.ok && bad.error.reason).toMatch(/^equity: /)
  })
})
