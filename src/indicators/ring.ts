/**
 * Fixed-capacity ring of float64 values: the storage behind every rolling window. Nothing grows after construction.
 */
export class FloatRing {
  readonly capacity: number
  private readonly buf: Float64Array
  /** Next write position; when full it is also the position of the oldest value. */
  private head = 0
  private length = 0

  constructor(capacity: number) {
    this.capacity = capacity
    this.buf = new Float64Array(capacity)
  }

  get size(): number {
    return this.length
  }

  get isFull(): boolean {
    return this.length === this.capacity
  }

  /** The oldest value held; 0 when empty. When full, it is the value the next `push` evicts. */
  oldest(): number {
    if (this.length === 0) return 0
    let i = this.head - this.length
    if (i < 0) i += this.capacity
    return this.buf[i]
  }

  /** The value pushed `ago` pushes before the newest (0 = newest). Caller keeps `ago < size`. */
  ago(ago: number): number {
    let i = this.head - 1 - ago
    if (i < 0) i += this.capacity
    return this.buf[i]
  }

  push(x: number): void {
    this.buf[this.head] = x
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
    if (this.length < this.capacity) this.length++
  }

  clear(): void {
    this.head = 0
    this.length = 0
    this.buf.fill(0)
  }
}

/**
 * A rolling sum over the last `capacity` values, kept accurate on long series: the running sum is compensated
 * (Neumaier), and it is recomputed from the buffer once per `capacity` evictions (amortised O(1)) so rounding
 * cannot accumulate. A window whose values are all equal reports that value exactly as its mean.
 */
export class RollingSum {
  readonly ring: FloatRing
  private total = 0
  private compensation = 0
  private evictions = 0
  private last = 0
  private runLength = 0

  constructor(capacity: number) {
    this.ring = new FloatRing(capacity)
  }

  get size(): number {
    return this.ring.size
  }

  get isFull(): boolean {
    return this.ring.isFull
  }

  get sum(): number {
    return this.total + this.compensation
  }

  /** Mean of the values held; 0 when empty. */
  get mean(): number {
    const n = this.ring.size
    if (n === 0) return 0
    if (this.runLength >= n) return this.last
    return (this.total + this.compensation) / n
  }

  push(x: number): void {
    if (this.ring.isFull) {
      this.add(-this.ring.oldest())
      this.ring.push(x)
      this.add(x)
      if (++this.evictions >= this.ring.capacity) this.resync()
    } else {
      this.ring.push(x)
      this.add(x)
    }
    this.runLength = x === this.last && this.ring.size > 1 ? this.runLength + 1 : 1
    this.last = x
  }

  clear(): void {
    this.ring.clear()
    this.total = 0
    this.compensation = 0
    this.evictions = 0
    this.last = 0
    this.runLength = 0
  }

  private add(y: number): void {
    const t = this.total + y
    if (Math.abs(this.total) >= Math.abs(y)) this.compensation += this.total - t + y
    else this.compensation += y - t + this.total
    this.total = t
  }

  private resync(): void {
    this.evictions = 0
    this.total = 0
    this.compensation = 0
    for (let k = 0; k < this.ring.size; k++) this.add(this.ring.ago(k))
  }
}
