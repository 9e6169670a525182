import {describe, expect, it} from 'vitest'
import {floorToStep, isZeroQty, QTY_EPS, qtyEq} from './quantity.js'

describe('quantity math', () => {
  it('treats quantities within QTY_EPS as the same', () => {
    expect(qtyEq(0.1 + 0.2, 0.3)).toBe(true)
    expect(qtyEq(1, 1 + QTY_EPS / 2)).toBe(true)
    expect(qtyEq(1, 1 + 3 * QTY_EPS)).toBe(false)
  })

  it('treats a quantity within QTY_EPS of zero as none', () => {
    expect(isZeroQty(-QTY_EPS / 2)).toBe(true)
    expect(isZeroQty(0.001)).toBe(false)
  })

  it('rounds down to the lot, tolerating float error on the step count', () => {
    expect(floorToStep(0.3, 0.1)).toBe(0.3)
    expect(floorToStep(0.123456, 0.001)).toBe(0.123)
  })
})
