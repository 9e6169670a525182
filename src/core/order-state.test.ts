import {describe, expect, it} from 'vitest'
import type {OrderStatus} from './order.js'
import {
  canTransition, IllegalTransitionError, isOpen, isTerminal, ORDER_TRANSITIONS, TERMINAL_STATUSES, transition,
} from './order-state.js'

const ALL: OrderStatus[] = [
  'initialized', 'submitted', 'accepted', 'pending_update', 'pending_cancel', 'partially_filled',
  'filled', 'canceled', 'rejected', 'expired',
]

/** The table written out by hand, so an accidental edit of ORDER_TRANSITIONS fails here. */
const EXPECTED: Record<OrderStatus, OrderStatus[]> = {
  initialized: ['submitted', 'rejected'],
  submitted: ['accepted', 'rejected', 'partially_filled', 'filled', 'canceled', 'expired', 'pending_cancel'],
  accepted: ['partially_filled', 'filled', 'pending_cancel', 'pending_update', 'canceled', 'expired', 'rejected'],
  pending_update: ['accepted', 'partially_filled', 'filled', 'pending_cancel', 'canceled', 'expired', 'rejected'],
  pending_cancel: ['canceled', 'partially_filled', 'filled', 'accepted', 'expired', 'rejected'],
  partially_filled: ['partially_filled', 'filled', 'pending_cancel', 'pending_update', 'canceled', 'expired', 'rejected'],
  filled: [],
  canceled: [],
  rejected: [],
  expired: [],
}

describe('order state machine', () => {
  it('covers every status', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ALL].sort())
    for (const from of ALL) expect([...ORDER_TRANSITIONS[from]].sort(), from).toEqual([...EXPECTED[from]].sort())
  })

  it('allows a (from, to) pair exactly when the table lists it, and throws naming both states otherwise', () => {
    let legal = 0
    let illegal = 0
    for (const from of ALL) {
      for (const to of ALL) {
        const listed = EXPECTED[from].includes(to)
        expect(canTransition(from, to), `${from} → ${to}`).toBe(listed)
        if (listed) {
          expect(transition(from, to, 'c1')).toBe(to)
          legal++
        } else {
          let caught: unknown
          try {
            transition(from, to, 'c1')
          } catch (err) {
            caught = err
          }
          expect(caught, `${from} → ${to}`).toBeInstanceOf(IllegalTransitionError)
          const e = caught as IllegalTransitionError
          expect(e.name).toBe('IllegalTransitionError')
          expect(e.from).toBe(from)
          expect(e.to).toBe(to)
          expect(e.clientOrderId).toBe('c1')
          expect(e.message).toContain(`illegal transition ${from} → ${to}`)
          expect(e.message).toContain('order c1')
          illegal++
        }
      }
    }
    expect(legal).toBe(36)
    expect(illegal).toBe(100 - 36)
  })

  it('says which state is final in the message, and uses ? without an order id', () => {
    expect(() => transition('filled', 'canceled')).toThrow('order ?: illegal transition filled → canceled (filled is final)')
    expect(() => transition('accepted', 'submitted', 'x')).toThrow(/^order x: illegal transition accepted → submitted$/)
  })

  it('has no exit from a terminal state, not even to itself', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['canceled', 'expired', 'filled', 'rejected'])
    for (const from of TERMINAL_STATUSES) {
      expect(ORDER_TRANSITIONS[from]).toEqual([])
      for (const to of ALL) expect(canTransition(from, to)).toBe(false)
    }
  })

  it('allows the venue races real venues produce', () => {
    // Cancel requested on a partly filled order, then confirmed.
    expect(transition(transition('partially_filled', 'pending_cancel'), 'canceled')).toBe('canceled')
    // A fill lands while the cancel is pending.
    expect(canTransition('pending_cancel', 'partially_filled')).toBe(true)
    expect(canTransition('pending_cancel', 'filled')).toBe(true)
    // The fill is reported before the acknowledgement.
    expect(canTransition('submitted', 'filled')).toBe(true)
    expect(canTransition('submitted', 'partially_filled')).toBe(true)
    // A refused cancel returns to the working state.
    expect(canTransition('pending_cancel', 'accepted')).toBe(true)
  })

  it("never refuses the venue's final word on a sent order: every working state may end in every terminal state", () => {
    const working = ALL.filter((s) => s === 'submitted' || isOpen(s))
    expect(working).toEqual(['submitted', 'accepted', 'pending_update', 'pending_cancel', 'partially_filled'])
    for (const from of working) for (const to of TERMINAL_STATUSES) expect(canTransition(from, to), `${from} → ${to}`).toBe(true)
    // Bybit: PartiallyFilled, then Rejected with cumExecQty > 0.
    expect(transition(transition('accepted', 'partially_filled'), 'rejected')).toBe('rejected')
  })

  it('refuses moves backwards in the life of an order', () => {
    expect(canTransition('accepted', 'submitted')).toBe(false)
    expect(canTransition('partially_filled', 'accepted')).toBe(false)
    expect(canTransition('initialized', 'accepted')).toBe(false)
    expect(canTransition('initialized', 'filled')).toBe(false)
  })

  it('classifies open and terminal statuses', () => {
    expect(ALL.filter(isTerminal)).toEqual(['filled', 'canceled', 'rejected', 'expired'])
    expect(ALL.filter(isOpen)).toEqual(['accepted', 'pending_update', 'pending_cancel', 'partially_filled'])
  })
})
