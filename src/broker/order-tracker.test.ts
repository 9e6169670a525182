import {describe, expect, it} from 'vitest'
import type {Fill} from '../core/fill.js'
import type {OrderRequest, OrderSnapshot, OrderStatus} from '../core/order.js'
import {OrderTracker} from './order-tracker.js'

function req(id: string, qty = 10, symbol = 'AAPL'): OrderRequest {
  return {clientOrderId: id, symbol, side: 'buy', type: 'limit', qty, limitPrice: 100, tif: 'gtc'}
}

function snap(r: OrderRequest, status: OrderStatus, filledQty: number, avgFillPrice = filledQty > 0 ? 100 : 0, venueOrderId = `v-${r.clientOrderId}`): OrderSnapshot {
  return {...r, venueOrderId, status, filledQty, avgFillPrice, createdAt: 0, updatedAt: 0}
}

function fill(r: OrderRequest, execId: string, qty: number, price = 100, venueOrderId = `v-${r.clientOrderId}`): Fill {
  return {execId, clientOrderId: r.clientOrderId, venueOrderId, symbol: r.symbol, side: r.side, positionSide: 'net', qty, price,
    fee: 0, liquidity: 'maker', ts: 0}
}

/** An order tracked, sent and acknowledged. */
function working(t: OrderTracker, r: OrderRequest): void {
  t.track(r, 0)
  t.markSubmitted(r.clientOrderId, 1)
  t.markAccepted(r.clientOrderId, `v-${r.clientOrderId}`, 2)
}

describe('OrderTracker lifecycle', () => {
  it('tracks an order before it is sent, so an early event finds it', () => {
    const t = new OrderTracker()
    const r = req('c1')
    const o = t.track(r, 5)
    expect(o).toMatchObject({status: 'initialized', filledQty: 0, venueOrderId: undefined, updatedAt: 5})
    expect(t.track(r, 6)).toBe(o) // tracking twice is idempotent
    expect(t.open).toBe(1)
    t.markSubmitted('c1', 7)
    // The fill arrives before the ack: found by client id, venue id learnt from it.
    expect(t.applyFill(fill(r, 'e1', 4), 8)).toBe(true)
    expect(o.status).toBe('partially_filled')
    expect(t.byVenueId('v-c1')).toBe(o)
    expect(t.violations).toEqual([])
  })

  it('moves through submitted and accepted, binding the venue id', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    const o = t.get('c1')!
    expect(o.status).toBe('accepted')
    expect(o.venueOrderId).toBe('v-c1')
    expect(t.byVenueId('v-c1')).toBe(o)
    expect(o.updatedAt).toBe(2)
  })

  it('accepts an ack for an order never marked submitted, without a false violation', () => {
    const t = new OrderTracker()
    t.track(req('c1'), 0)
    t.markAccepted('c1', 'v1', 1)
    expect(t.get('c1')!.status).toBe('accepted')
    expect(t.violations).toEqual([])
  })

  it('ignores an ack that arrives after the fill as stale, with no violation', () => {
    const t = new OrderTracker()
    const r = req('c1')
    t.track(r, 0)
    t.markSubmitted('c1', 1)
    t.applyFill(fill(r, 'e1', 10), 2)
    expect(t.get('c1')!.status).toBe('filled')
    t.markAccepted('c1', 'v-c1', 3)
    expect(t.applySnapshot(snap(r, 'accepted', 0), 3)).toBe(false)
    expect(t.applySnapshot(snap(r, 'partially_filled', 4), 3)).toBe(false)
    const o = t.get('c1')!
    expect(o.status).toBe('filled')
    expect(o.filledQty).toBe(10)
    expect(t.violations).toEqual([])
  })

  it('ignores a late report of an earlier stage on a working order too', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    t.applyFill(fill(r, 'e1', 3), 3)
    expect(t.applySnapshot(snap(r, 'accepted', 0), 4)).toBe(false)
    expect(t.applySnapshot(snap(r, 'submitted', 0), 4)).toBe(false)
    expect(t.get('c1')!.status).toBe('partially_filled')
    expect(t.violations).toEqual([])
  })

  it('records a genuinely illegal transition as a violation and keeps the old status', () => {
    const t = new OrderTracker()
    const r = req('c1')
    t.track(r, 0)
    t.markSubmitted('c1', 1)
    expect(t.applySnapshot(snap(r, 'pending_update', 0), 9)).toBe(false) // an amend of an order the venue never acknowledged
    expect(t.get('c1')!.status).toBe('submitted')
    expect(t.violations).toEqual([{ts: 9, rule: 'illegal_transition', detail: 'c1: submitted → pending_update'}])

    const u = new OrderTracker()
    const r2 = req('c2')
    u.track(r2, 0)
    u.applySnapshot(snap(r2, 'canceled', 0), 4) // never sent, yet canceled
    expect(u.violations).toEqual([{ts: 4, rule: 'illegal_transition', detail: 'c2: initialized → canceled'}])
  })

  it('handles cancel races: fill during pending_cancel, then canceled', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    t.applySnapshot(snap(r, 'pending_cancel', 0), 3)
    t.applyFill(fill(r, 'e1', 4), 4)
    expect(t.get('c1')!.status).toBe('partially_filled')
    t.applySnapshot(snap(r, 'canceled', 4), 5)
    const o = t.get('c1')!
    expect(o.status).toBe('canceled')
    expect(o.filledQty).toBe(4)
    expect(t.open).toBe(0)
    expect(t.violations).toEqual([])
  })

  it('marks a rejection with its reason, and never rejects a finished order', () => {
    const t = new OrderTracker()
    t.track(req('c1'), 0)
    t.markSubmitted('c1', 1)
    t.markRejected('c1', 'insufficient funds', 2)
    expect(t.get('c1')).toMatchObject({status: 'rejected', reason: 'insufficient funds'})
    t.markRejected('c1', 'again', 3)
    expect(t.get('c1')!.reason).toBe('insufficient funds')
    expect(t.open).toBe(0)
  })
})

describe('OrderTracker fills', () => {
  it('applies each execution id once, whatever channel repeats it', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    expect(t.applyFill(fill(r, 'e1', 3, 100), 3)).toBe(true)
    expect(t.applyFill(fill(r, 'e1', 3, 100), 4)).toBe(false)
    expect(t.applyFill(fill(r, 'e2', 2, 105), 5)).toBe(true)
    const o = t.get('c1')!
    expect(o.filledQty).toBe(5)
    expect(o.avgFillPrice).toBe(102)
    expect(o.status).toBe('partially_filled')
  })

  it('never shrinks the filled quantity on an older report', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    t.applyFill(fill(r, 'e1', 6, 101), 3)
    expect(t.applySnapshot(snap(r, 'partially_filled', 2, 100), 4)).toBe(false)
    const o = t.get('c1')!
    expect(o.filledQty).toBe(6)
    expect(o.avgFillPrice).toBe(101)
    expect(t.applySnapshot(snap(r, 'partially_filled', 8, 100.5), 5)).toBe(true)
    expect(o.filledQty).toBe(8)
    expect(o.avgFillPrice).toBe(100.5)
  })

  it('does not double count an execution the order report already included', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    // The order event (cumulative 5) overtakes the execution event (5) that it already includes.
    t.applySnapshot(snap(r, 'partially_filled', 5, 100), 3)
    t.applyFill(fill(r, 'e1', 5, 100), 4)
    const o = t.get('c1')!
    expect(o.filledQty).toBe(5)
    expect(o.status).toBe('partially_filled')
    expect(t.open).toBe(1)
    // The next execution takes the sum of executions past the report.
    t.applyFill(fill(r, 'e2', 5, 110), 5)
    expect(o.filledQty).toBe(10)
    expect(o.avgFillPrice).toBe(105)
    expect(o.status).toBe('filled')
    expect(t.violations).toEqual([])
  })

  it('records a fill that exceeds the order quantity, and caps the filled quantity', () => {
    const t = new OrderTracker()
    const r = req('c1', 10)
    working(t, r)
    t.applyFill(fill(r, 'e1', 8), 3)
    t.applyFill(fill(r, 'e2', 4), 4)
    const o = t.get('c1')!
    expect(o.filledQty).toBe(10)
    expect(o.status).toBe('filled')
    expect(t.violations).toEqual([{ts: 4, rule: 'fill_exceeds_qty', detail: 'c1: fill e2 takes it to 12 of 10'}])

    const u = new OrderTracker()
    const r2 = req('c2', 10)
    working(u, r2)
    u.applySnapshot(snap(r2, 'filled', 11), 6)
    expect(u.get('c2')!.filledQty).toBe(10)
    expect(u.violations).toEqual([{ts: 6, rule: 'fill_exceeds_qty', detail: 'c2 filled 11 of 10'}])
  })

  it('finds an order by venue id when the client id is missing from a report', () => {
    const t = new OrderTracker()
    const r = req('c1')
    working(t, r)
    expect(t.applyFill({...fill(r, 'e1', 10), clientOrderId: ''}, 3)).toBe(true)
    expect(t.get('c1')!.status).toBe('filled')
    // An execution for an order we never tracked still counts once (positions come from executions).
    expect(t.applyFill(fill(req('other'), 'e9', 1), 4)).toBe(true)
    expect(t.applyFill(fill(req('other'), 'e9', 1), 4)).toBe(false)
  })
})

describe('OrderTracker counts and retention', () => {
  it('counts open orders per symbol', () => {
    const t = new OrderTracker()
    working(t, req('a1', 10, 'AAPL'))
    working(t, req('a2', 10, 'AAPL'))
    working(t, req('m1', 10, 'MSFT'))
    expect(t.open).toBe(3)
    expect(t.openFor('AAPL')).toBe(2)
    expect(t.openFor('MSFT')).toBe(1)
    expect(t.openFor('TSLA')).toBe(0)
    t.applyFill(fill(req('a1', 10, 'AAPL'), 'e1', 10), 3)
    t.applySnapshot(snap(req('m1', 10, 'MSFT'), 'canceled', 0), 3)
    expect(t.open).toBe(1)
    expect(t.openFor('AAPL')).toBe(1)
    expect(t.openFor('MSFT')).toBe(0)
    expect([...t.openOrders()].map((o) => o.request.clientOrderId)).toEqual(['a2'])
    // A stale report about a finished order does not count it twice.
    t.applySnapshot(snap(req('m1', 10, 'MSFT'), 'canceled', 0), 4)
    expect(t.open).toBe(1)
  })

  it('forgets terminal orders beyond retainTerminal, oldest first, and keeps open ones', () => {
    const t = new OrderTracker(3)
    working(t, req('open1'))
    for (let i = 0; i < 6; i++) {
      const r = req(`done${i}`)
      working(t, r)
      t.applyFill(fill(r, `e${i}`, 10), 10 + i)
    }
    working(t, req('open2'))
    expect([...t.all()].map((o) => o.request.clientOrderId)).toEqual(['open1', 'done3', 'done4', 'done5', 'open2'])
    expect(t.get('done0')).toBeUndefined()
    expect(t.byVenueId('v-done0')).toBeUndefined()
    expect(t.get('done5')!.status).toBe('filled')
    expect(t.byVenueId('v-done5')).toBe(t.get('done5'))
    expect(t.open).toBe(2)
    expect(t.openFor('AAPL')).toBe(2)
  })

  it('stays bounded over many orders', () => {
    const t = new OrderTracker(100)
    for (let i = 0; i < 20_000; i++) {
      const r = req(`o${i}`)
      working(t, r)
      t.applyFill(fill(r, `e${i}`, 10), i)
    }
    expect([...t.all()].length).toBe(100)
    expect(t.get('o19999')!.status).toBe('filled')
    expect(t.get('o19899')).toBeUndefined()
    expect(t.get('o19900')).toBeDefined()
    expect(t.open).toBe(0)
  })
})

describe("OrderTracker: the venue's final word after a partial fill", () => {
  it('partially filled, then rejected: final, the filled part and its price kept, no violation', () => {
    const t = new OrderTracker()
    const r = req('c1', 10)
    working(t, r)
    t.applyFill(fill(r, 'e1', 4, 101), 3)
    expect(t.applySnapshot({...snap(r, 'rejected', 4, 101), reason: 'EC_PerCancelRequest'}, 4)).toBe(true)
    const o = t.get('c1')!
    expect(o).toMatchObject({status: 'rejected', filledQty: 4, avgFillPrice: 101, reason: 'EC_PerCancelRequest'})
    expect(t.open).toBe(0)
    expect(t.openFor('AAPL')).toBe(0)
    expect([...t.openOrders()]).toEqual([])
    expect(t.violations).toEqual([])
  })

  it.each(['rejected', 'canceled', 'expired'] as const)('a %s report that overtakes its executions: they still count, the status stays final', (status) => {
    const t = new OrderTracker()
    const r = req('c1', 10)
    working(t, r)
    // The final report carries the cumulative fill before either execution arrived.
    t.applySnapshot(snap(r, status, 6, 102), 3)
    const o = t.get('c1')!
    expect(o).toMatchObject({status, filledQty: 6, avgFillPrice: 102})
    expect(t.applyFill(fill(r, 'e1', 2, 100), 4)).toBe(true)
    expect(t.applyFill(fill(r, 'e2', 4, 103), 5)).toBe(true)
    expect(o).toMatchObject({status, filledQty: 6, execQty: 6})
    expect(t.violations).toEqual([])
  })

  it('from every working state, a final report ends the order', () => {
    for (const from of ['accepted', 'pending_update', 'pending_cancel', 'partially_filled'] as const) {
      const t = new OrderTracker()
      const r = req('c1', 10)
      working(t, r)
      if (from === 'partially_filled') t.applyFill(fill(r, 'e1', 1), 3)
      else t.applySnapshot(snap(r, from, 0), 3)
      expect(t.get('c1')!.status).toBe(from)
      t.applySnapshot(snap(r, 'rejected', from === 'partially_filled' ? 1 : 0), 4)
      expect(t.get('c1')!.status, from).toBe('rejected')
      expect(t.open, from).toBe(0)
      expect(t.violations, from).toEqual([])
    }
  })
})
