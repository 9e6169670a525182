/**
 * A rolling volume-at-price histogram over the last `window` bars, in fixed memory: two ring buffers (typical
 * price and volume per bar) and one array of `buckets` counts. Each bar's volume is put at its typical price
 * (high + low + close) / 3. `compute()` spreads the window's price range over the buckets (equal widths, rebuilt
 * per call in O(window + buckets)) and finds the point of control (the fullest bucket; the lower one on a tie)
 * and the value area (grown from the point of control towards the fuller neighbour, the lower on a tie, until it
 * holds `valueArea` of the volume).
 * Degenerate windows (not yet full, no volume, a single price, sums that overflow) give no profile rather than a
 * division by zero (OPS-09).
 */
export class RollingVolumeProfile {
  private readonly price: Float64Array
  private readonly volume: Float64Array
  private readonly hist: Float64Array
  private head = 0
  private n = 0
  /** Centre of the point-of-control bucket, and the value area's low and high edges, after a successful compute. */
  poc = 0
  val = 0
  vah = 0

  constructor(
    readonly window: number,
    readonly buckets: number,
  ) {
    if (!(Number.isInteger(window) && window >= 2)) throw new RangeError(`volume profile window must be an integer >= 2, got ${window}`)
    if (!(Number.isInteger(buckets) && buckets >= 2)) throw new RangeError(`volume profile buckets must be an integer >= 2, got ${buckets}`)
    this.price = new Float64Array(window)
    this.volume = new Float64Array(window)
    this.hist = new Float64Array(buckets)
  }

  /** Adds one bar; a bar whose typical price or volume is not a finite number >= 0 counts as no volume. */
  push(high: number, low: number, close: number, volume: number): void {
    const typical = (high + low + close) / 3
    const ok = Number.isFinite(typical) && Number.isFinite(volume) && volume >= 0
    this.price[this.head] = ok ? typical : 0
    this.volume[this.head] = ok ? volume : 0
    this.head = (this.head + 1) % this.window
    if (this.n < this.window) this.n++
  }

  get full(): boolean {
    return this.n === this.window
  }

  /** Rebuilds the histogram; false when the window gives no usable profile. */
  compute(valueArea: number): boolean {
    if (this.n < this.window) return false
    let lo = Infinity
    let hi = -Infinity
    let total = 0
    for (let i = 0; i < this.n; i++) {
      if (this.volume[i] === 0) continue
      const p = this.price[i]
      if (p < lo) lo = p
      if (p > hi) hi = p
      total += this.volume[i]
    }
    const width = (hi - lo) / this.buckets
    if (!(total > 0 && Number.isFinite(total) && width > 0 && Number.isFinite(width))) return false
    const hist = this.hist
    const last = this.buckets - 1
    hist.fill(0)
    for (let i = 0; i < this.n; i++) {
      const v = this.volume[i]
      if (v === 0) continue
      const k = Math.floor((this.price[i] - lo) / width)
      hist[k > last ? last : k < 0 ? 0 : k] += v
    }
    let poc = 0
    for (let k = 1; k <= last; k++) if (hist[k] > hist[poc]) poc = k
    let a = poc
    let b = poc
    let inside = hist[poc]
    const goal = valueArea * total
    while (inside < goal && (a > 0 || b < last)) {
      const below = a > 0 ? hist[a - 1] : -1
      const above = b < last ? hist[b + 1] : -1
      if (below >= above) inside += hist[--a]
      else inside += hist[++b]
    }
    this.poc = lo + (poc + 0.5) * width
    this.val = lo + a * width
    this.vah = lo + (b + 1) * width
    return true
  }
}
