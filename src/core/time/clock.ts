/** Time as the engine sees it: UTC epoch milliseconds, read only through a Clock. */
export interface Clock {
  now(): number
}

export class ClockError extends Error {
  override readonly name = 'ClockError'
}

/** A clock that only moves when the engine moves it, and never backwards. */
export class VirtualClock implements Clock {
  private t: number

  constructor(start = 0) {
    this.t = start
  }

  now(): number {
    return this.t
  }

  advanceTo(t: number): void {
    if (t < this.t) throw new ClockError(`virtual clock cannot move back from ${this.t} to ${t}`)
    this.t = t
  }
}
