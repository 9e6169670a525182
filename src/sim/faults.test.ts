/** Fault injection on events (drop, duplicate, delay, reorder) and requests (fail, rate limit, timeout), seeded. */
import {describe, expect, it} from 'vitest'
import {isRetryable, RateLimitError, RequestTimeoutError, VenueUnavailableError} from '../broker/errors.js'
import {AccountView} from '../engine/account-view.js'
import {Journal} from '../engine/journal.js'
import {OrderGateway} from '../engine/order-gateway.js'
import {Sim, T0} from '../../test/sim/sim-harness.js'
import type {OrderRequest} from '../core/order.js'
import type {SimConfigInput} from './config.js'

/** Tracks an order as the OrderGateway does before sending it. */
function track(view: AccountView, req: OrderRequest, t: number): void {
  view.orders.track(req, t)
  view.orders.markSubmitted(req.clientOrderId, t)
}

/** A Sim whose events also feed an AccountView, as the engine's subscriber does. */
function withView(config: SimConfigInput, tfMs?: number): {s: Sim; view: AccountView} {
  const s = new Sim({config, tfMs})
  const view = new AccountView(100_000)
  s.ex.subscribe((e) => view.apply(e, s.now()))
  return {s, view}
}

describe('event faults', () => {
  it('drop: the nth execution never arrives; the venue still has it and executionsSince recovers it once', async () => {
    const {s, view} = withView({faults: [{target: 'event', kinds: ['execution'], nth: [1], action: 'drop'}]})
    const a = s.order({side: 'buy', type: 'market', qty: 10})
    const b = s.order({side: 'buy', type: 'market', qty: 5})
    track(view, a, s.now())
    track(view, b, s.now())
    await s.ok(s.ex.submitOrder(a))
    await s.ok(s.ex.submitOrder(b))
    await s.bar(100, 100, 100, 100)
    expect(s.fills(a.clientOrderId)).toHaveLength(0)
    expect(s.fillsOf(b.clientOrderId)).toEqual([[5, 100]])
    expect(s.statuses(a.clientOrderId)).toEqual(['accepted', 'filled'])
    // What the engine saw: the order reports say filled and one execution (10) never came, but the venue's position
    // report after the fills counts it, so the view's position is the venue's.
    expect(view.orders.get(a.clientOrderId)).toMatchObject({status: 'filled', filledQty: 10})
    expect(s.ex.ledger.positions.qty('XYZ')).toBe(15)
    expect(view.position('XYZ')).toBe(15)
    const polled = await s.ok(s.ex.executionsSince(T0))
    expect(polled.map((f) => [f.clientOrderId, f.qty])).toEqual([
      [a.clientOrderId, 10],
      [b.clientOrderId, 5],
    ])
    // The polled executions are the report's already: applied to their orders once, not to the position again.
    for (const f of polled) view.apply({kind: 'execution', ts: f.ts, fill: f}, s.now())
    expect(view.position('XYZ')).toBe(15)
    expect(view.duplicateFills).toBe(1) // b's fill, already seen on the stream
  })

  it('duplicate: a repeated order report and a repeated execution are applied once', async () => {
    const {s, view} = withView({
      faults: [
        {target: 'event', kinds: ['order'], nth: [2], action: 'duplicate'},
        {target: 'event', kinds: ['execution'], nth: [1], action: 'duplicate'},
      ],
    })
    const req = s.order({side: 'buy', type: 'market', qty: 10})
    track(view, req, s.now())
    await s.ok(s.ex.submitOrder(req))
    await s.bar(100, 100, 100, 100)
    expect(s.statuses(req.clientOrderId)).toEqual(['accepted', 'filled', 'filled'])
    const execs = s.fills(req.clientOrderId)
    expect(execs).toHaveLength(2)
    expect(execs[0].execId).toBe(execs[1].execId)
    expect(view.duplicateFills).toBe(1)
    expect(view.position('XYZ')).toBe(10)
    expect(view.orders.get(req.clientOrderId)).toMatchObject({status: 'filled', filledQty: 10})
    expect(view.orders.violations).toEqual([])
    expect(s.ex.ledger.positions.qty('XYZ')).toBe(10)
  })

  it('delay: a delayed order report holds back its channel, and only its channel', async () => {
    const {s} = withView({faults: [{target: 'event', kinds: ['order'], nth: [1], action: 'delay', delayMs: 500}]}, 100)
    await s.submit({side: 'buy', type: 'market', qty: 1})
    await s.barAt(T0, 100, 100, 100, 100) // ends at T0 + 100: the fill happens then
    await s.run(1_000)
    expect(s.log.filter((d) => d.event.kind !== 'account' && d.event.kind !== 'position').map((d) => `${d.event.kind}:${d.event.kind === 'order' ? d.event.order.status : ''}@${d.at - T0}`)).toEqual([
      'execution:@100',
      'order:accepted@500',
      'order:filled@500',
    ])
  })

  it('reorder: the ack arrives after the fill report, and the tracker keeps the order filled', async () => {
    const {s, view} = withView({faults: [{target: 'event', kinds: ['order'], nth: [1], action: 'reorder'}]})
    const req = s.order({side: 'buy', type: 'market', qty: 1})
    track(view, req, s.now())
    await s.ok(s.ex.submitOrder(req))
    expect(s.statuses(req.clientOrderId)).toEqual([])
    await s.bar(100, 100, 100, 100)
    expect(s.statuses(req.clientOrderId)).toEqual(['filled', 'accepted'])
    expect(view.orders.get(req.clientOrderId)?.status).toBe('filled')
    expect(view.orders.violations).toEqual([])
  })

  it('a reordered event with nothing behind it is released by flushHeld', async () => {
    const {s} = withView({faults: [{target: 'event', kinds: ['order'], nth: [1], action: 'reorder'}]})
    const id = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 50})
    await s.run(10_000)
    expect(s.statuses(id)).toEqual([])
    s.ex.flushHeld()
    await s.run(0)
    // A millisecond after the flush (after the strategies stopped, in a run).
    expect(s.statuses(id)).toEqual([])
    await s.run(1)
    expect(s.statuses(id)).toEqual(['accepted'])
  })
})

describe('request faults', () => {
  it('fail: VenueUnavailableError, retryable, and nothing happened on the venue', async () => {
    const {s} = withView({faults: [{target: 'request', kinds: ['submit'], nth: [1], action: 'fail'}]})
    const req = s.order({side: 'buy', type: 'limit', qty: 10, limitPrice: 90})
    const err = await s.fails(s.ex.submitOrder(req))
    expect(err).toBeInstanceOf(VenueUnavailableError)
    expect(isRetryable(err)).toBe(true)
    expect(await s.ok(s.ex.getOrder({clientOrderId: req.clientOrderId}))).toBeUndefined()
    expect(await s.ok(s.ex.openOrders())).toEqual([])
    expect((await s.ok(s.ex.account())).buyingPower).toBe(100_000)
    expect(s.log).toHaveLength(0)
    // The retry with the same client order id is the first order the venue ever saw.
    const receipt = await s.ok(s.ex.submitOrder(req))
    expect(receipt.venueOrderId).toBe('S1')
  })

  it('rate_limit: RateLimitError with the reset time, nothing created', async () => {
    const {s} = withView({
      latency: {fixedMs: 30, jitterMs: 0},
      faults: [{target: 'request', kinds: ['submit'], nth: [1], action: 'rate_limit', resetMs: 1_000}],
    })
    const req = s.order({side: 'buy', type: 'limit', qty: 10, limitPrice: 90})
    const err = await s.fails(s.ex.submitOrder(req))
    expect(err).toBeInstanceOf(RateLimitError)
    expect(isRetryable(err)).toBe(true)
    expect((err as RateLimitError).resetAt).toBe(T0 + 30 + 1_000) // arrival + resetMs
    expect((err as RateLimitError).code).toBe('429')
    expect(await s.ok(s.ex.getOrder({clientOrderId: req.clientOrderId}))).toBeUndefined()
  })

  it('timeout: RequestTimeoutError, yet the order exists on the venue', async () => {
    const {s} = withView({faults: [{target: 'request', kinds: ['submit'], nth: [1], action: 'timeout'}]})
    const req = s.order({side: 'buy', type: 'limit', qty: 10, limitPrice: 90})
    const err = await s.fails(s.ex.submitOrder(req))
    expect(err).toBeInstanceOf(RequestTimeoutError)
    expect(isRetryable(err)).toBe(true)
    expect(await s.ok(s.ex.getOrder({clientOrderId: req.clientOrderId}))).toMatchObject({status: 'accepted', venueOrderId: 'S1'})
    expect(s.statuses(req.clientOrderId)).toEqual(['accepted'])
  })

  it('timeout: the OrderGateway resolves it by querying the client order id, and never sends a second order', async () => {
    const {s, view} = withView({
      latency: {fixedMs: 20, jitterMs: 0},
      faults: [{target: 'request', kinds: ['submit'], nth: [1], action: 'timeout'}],
    })
    const journal = new Journal({keep: true})
    const gateway = new OrderGateway(s.ex, view, s.loop.clock, journal)
    const req = s.order({side: 'buy', type: 'limit', qty: 10, limitPrice: 90})
    const out = await s.ok(gateway.submit(req))
    expect(out).toEqual({ok: true, receipt: {clientOrderId: req.clientOrderId, venueOrderId: 'S1', ts: T0 + 20}})
    expect(view.orders.get(req.clientOrderId)).toMatchObject({status: 'accepted', venueOrderId: 'S1'})
    expect((await s.ok(s.ex.openOrders())).map((o) => o.venueOrderId)).toEqual(['S1'])
    expect(journal.records.map((r) => r.type)).toEqual(['intent'])
    expect(gateway.rejections.size).toBe(0)
  })
})

describe('seeded faults', () => {
  async function scenario(seed: number): Promise<string[]> {
    const s = new Sim({
      config: {
        seed,
        faults: [
          {target: 'request', kinds: ['submit'], probability: 0.3, action: 'fail'},
          {target: 'event', kinds: ['order', 'execution'], probability: 0.4, action: 'drop'},
        ],
      },
    })
    const out: string[] = []
    for (let i = 0; i < 20; i++) {
      const r = await s.settle(s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 1})))
      out.push(r.ok ? `ok ${r.value.venueOrderId}` : `failed`)
    }
    await s.bar(100, 100, 100, 100)
    for (const d of s.log) out.push(`${d.at} ${JSON.stringify(d.event)}`)
    return out
  }

  it('the same seed and rules give the same faults; another seed gives others', async () => {
    const a = await scenario(11)
    const b = await scenario(11)
    const c = await scenario(12)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    const submits = a.slice(0, 20)
    expect(submits.filter((x) => x === 'failed').length).toBeGreaterThan(0)
    expect(submits.filter((x) => x !== 'failed').length).toBeGreaterThan(0)
    expect(c.slice(0, 20)).not.toEqual(submits)
  })
})
