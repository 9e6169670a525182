/**
 * Sliding-window maximum (or minimum) with a monotonic deque: amortised O(1) per push, storage fixed at `window`
 * entries. Values are kept in decreasing (max) or increasing (min) order; the front is the window's extreme.
 * Ties keep the most recent occurrence, so `frontIndex` is the latest bar that made the extreme.
 */
export class MonotonicDeque {
  private readonly values: Float64Array
  private readonly indices: Float64Array
  private front = 0
  private length = 0

  constructor(
    readonly window: number,
    private readonly keepMax: boolean,
  ) {
    this.values = new Float64Array(window)
    this.indices = new Float64Array(window)
  }

  get isEmpty(): boolean {
    return this.length === 0
  }

  /** The extreme of the window; 0 when empty. */
  get extreme(): number {
    return this.length === 0 ? 0 : this.values[this.front]
  }

  /** The input index (0-based update number) of the extreme; -1 when empty. */
  get frontIndex(): number {
    return this.length === 0 ? -1 : this.indices[this.front]
  }

  /** Adds the value of input number `index` (strictly increasing) and drops what left the window. */
  push(x: number, index: number): void {
    const cap = this.window
    const oldestKept = index - cap
    while (this.length > 0 && this.indices[this.front] <= oldestKept) {
      this.front = this.front + 1 === cap ? 0 : this.front + 1
      this.length--
    }
    while (this.length > 0) {
      let back = this.front + this.length - 1
      if (back >= cap) back -= cap
      const v = this.values[back]
      if (this.keepMax ? v > x : v < x) break
      this.length--
    }
    let slot = this.front + this.length
    if (slot >= cap) slot -= cap
    this.values[slot] = x
    this.indices[slot] = index
    this.length++
  }

  clear(): void {
    this.front = 0
    this.length = 0
    this.values.fill(0)
    this.indices.fill(0)
  }
}
