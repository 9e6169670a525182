/**
 * trade_updates frames: malformed frames give exactly one decode_error carrying the frame (never a throw, never a
 * default); well-formed frames give order / execution events. Built from the recorded DOGE/USD fill frame.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../../core/events.js'
import {decodeAlpacaStreamFrame} from './decode-stream.js'

const RECORDED = path.resolve(import.meta.dirname, '../../../fixtures/alpaca/ccxt/ts/src/test/static/ws/alpaca.watchMyTrades.messages.json')
const messages = JSON.parse(readFileSync(RECORDED, 'utf8')).messages
const NOW = 1_800_000_000_000

/** A deep copy of the recorded fill frame, changed by `edit`. */
function fillFrame(edit: (data: any) => void = () => {}): any {
  const frame = structuredClone(messages[4])
  edit(frame.data)
  return frame
}

function onlyError(out: unknown[], frame: unknown): Extract<BrokerEvent, {kind: 'decode_error'}> {
  expect(out).toHaveLength(1)
  const e = out[0] as BrokerEvent
  expect(e.kind).toBe('decode_error')
  if (e.kind !== 'decode_error') throw new Error('unreachable')
  expect(e.raw).toBe(frame)
  expect(e.ts).toBe(NOW)
  expect(e.channel).toBe('alpaca:trade_updates')
  return e
}

describe('malformed trade_updates frames yield exactly one decode_error with the raw frame', () => {
  it('a missing field', () => {
    const frame = fillFrame((d) => delete d.order.id)
    expect(onlyError(decodeAlpacaStreamFrame(frame, NOW), frame).reason).toMatch(/^data\.order\.id: .*expected string, received undefined/)
  })

  it('a wrong type (qty as a JSON number)', () => {
    const frame = fillFrame((d) => (d.qty = 129.7))
    expect(onlyError(decodeAlpacaStreamFrame(frame, NOW), frame).reason).toMatch(/^data\.qty: .*expected string, received number/)
  })

  it.each(['abc', 'NaN', '', '1e999'])('a non-numeric price string %j (not NaN, not a default)', (price) => {
    const frame = fillFrame((d) => (d.price = price))
    expect(onlyError(decodeAlpacaStreamFrame(frame, NOW), frame).reason).toMatch(/^data\.price: /)
  })

  it('a non-numeric quantity inside the order', () => {
    const frame = fillFrame((d) => (d.order.filled_qty = '129,7'))
    expect(onlyError(decodeAlpacaStreamFrame(frame, NOW), frame).reason).toBe('data.order.filled_qty: expected a decimal number in a string (got "129,7")')
  })

  it('a fill without its price', () => {
    const frame = fillFrame((d) => delete d.price)
    expect(onlyError(decodeAlpacaStreamFrame(frame, NOW), frame).reason).toBe('data.price: required on a fill event')
    const nullPrice = fillFrame((d) => (d.price = null))
    expect(onlyError(decodeAlpacaStreamFrame(nullPrice, NOW), nullPrice).reason).toBe('data.price: required on a fill event')
  })

  it('price / qty / position_qty null on an event that is not a fill: an order event, no execution', () => {
    const frame = fillFrame((d) => {
      d.event = 'canceled'
      d.price = null
      d.qty = null
      d.position_qty = null
    })
    const out = decodeAlpacaStreamFrame(frame, NOW)
    expect(out.map((m) => m.kind)).toEqual(['order'])
  })

  it('an unknown event, an unknown stream, a bad timestamp', () => {
    const unknownEvent = fillFrame((d) => (d.event = 'teleported'))
    expect(onlyError(decodeAlpacaStreamFrame(unknownEvent, NOW), unknownEvent).reason).toMatch(/^data\.event: /)
    const unknownStream = {stream: 'account_updates', data: {}}
    expect(onlyError(decodeAlpacaStreamFrame(unknownStream, NOW), unknownStream).reason).toMatch(/^stream: /)
    const badTime = fillFrame((d) => (d.timestamp = '18/09/2026 13:24'))
    expect(onlyError(decodeAlpacaStreamFrame(badTime, NOW), badTime).reason).toMatch(/^data\.timestamp: expected an RFC 3339 timestamp/)
  })

  it.each([null, 'text', 42, [], {}])('a frame that is not an object frame: %j', (frame) => {
    onlyError(decodeAlpacaStreamFrame(frame, NOW), frame)
  })
})

describe('well-formed frames', () => {
  it('a partial fill without execution_id gets a stable id from the order id and cumulative quantity', () => {
    const partial = (cum: string) =>
      fillFrame((d) => {
        d.event = 'partial_fill'
        delete d.execution_id
        d.order.status = 'partially_filled'
        d.order.filled_qty = cum
        d.qty = '10'
      })
    const id = (frame: unknown) => {
      const [e] = decodeAlpacaStreamFrame(frame, NOW)
      if (e.kind !== 'execution') throw new Error(`expected an execution, got ${e.kind}`)
      return e.fill.execId
    }
    expect(id(partial('10'))).toBe('b28e2b24-b1b2-40cc-8979-63f45e8edc02:10')
    expect(id(partial('10'))).toBe(id(partial('10'))) // a redelivered frame dedupes
    expect(id(partial('20'))).not.toBe(id(partial('10')))
  })

  it('the order snapshot follows the status table (canceled, replaced, pending_replace)', () => {
    const status = (event: string, orderStatus: string, extra: Record<string, unknown> = {}) => {
      const frame = fillFrame((d) => {
        d.event = event
        Object.assign(d.order, {status: orderStatus, filled_qty: '0', filled_avg_price: null}, extra)
      })
      const out = decodeAlpacaStreamFrame(frame, NOW)
      expect(out.map((m) => m.kind)).toEqual(['order'])
      return out[0].kind === 'order' ? out[0].order : undefined
    }
    expect(status('canceled', 'canceled')?.status).toBe('canceled')
    expect(status('replaced', 'replaced', {replaced_by: 'new-id'})).toMatchObject({status: 'canceled', reason: 'replaced by new-id'})
    expect(status('pending_replace', 'pending_replace')?.status).toBe('pending_update')
    expect(status('done_for_day', 'done_for_day')?.status).toBe('accepted')
  })

  it('an event without timestamp takes `at`, then the order update time', () => {
    const tsOf = (frame: unknown) => {
      const [m] = decodeAlpacaStreamFrame(frame, NOW)
      return 'ts' in m ? m.ts : undefined
    }
    const noTimestamp = fillFrame((d) => delete d.timestamp)
    expect(tsOf(noTimestamp)).toBe(Date.parse('2026-09-18T13:24:50.034Z'))
    const neither = fillFrame((d) => {
      delete d.timestamp
      delete d.at
      d.order.updated_at = '2026-09-18T13:25:00.5Z'
    })
    expect(tsOf(neither)).toBe(Date.parse('2026-09-18T13:25:00.500Z'))
  })

  it('a refused authentication is a control message, not an error event', () => {
    const frame = {stream: 'authorization', data: {action: 'authenticate', status: 'unauthorized'}}
    expect(decodeAlpacaStreamFrame(frame, NOW)).toEqual([{kind: 'control', type: 'authorization', authorized: false, action: 'authenticate'}])
  })
})
