/**
 * The engine's single ordered queue: items run in (time, sequence) order, so two items at the same time run in
 * the order they were scheduled. Binary heap on parallel arrays; no allocation beyond the stored callback.
 */
export type Task = () => void

export class EventQueue {
  private times: number[] = []
  private seqs: number[] = []
  private tasks: (Task | null)[] = []
  private seq = 0
  /** Sequence numbers of `pushFirst` items count down from -1, so they sort before every `push` at their time. */
  private firstSeq = -1
  /** Sequence numbers of `pushVenue` items count up from far below both, so they sort first and keep their order. */
  private venueSeq = -(2 ** 52)

  get size(): number {
    return this.times.length
  }

  /** Time of the earliest item, or +Infinity when empty. */
  get nextTime(): number {
    return this.times.length === 0 ? Infinity : this.times[0]
  }

  /** Schedules `task` at `time`; returns its sequence number (stable identity for cancellation). */
  push(time: number, task: Task): number {
    const s = this.seq++
    this.times.push(time)
    this.seqs.push(s)
    this.tasks.push(task)
    this.up(this.times.length - 1)
    return s
  }

  /**
   * Schedules `task` at `time` ahead of every item already (or later) pushed with `push` at that time. Replay
   * uses it to deliver a recorded message right after the work that preceded it in the recording.
   */
  pushFirst(time: number, task: Task): number {
    const s = this.firstSeq--
    this.times.push(time)
    this.seqs.push(s)
    this.tasks.push(task)
    this.up(this.times.length - 1)
    return s
  }

  /**
   * Schedules a venue message at `time`: ahead of every `push` (timers) at that time, in the order messages were
   * scheduled, as a live session queues what it receives (LiveDriver) and a replay delivers it (ReplayVenue).
   */
  pushVenue(time: number, task: Task): number {
    const s = this.venueSeq++
    this.times.push(time)
    this.seqs.push(s)
    this.tasks.push(task)
    this.up(this.times.length - 1)
    return s
  }

  /** Removes the earliest item and returns its task; the caller has checked `size > 0`. */
  pop(): Task | null {
    const top = this.tasks[0]
    const last = this.times.length - 1
    if (last > 0) {
      this.times[0] = this.times[last]
      this.seqs[0] = this.seqs[last]
      this.tasks[0] = this.tasks[last]
    }
    this.times.pop()
    this.seqs.pop()
    this.tasks.pop()
    if (last > 0) this.down(0)
    return top
  }

  private less(i: number, j: number): boolean {
    return this.times[i] < this.times[j] || (this.times[i] === this.times[j] && this.seqs[i] < this.seqs[j])
  }

  private swap(i: number, j: number): void {
    const t = this.times[i]
    this.times[i] = this.times[j]
    this.times[j] = t
    const s = this.seqs[i]
    this.seqs[i] = this.seqs[j]
    this.seqs[j] = s
    const k = this.tasks[i]
    this.tasks[i] = this.tasks[j]
    this.tasks[j] = k
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) return
      this.swap(i, p)
      i = p
    }
  }

  private down(i: number): void {
    const n = this.times.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.less(l, m)) m = l
      if (r < n && this.less(r, m)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}
