/**
 * A set that remembers at least the last `capacity` keys added and at most twice that: keys go into the current
 * generation; when it is full it becomes the previous one and the one before is dropped whole. O(1) per
 * operation, no per-key bookkeeping, so long sessions can remember ids (executions, retired orders) in bounded
 * memory. Capacity 0 remembers nothing.
 */
export class GenerationalSet {
  private current = new Set<string>()
  private previous = new Set<string>()

  constructor(readonly capacity: number) {
    if (!(capacity >= 0)) throw new RangeError(`GenerationalSet capacity must be 0 or more, got ${capacity}`)
  }

  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key)
  }

  /** Adds a key; false if it was remembered already. */
  add(key: string): boolean {
    if (this.has(key)) return false
    if (this.capacity === 0) return true
    if (this.current.size >= this.capacity) {
      this.previous = this.current
      this.current = new Set()
    }
    this.current.add(key)
    return true
  }

  get size(): number {
    return this.current.size + this.previous.size
  }
}
