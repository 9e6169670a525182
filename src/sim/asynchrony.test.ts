/**
 * Asynchrony: requests travel (request latency), are handled against the venue's state on arrival, and their
 * answers travel back (response latency); events travel on per-kind FIFO channels with their own latency.
 */
import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../core/events.js'
import {AccountView} from '../engine/account-view.js'
import {MINUTE, Sim, T0} from '../../test/sim/sim-harness.js'

describe('latency', () => {
  it('with fixedMs 100 the acknowledgement arrives 200 ms after submission (request + order-event latency), just before the receipt', async () => {
    const s = new Sim({config: {latency: {fixedMs: 100, jitterMs: 0}}})
    const seq: string[] = []
    s.ex.subscribe((e) => e.kind === 'order' && seq.push(`${e.order.status}@${s.now() - T0}`))
    const req = s.order({side: 'buy', type: 'market', qty: 1})
    const receipt = s.track(s.ex.submitOrder(req).then((r) => (seq.push(`receipt@${s.now() - T0}`), r)))
    await s.run(199)
    expect(s.log).toHaveLength(0)
    expect(receipt.result()).toBeUndefined()
    await s.run(1)
    const ack = s.events('order')[0]
    // Venue time of the ack: the arrival (100); delivered at 200.
    expect(ack).toMatchObject({ts: T0 + 100, order: {status: 'accepted', clientOrderId: req.clientOrderId, createdAt: T0 + 100}})
    expect(s.log[0].at).toBe(T0 + 200)
    expect(receipt.result()).toMatchObject({ok: true, at: T0 + 200, value: {ts: T0 + 100}})
    expect(seq).toEqual(['accepted@200', 'receipt@200'])

    // Fills: matched when the bar ends, reported 100 ms later.
    await s.barAt(T0, 101, 101, 101, 101)
    await s.run(200)
    const exec = s.log.find((d) => d.event.kind === 'execution')!
    expect(exec.event.ts).toBe(T0 + MINUTE)
    expect(exec.at).toBe(T0 + MINUTE + 100)
  })

  it('events of one channel never overtake each other under jitter, while channels interleave freely', async () => {
    // Request and response latency stay 0, so the venue does exactly the same in both runs.
    const jitter = {fixedMs: 5, jitterMs: 400}
    const script = async (config: object): Promise<Sim> => {
      const s = new Sim({config})
      for (let i = 0; i < 20; i++) await s.submit({side: 'buy', type: 'market', qty: 1 + i})
      await s.bar(100, 100, 100, 100)
      await s.run(10_000)
      return s
    }
    const plain = await script({seed: 5})
    const jittered = await script({seed: 5, latencyByKind: {order: jitter, execution: jitter, position: jitter, account: jitter}})
    const label = (e: BrokerEvent): string => `${e.kind}:${JSON.stringify(e)}`
    for (const kind of ['order', 'execution', 'position', 'account'] as const) {
      const emitted = plain.log.filter((d) => d.event.kind === kind)
      const delivered = jittered.log.filter((d) => d.event.kind === kind)
      expect(delivered.map((d) => label(d.event))).toEqual(emitted.map((d) => label(d.event)))
      for (let i = 1; i < delivered.length; i++) expect(delivered[i].at).toBeGreaterThanOrEqual(delivered[i - 1].at)
      // Every event waited at least the fixed part, and the jitter really varied the delays (events behind a slow
      // one wait for it, so same-instant events share the running maximum).
      for (const d of delivered) expect(d.at - d.event.ts).toBeGreaterThanOrEqual(5)
      expect(new Set(delivered.map((d) => d.at - d.event.ts)).size).toBeGreaterThan(1)
    }
    expect(jittered.log.map((d) => label(d.event))).not.toEqual(plain.log.map((d) => label(d.event)))
    expect(jittered.log).toHaveLength(plain.log.length)
  })

  it('a query answers with the state at its arrival, so an execution can arrive before an answer that predates it', async () => {
    const s = new Sim({
      tfMs: 1_000,
      config: {latencyByKind: {request: {fixedMs: 50, jitterMs: 0}, response: {fixedMs: 100, jitterMs: 0}, execution: {fixedMs: 10, jitterMs: 0}, order: {fixedMs: 10, jitterMs: 0}}},
    })
    const view = new AccountView(100_000)
    const seq: string[] = []
    s.ex.subscribe((e) => {
      view.apply(e, s.now())
      if (e.kind === 'execution') seq.push(`execution ${e.fill.qty}@${e.fill.price} at ${s.now() - T0}`)
      if (e.kind === 'order') seq.push(`order ${e.order.status} at ${s.now() - T0}`)
    })
    const req = s.order({side: 'buy', type: 'market', qty: 1})
    view.orders.track(req, s.now())
    view.orders.markSubmitted(req.clientOrderId, s.now())
    const receipt = await s.ok(s.ex.submitOrder(req)) // arrives at 50, answered at 150
    expect(receipt.ts).toBe(T0 + 50)
    await s.run(900 - (s.now() - T0))
    const query = s.ex.getOrder({clientOrderId: req.clientOrderId}).then((o) => {
      seq.push(`answer ${o?.status} filled ${o?.filledQty} at ${s.now() - T0}`)
      return o
    })
    // The query reaches the venue at 950; the bar ending at 1000 fills the order; the answer leaves at 1050.
    await s.barAt(T0, 101, 101, 101, 101)
    await s.run(200)
    const answer = await query
    expect(seq).toEqual([
      'order accepted at 60',
      'execution 1@101 at 1010',
      'order filled at 1010',
      'answer accepted filled 0 at 1050',
    ])
    expect(answer).toMatchObject({status: 'accepted', filledQty: 0, updatedAt: T0 + 50})
    // The engine must not let the older answer undo the fill it already saw.
    view.orders.applySnapshot(answer!, s.now())
    expect(view.orders.get(req.clientOrderId)).toMatchObject({status: 'filled', filledQty: 1})
    expect(view.orders.violations).toEqual([])
  })
})
