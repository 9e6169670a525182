import {describe, expect, it} from 'vitest'
import {ORDER_TRANSITIONS} from '../../core/order-state.js'
import type {OrderStatus} from '../../core/order.js'
import {ALPACA_ORDER_STATUSES, type AlpacaOrderStatus, alpacaOrderStatus} from './order-status.js'

/** [no fill, partly filled (3 of 10), fully filled (10 of 10)] for every status in Alpaca's spec. */
const EXPECTED: Record<AlpacaOrderStatus, [OrderStatus, OrderStatus, OrderStatus]> = {
  new: ['accepted', 'accepted', 'accepted'],
  accepted: ['accepted', 'accepted', 'accepted'],
  pending_new: ['accepted', 'accepted', 'accepted'],
  accepted_for_bidding: ['accepted', 'accepted', 'accepted'],
  held: ['accepted', 'accepted', 'accepted'],
  partially_filled: ['partially_filled', 'partially_filled', 'partially_filled'],
  filled: ['filled', 'filled', 'filled'],
  done_for_day: ['accepted', 'partially_filled', 'partially_filled'],
  stopped: ['accepted', 'partially_filled', 'partially_filled'],
  suspended: ['accepted', 'partially_filled', 'partially_filled'],
  calculated: ['accepted', 'partially_filled', 'filled'],
  pending_cancel: ['pending_cancel', 'pending_cancel', 'pending_cancel'],
  pending_replace: ['pending_update', 'pending_update', 'pending_update'],
  canceled: ['canceled', 'canceled', 'canceled'],
  expired: ['expired', 'expired', 'expired'],
  replaced: ['canceled', 'canceled', 'canceled'],
  rejected: ['rejected', 'rejected', 'rejected'],
}

describe('Alpaca order status → core status', () => {
  it('covers all 17 statuses of the spec', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ALPACA_ORDER_STATUSES].sort())
    expect(ALPACA_ORDER_STATUSES).toHaveLength(17)
  })

  it.each(ALPACA_ORDER_STATUSES)('%s', (s) => {
    const got = [alpacaOrderStatus(s, 0, 10), alpacaOrderStatus(s, 3, 10), alpacaOrderStatus(s, 10, 10)]
    expect(got).toEqual(EXPECTED[s])
    for (const g of got) expect(ORDER_TRANSITIONS[g]).toBeDefined()
  })
})
