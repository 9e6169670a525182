/** Event-stream outages ('disconnect' fault windows) and the venue's own request budget, on any venue profile. */
import {describe, expect, it} from 'vitest'
import {RateLimitError} from '../broker/errors.js'
import {MINUTE, Sim, T0} from '../../test/sim/sim-harness.js'
import {SimConfigSchema} from './config.js'

describe('event-stream outage', () => {
  it('reports disconnected / connected at the window edges and loses the events due in between', async () => {
    const s = new Sim({config: {latency: {fixedMs: 100, jitterMs: 0}, faults: [{target: 'event', action: 'disconnect', from: T0 + 150, to: T0 + 5_000}]}})
    // Acknowledged at the venue at T0+100, due at T0+200: inside the outage, so lost.
    const id = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 90})
    await s.run(10_000)
    const conn = s.events('connection').map((e) => [e.status, e.ts - T0])
    expect(conn).toEqual([['disconnected', 150], ['connected', 5_000]])
    expect(s.statuses(id)).toEqual([])
    expect(s.ex.eventsLostToOutage).toBe(1)
    // REST keeps answering during and after the outage: the order is there.
    expect((await s.ok(s.ex.openOrders())).map((o) => o.clientOrderId)).toEqual([id])
    // After the window, events flow again.
    const id2 = await s.submit({side: 'buy', type: 'limit', qty: 1, limitPrice: 91})
    await s.run(1_000)
    expect(s.statuses(id2)).toEqual(['accepted'])
    expect(s.ex.streamDownAt(T0 + 4_999)).toBe(true)
    expect(s.ex.streamDownAt(T0 + 5_000)).toBe(false)
  })

  it('several windows give several disconnects; fills during an outage are only seen through REST', async () => {
    const faults = [0, 1, 2].map((k) => ({target: 'event' as const, action: 'disconnect' as const, from: T0 + k * 10 * MINUTE + 30_000, to: T0 + k * 10 * MINUTE + 90_000}))
    const s = new Sim({config: {faults}})
    const id = await s.submit({side: 'buy', type: 'market', qty: 2})
    await s.barAt(T0, 100, 100, 100, 100) // fills at T0+60s, inside the first outage
    await s.run(30 * MINUTE)
    expect(s.events('connection').map((e) => e.status)).toEqual(['disconnected', 'connected', 'disconnected', 'connected', 'disconnected', 'connected'])
    expect(s.fills(id)).toEqual([])
    expect((await s.ok(s.ex.executionsSince(T0))).map((f) => f.clientOrderId)).toEqual([id])
  })

  it('a disconnect rule needs a window', () => {
    const r = SimConfigSchema.safeParse({faults: [{target: 'event', action: 'disconnect', from: 5}]})
    expect(r.success).toBe(false)
    expect(SimConfigSchema.safeParse({faults: [{target: 'request', action: 'disconnect', from: 1, to: 2}]}).success).toBe(false)
  })
})

describe('venue request budget', () => {
  it('refuses requests over the budget of the current window with a rate-limit error and its reset time', async () => {
    const s = new Sim({config: {rateLimit: {requests: 3, windowMs: 1_000}}})
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => s.settle(s.ex.openOrders())))
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false])
    const err = (results[3] as {error: unknown}).error
    expect(err).toBeInstanceOf(RateLimitError)
    expect((err as RateLimitError).resetAt).toBe(T0 + 1_000)
    expect((err as RateLimitError).code).toBe('10006')
    await s.run(1_000)
    expect((await s.settle(s.ex.openOrders())).ok).toBe(true)
  })

  it('each simulated account has its own budget', async () => {
    const a = new Sim({config: {rateLimit: {requests: 1, windowMs: 1_000}}})
    const b = new Sim({config: {rateLimit: {requests: 1, windowMs: 1_000}}})
    expect((await a.settle(a.ex.positions())).ok).toBe(true)
    expect((await a.settle(a.ex.positions())).ok).toBe(false)
    expect((await b.settle(b.ex.positions())).ok).toBe(true)
  })
})
