import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {MonotonicDeque} from './monotonic-deque.js'

abstract class RollingExtreme implements StreamingIndicator {
  private readonly deque: MonotonicDeque
  private n = 0

  protected constructor(
    private readonly label: string,
    readonly period: number,
    keepMax: boolean,
  ) {
    requirePeriod(label, 'period', period)
    this.deque = new MonotonicDeque(period, keepMax)
  }

  update(x: number): number {
    requireFinite(this.label, 'value', x)
    this.deque.push(x, this.n)
    this.n++
    return this.deque.extreme
  }

  get value(): number {
    return this.deque.extreme
  }

  /** How many bars ago the extreme was made (0 = the latest bar; the most recent bar when tied); 0 before any. */
  get barsAgo(): number {
    return this.n === 0 ? 0 : this.n - 1 - this.deque.frontIndex
  }

  get isStable(): boolean {
    return this.n >= this.period
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.deque.clear()
    this.n = 0
  }
}

/**
 * Highest value of the last `period` values (the current one included), by monotonic deque: amortised O(1).
 * Stable after `period` values (like technicalindicators' Highest); before, the highest so far (0 before any).
 */
export class Highest extends RollingExtreme {
  constructor(period: number) {
    super('Highest', period, true)
  }
}

/**
 * Lowest value of the last `period` values (the current one included), by monotonic deque: amortised O(1).
 * Stable after `period` values (like technicalindicators' Lowest); before, the lowest so far (0 before any).
 */
export class Lowest extends RollingExtreme {
  constructor(period: number) {
    super('Lowest', period, false)
  }
}
