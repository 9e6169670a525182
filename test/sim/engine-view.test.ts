/**
 * The engine's view of a simulated venue in two cases that once went wrong: an amend confirmed by the venue,
 * and a submission whose answer was lost while the follow-up query failed too.
 */
import {describe, expect, it} from 'vitest'
import {AccountView} from '../../src/engine/account-view.js'
import {Journal} from '../../src/engine/journal.js'
import {OrderGateway} from '../../src/engine/order-gateway.js'
import {Sim} from './sim-harness.js'

describe('engine view of a simulated venue', () => {
  /*
   * src/broker/order-tracker.ts: TrackedOrder.request is the request as sent and is never updated from the
   * venue's order reports, so an amend of the quantity is invisible to the engine. After amending 100 → 150,
   * the 150 fill is recorded as a 'fill_exceeds_qty' violation, filledQty is clamped to 100, and the order is
   * retired as filled while the venue still had it open (with a smaller amend it stays 'partially_filled' in
   * the tracker until the venue's report says 'filled'). Fix: applySnapshot should adopt the reported qty /
   * limitPrice / stopPrice of a live order (an amend confirmed by the venue), before checking fill limits.
   */
  it('an amended quantity is adopted from the venue report, so the larger fill is no violation', async () => {
    const s = new Sim()
    const view = new AccountView(100_000)
    s.ex.subscribe((e) => view.apply(e, s.now()))
    const req = s.order({side: 'buy', type: 'limit', qty: 100, limitPrice: 100})
    view.orders.track(req, s.now())
    view.orders.markSubmitted(req.clientOrderId, s.now())
    await s.ok(s.ex.submitOrder(req))
    await s.ok(s.ex.amendOrder({clientOrderId: req.clientOrderId}, {qty: 150}))
    await s.bar(100, 100, 100, 100)
    expect(s.fillsOf(req.clientOrderId)).toEqual([[150, 100]])
    expect(view.position('XYZ')).toBe(150)
    expect(view.orders.violations).toEqual([])
    expect(view.orders.get(req.clientOrderId)).toMatchObject({status: 'filled', filledQty: 150})
  })

  /*
   * src/engine/order-gateway.ts, resolveUnknown: `getOrder(...).catch(() => undefined)` treats a query that
   * FAILED (a retryable error) like a query that found nothing, and answers 'unknown_outcome' with "the venue
   * does not know it; safe to resend" although the order is live on the venue. Fix: retry the query on a
   * retryable error (within a budget), and only say "not known" on an actual `undefined` answer.
   */
  it('a submit that timed out is resolved even when the first query fails', async () => {
    const s = new Sim({
      config: {
        faults: [
          {target: 'request', kinds: ['submit'], nth: [1], action: 'timeout'},
          {target: 'request', kinds: ['getOrder'], nth: [1], action: 'fail'},
        ],
      },
    })
    const view = new AccountView(100_000)
    s.ex.subscribe((e) => view.apply(e, s.now()))
    const gateway = new OrderGateway(s.ex, view, s.loop.clock, new Journal())
    const req = s.order({side: 'buy', type: 'limit', qty: 10, limitPrice: 90})
    const out = await s.ok(gateway.submit(req))
    // The venue has the order all along.
    expect((await s.ok(s.ex.openOrders())).map((o) => o.clientOrderId)).toEqual([req.clientOrderId])
    expect(out).toMatchObject({ok: true, receipt: {venueOrderId: 'S1'}})
  })
})
