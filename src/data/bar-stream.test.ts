import {describe, expect, it} from 'vitest'
import {planWindows} from './bar-stream.js'

describe('planWindows', () => {
  it('groups histogram buckets into windows of about windowRows rows, skipping empty stretches', () => {
    // buckets of 10 ms from t=1000: 0..2 dense, a gap, then 7 and 9 sparse.
    const counts = new Map([
      [0, 60],
      [1, 50],
      [2, 10],
      [7, 5],
      [9, 5],
    ])
    expect(planWindows(1000, 10, counts, 100)).toEqual([
      [1000, 1020],
      [1020, 1100],
    ])
    expect(planWindows(1000, 10, counts, 50)).toEqual([
      [1000, 1010],
      [1010, 1020],
      [1020, 1100],
    ])
    expect(planWindows(1000, 10, counts, 1000)).toEqual([[1000, 1100]])
  })

  it('plans nothing for no rows', () => {
    expect(planWindows(0, 1, new Map(), 10)).toEqual([])
  })
})
