/**
 * Bybit websocket frames: malformed frames or items give a decode_error carrying the whole frame (never a throw,
 * never a default); the leg of an execution, fees and funding follow the documented rules. Built from the
 * recorded Bybit.Net transcripts.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../../core/events.js'
import {RateLimitError} from '../../broker/errors.js'
import type {BybitDecodeContext} from './decode-rest.js'
import {type BybitWsMessage, decodeBybitFrame} from './decode-ws.js'
import {mapBybitError} from './errors.js'

const PRIVATE = path.resolve(import.meta.dirname, '../../../fixtures/bybit/Bybit.Net/Bybit.UnitTests/Subscriptions/V5/Private')
/** The pushed frame of a Bybit.Net transcript (the text after the `=` line). */
const pushed = (file: string): any => {
  const text = readFileSync(path.join(PRIVATE, file), 'utf8')
  return JSON.parse(text.slice(text.indexOf('\n', text.indexOf('\n= ') + 1)))
}
const NOW = 1_800_000_000_000
const NETTING: BybitDecodeContext = {positionMode: 'netting'}
const HEDGE: BybitDecodeContext = {positionMode: 'hedge'}

function executionFrame(edit: (item: any) => void = () => {}): any {
  const frame = pushed('UserTrades.txt')
  edit(frame.data[0])
  return frame
}

function errorsOf(out: BybitWsMessage[], frame: unknown): Extract<BrokerEvent, {kind: 'decode_error'}>[] {
  const errors = out.filter((m): m is Extract<BrokerEvent, {kind: 'decode_error'}> => m.kind === 'decode_error')
  for (const e of errors) {
    expect(e.raw).toBe(frame)
    expect(e.ts).toBe(NOW)
  }
  return errors
}

function onlyError(frame: unknown, ctx = NETTING): string {
  const out = decodeBybitFrame(frame, NOW, ctx)
  expect(out).toHaveLength(1)
  const [e] = errorsOf(out, frame)
  expect(e).toBeDefined()
  return e.reason
}

describe('malformed private frames yield exactly one decode_error with the raw frame', () => {
  it('a missing field', () => {
    expect(onlyError(executionFrame((e) => delete e.execId))).toMatch(/^data\[0\]\.execId: .*expected string, received undefined/)
  })

  it('a wrong type', () => {
    expect(onlyError(executionFrame((e) => (e.isMaker = 'false')))).toMatch(/^data\[0\]\.isMaker: .*expected boolean, received string/)
  })

  it.each(['abc', 'NaN', '', '12.3.4'])('a non-numeric price string %j', (p) => {
    expect(onlyError(executionFrame((e) => (e.execPrice = p)))).toMatch(/^data\[0\]\.execPrice: expected a decimal number in a string/)
  })

  it('an unknown order status, an impossible positionIdx', () => {
    const order = pushed('Order.txt')
    order.data[0].orderStatus = 'Evaporated'
    expect(onlyError(order)).toMatch(/^data\[0\]\.orderStatus: /)
    const position = pushed('Position.txt')
    position.data[0].positionIdx = 3
    expect(onlyError(position)).toBe('data[0].positionIdx: expected positionIdx 0, 1 or 2 (got 3)')
  })

  it('a frame without creationTime, an unknown topic, something that is not a frame', () => {
    const frame = executionFrame()
    delete frame.creationTime
    expect(onlyError(frame)).toMatch(/^creationTime: /)
    expect(onlyError({topic: 'greeks', creationTime: 1, data: []})).toBe('topic: "greeks" is not decoded by this adapter')
    expect(onlyError({hello: 'world'})).toBe('(root): neither a topic frame, an ack nor a trade API reply')
    for (const junk of [null, 'pong', 7, [1, 2]]) onlyError(junk)
  })

  it('one bad item among good ones: the good item still decodes', () => {
    const frame = executionFrame()
    frame.data.push({...frame.data[0], execId: 'second', execQty: 'lots'})
    const out = decodeBybitFrame(frame, NOW, NETTING)
    expect(out.map((m) => m.kind)).toEqual(['execution', 'decode_error'])
    expect(errorsOf(out, frame)[0].reason).toBe('data[1].execQty: expected a decimal number in a string (got "lots")')
  })
})

describe('executions: leg, fee, funding', () => {
  const leg = (ctx: BybitDecodeContext, edit: (e: any) => void) => {
    const out = decodeBybitFrame(executionFrame(edit), NOW, ctx)
    return out[0].kind === 'execution' ? out[0].fill.positionSide : out[0]
  }

  it('hedge mode reads the leg from closedSize: a Sell that closes reduces the long leg, one that opens is short', () => {
    expect(leg(HEDGE, (e) => (e.closedSize = '25'))).toBe('long')
    expect(leg(HEDGE, (e) => (e.closedSize = '0'))).toBe('short')
    expect(leg(HEDGE, (e) => Object.assign(e, {side: 'Buy', closedSize: '25'}))).toBe('short')
    expect(leg(HEDGE, (e) => Object.assign(e, {side: 'Buy', closedSize: '0'}))).toBe('long')
  })

  it('the adapter knowing the order wins; without it and without closedSize, hedge mode is a failure', () => {
    expect(leg({positionMode: 'hedge', legOf: (id) => (id === 'f6e324ff-99c2-4e89-9739-3086e47f9381' ? 'short' : undefined)}, () => {})).toBe('short')
    expect(onlyError(executionFrame(), HEDGE)).toMatch(/^data\[0\]\.closedSize: empty: in hedge mode/)
    expect(leg(NETTING, () => {})).toBe('net')
  })

  it('a spot fee in the base coin is converted to the quote at the execution price', () => {
    const out = decodeBybitFrame(executionFrame((e) => Object.assign(e, {category: 'spot', feeCurrency: 'XRP', execFee: '0.025'})), NOW, NETTING)
    expect(out[0].kind === 'execution' && out[0].fill.fee).toBeCloseTo(0.025 * 0.3374, 12)
    expect(onlyError(executionFrame((e) => Object.assign(e, {feeCurrency: 'BTC'})))).toMatch(/^data\[0\]\.feeCurrency: BTC is neither/)
  })

  it('a funding settlement is not a fill', () => {
    const out = decodeBybitFrame(executionFrame((e) => (e.execType = 'Funding')), NOW, NETTING)
    expect(out).toEqual([{kind: 'funding', execId: '7e2ae69c-4edf-5800-a352-893d52b446aa', symbol: 'XRPUSDT', fee: 0.005061, ts: 1672364174443}])
  })
})

describe('positions, wallets, tickers, op replies', () => {
  it('a hedge leg whose side contradicts its positionIdx is a failure', () => {
    const frame = pushed('Position.txt')
    Object.assign(frame.data[0], {positionIdx: 1, side: 'Sell', size: '0.5', entryPrice: '28000'})
    expect(onlyError(frame)).toBe('data[0].side: Sell contradicts positionIdx 1')
  })

  it('a wallet with empty totals (classic account) or without the unified wallet is a failure', () => {
    const empty = pushed('Balance.txt')
    empty.data[0].totalEquity = ''
    expect(onlyError(empty)).toMatch(/^data\[0\]\.totalEquity: empty: account totals are needed/)
    const other = pushed('Balance.txt')
    other.data[0].accountType = 'CONTRACT'
    expect(onlyError(other)).toBe('data: no UNIFIED wallet in the list (found CONTRACT)')
  })

  it('a ticker with a non-numeric price is a failure', () => {
    const frame = {topic: 'tickers.BTCUSDT', type: 'snapshot', ts: 1, data: {symbol: 'BTCUSDT', lastPrice: 'NaN'}}
    expect(onlyError(frame)).toBe('data.lastPrice: expected a decimal number in a string, or "" (got "NaN")')
  })

  it('a trade API refusal is a control message; its rate-limit header gives the reset time', () => {
    const reply = {reqId: 'r1', retCode: 10006, retMsg: 'Too many visits!', op: 'order.create', data: {}, header: {'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit-Reset-Timestamp': '1711001596000'}, connId: 'c'}
    const [m] = decodeBybitFrame(reply, NOW, NETTING)
    expect(m).toMatchObject({kind: 'control', type: 'op_reply', retCode: 10006, rateLimit: {limit: 10, remaining: 0, resetAt: 1711001596000}})
    expect(m).not.toHaveProperty('ack')
    const err = mapBybitError(reply)
    expect(err).toBeInstanceOf(RateLimitError)
    expect((err as RateLimitError).resetAt).toBe(1711001596000)
  })
})
