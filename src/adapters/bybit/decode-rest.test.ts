import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {InsufficientFundsError} from '../../broker/errors.js'
import {bybitInstrument, decodeBybitEnvelope, decodeBybitInstruments, decodeBybitOrderAck, decodeBybitResponse, decodeBybitWallet} from './decode-rest.js'

const ENDPOINTS = path.resolve(import.meta.dirname, '../../../fixtures/bybit/Bybit.Net/Bybit.UnitTests/Endpoints/V5Api')
const body = (file: string) => {
  const text = readFileSync(path.join(ENDPOINTS, file), 'utf8')
  return JSON.parse(text.slice(text.indexOf('{')))
}

describe('the Bybit envelope', () => {
  it('accepts retCode and time as numbers or as strings (recorders stringify them)', () => {
    const recorded = body('Trading/PlaceOrder.txt')
    const stringified = {...recorded, retCode: '0', time: String(recorded.time)}
    for (const raw of [recorded, stringified]) {
      const r = decodeBybitResponse(raw, 'test', (result) => decodeBybitOrderAck(result))
      expect(r.ok && r.value).toEqual({orderId: '1321003749386327552', orderLinkId: 'spot-test-postonly'})
      expect(r.ok && r.time).toBe(1672211918471)
    }
  })

  it('a non-zero retCode is a venue refusal mapped to the taxonomy, not a decode failure', () => {
    const r = decodeBybitResponse({retCode: 110007, retMsg: 'ab not enough for new order', result: {}, retExtInfo: {}, time: 1668838414793}, 'test', (x) => decodeBybitOrderAck(x))
    expect('rejected' in r && r.rejected).toBeInstanceOf(InsufficientFundsError)
  })

  it('a malformed envelope or result is a decode failure keeping the whole body', () => {
    const bad = {retCode: 'zero', retMsg: 'OK'}
    const env = decodeBybitEnvelope(bad)
    expect(!env.ok && env.error.reason).toBe('retCode: expected an integer (got "zero")')
    const noId = {retCode: 0, retMsg: 'OK', result: {orderLinkId: 'x'}, time: 1}
    const r = decodeBybitResponse(noId, 'test', (x) => decodeBybitOrderAck(x))
    expect(!r.ok && 'error' in r && r.error).toMatchObject({reason: 'orderId: Invalid input: expected string, received undefined', raw: noId})
  })
})

describe('wallet and instruments', () => {
  it('the wallet: settle coin realised PnL, or 0 when the wallet holds no such coin', () => {
    const {result, time} = body('Account/GetBalances.txt')
    const noUsdt = decodeBybitWallet(result, time)
    expect(noUsdt.ok && noUsdt.value.realizedPnl).toBe(0)
    const btc = decodeBybitWallet(result, time, {settleCoin: 'BTC'})
    expect(btc.ok && btc.value.realizedPnl).toBe(0)
    result.list[0].coin[0].cumRealisedPnl = '-0.5'
    const btc2 = decodeBybitWallet(result, time, {settleCoin: 'BTC'})
    expect(btc2.ok && btc2.value.realizedPnl).toBe(-0.5)
  })

  it('instrument leverage must sit inside the leverage filter; option and inverse instruments are refused', () => {
    const page = decodeBybitInstruments(body('ExchangeData/GetLinearInverseSymbols.txt').result)
    if (!page.ok) throw new Error(page.error.reason)
    const info = page.value.items[0]
    expect(bybitInstrument(info, {leverage: 100, maintenanceMarginRate: 0.005}).ok).toBe(true)
    const tooHigh = bybitInstrument(info, {leverage: 101, maintenanceMarginRate: 0.005})
    expect(!tooHigh.ok && tooHigh.error.reason).toBe('leverageFilter: leverage 101 is outside 1..100')
    const inverse = bybitInstrument({...info, category: 'inverse', contractType: 'InversePerpetual'}, {leverage: 10, maintenanceMarginRate: 0.005})
    expect(!inverse.ok && inverse.error.reason).toMatch(/^contractType: inverse InversePerpetual instruments are not supported/)
  })
})
