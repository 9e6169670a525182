/**
 * Virtual time for the resilience tests: `sleep` registers a timer; `run(p)` lets every promise continuation
 * settle, then jumps to the next timer, until `p` settles. Nothing waits on the wall clock, and the order of
 * events is a function of the timers alone.
 */
import type {ResilienceTime} from '../../src/broker/resilience/index.js'

interface Timer {
  readonly at: number
  readonly seq: number
  readonly fire: () => void
  cancelled: boolean
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r))

export class VirtualTime implements ResilienceTime {
  private t: number
  private seq = 0
  private readonly heap: Timer[] = []

  constructor(start = 1_700_000_000_000) {
    this.t = start
  }

  now(): number {
    return this.t
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new Error('aborted'))
        return
      }
      const timer: Timer = {at: this.t + Math.max(0, ms), seq: this.seq++, fire: resolve, cancelled: false}
      this.push(timer)
      signal?.addEventListener(
        'abort',
        () => {
          timer.cancelled = true
          reject(new Error('aborted'))
        },
        {once: true},
      )
    })
  }

  /** Timers still armed (cancelled ones excluded). */
  get pending(): number {
    return this.heap.filter((t) => !t.cancelled).length
  }

  /** Drives time until `p` settles; throws if `p` can never settle (no timer left). */
  async run<T>(p: Promise<T>): Promise<T> {
    let done = false
    p.then(
      () => (done = true),
      () => (done = true),
    )
    for (;;) {
      await settle()
      if (done) return p
      const next = this.pop()
      if (!next) throw new Error(`virtual time: deadlock at ${this.t}, the awaited promise is pending and no timer is armed`)
      if (next.at > this.t) this.t = next.at
      next.fire()
    }
  }

  /** Lets `ms` of virtual time pass (running every timer due meanwhile). */
  async advance(ms: number): Promise<void> {
    await this.run(this.sleep(ms))
  }

  private push(t: Timer): void {
    const h = this.heap
    h.push(t)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(h[i], h[p])) break
      ;[h[i], h[p]] = [h[p], h[i]]
      i = p
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap
    while (h.length > 0) {
      const top = h[0]
      const last = h.pop() as Timer
      if (h.length > 0) {
        h[0] = last
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          const r = l + 1
          let m = i
          if (l < h.length && before(h[l], h[m])) m = l
          if (r < h.length && before(h[r], h[m])) m = r
          if (m === i) break
          ;[h[i], h[m]] = [h[m], h[i]]
          i = m
        }
      }
      if (!top.cancelled) return top
    }
    return undefined
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
