/**
 * One ordered queue of inputs per account: venue events, bars, timer ticks and the continuations of the grid's own
 * requests all pass through it and are applied one at a time, in arrival order. It replaces the flags and locks
 * of a threaded bot: nothing can interleave with an input being applied, and while a restore rebuilds the model
 * the queue is paused, so inputs that arrive meanwhile wait and are applied in order after it (GRID-05).
 */

export interface TraceEntry {
  readonly seq: number
  readonly label: string
  /** Engine time the input arrived, and the time it was applied. */
  readonly arrivedAt: number
  readonly appliedAt: number
}

export class AccountInbox<I extends {readonly label: string}> {
  private queue: {input: I; seq: number; at: number}[] = []
  private head = 0
  private running = false
  private paused = false
  private seq = 0
  /** Applied inputs, oldest first, when tracing (tests); bounded. */
  readonly trace: TraceEntry[] | undefined

  constructor(
    private readonly now: () => number,
    private readonly apply: (input: I) => void,
    /** Runs after each batch of applied inputs (decisions are taken once the state is up to date). */
    private readonly settle: () => void,
    private readonly onError: (err: unknown, input: I) => void,
    opts: {trace?: boolean} = {},
  ) {
    this.trace = opts.trace ? [] : undefined
  }

  get isPaused(): boolean {
    return this.paused
  }

  /** Inputs waiting (while paused, or behind the one being applied). */
  get waiting(): number {
    return this.queue.length - this.head
  }

  push(input: I): void {
    this.queue.push({input, seq: ++this.seq, at: this.now()})
    if (!this.running && !this.paused) this.drain()
  }

  /** Holds every later input until `resume` (the input being applied finishes first). */
  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    if (!this.running) this.drain()
  }

  /** Runs `fn` as if it were an input, even while paused: the restore applies its answer this way. */
  runExclusive(fn: () => void): void {
    const was = this.running
    this.running = true
    try {
      fn()
    } finally {
      this.running = was
    }
  }

  private drain(): void {
    if (this.running) return
    this.running = true
    try {
      while (!this.paused && this.head < this.queue.length) {
        while (!this.paused && this.head < this.queue.length) {
          const item = this.queue[this.head++]
          try {
            this.apply(item.input)
          } catch (err) {
            this.onError(err, item.input)
          }
          if (this.trace && this.trace.length < 100_000) this.trace.push({seq: item.seq, label: item.input.label, arrivedAt: item.at, appliedAt: this.now()})
        }
        // Decisions are taken once the batch's state is applied, never in the middle of a paused queue.
        if (this.paused) break
        try {
          this.settle()
        } catch (err) {
          this.onError(err, {label: 'settle'} as I)
        }
      }
    } finally {
      if (this.head === this.queue.length) {
        this.queue = []
        this.head = 0
      } else if (this.head > 1024) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
      this.running = false
    }
  }
}
