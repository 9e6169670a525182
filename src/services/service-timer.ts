/**
 * A service's schedule: ticks on a fixed grid of the engine clock (every `intervalMs`, offset by `phaseMs` from
 * whole intervals of epoch time), armed only while the service has work. A tick with nothing to do would change
 * nothing, so skipping it keeps the behaviour of a plain periodic timer while an idle service costs nothing —
 * which is what lets the same services run over decades of daily bars.
 */
import type {Clock} from '../core/time/clock.js'
import type {Scheduler, TimerHandle} from '../core/time/scheduler.js'

/** The first grid time at or after `now` (strictly after when `strictly`). */
export function nextGridTime(now: number, intervalMs: number, phaseMs: number, strictly: boolean): number {
  let t = phaseMs + Math.ceil((now - phaseMs) / intervalMs) * intervalMs
  if (strictly && t <= now) t += intervalMs
  return t
}

export class ServiceTimer {
  private handle: TimerHandle | undefined
  private armedAt = Infinity
  private running = false
  private stopped = false
  /** Ticks run so far. */
  ticks = 0

  constructor(
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    readonly intervalMs: number,
    readonly phaseMs: number,
    private readonly tick: () => void,
  ) {}

  /** Makes sure a tick is due at the next grid time (after the current one when called from inside a tick). */
  arm(): void {
    if (this.stopped) return
    const at = nextGridTime(this.clock.now(), this.intervalMs, this.phaseMs, this.running)
    if (this.handle && this.armedAt <= at) return
    this.handle?.cancel()
    this.armedAt = at
    this.handle = this.scheduler.at(at, () => this.fire())
  }

  /** Makes sure a tick is due at the first grid time at or after `t`. */
  armAt(t: number): void {
    if (this.stopped) return
    const at = nextGridTime(Math.max(t, this.clock.now()), this.intervalMs, this.phaseMs, this.running && t <= this.clock.now())
    if (this.handle && this.armedAt <= at) return
    this.handle?.cancel()
    this.armedAt = at
    this.handle = this.scheduler.at(at, () => this.fire())
  }

  get armed(): boolean {
    return this.handle !== undefined
  }

  stop(): void {
    this.stopped = true
    this.handle?.cancel()
    this.handle = undefined
  }

  private fire(): void {
    this.handle = undefined
    this.armedAt = Infinity
    if (this.stopped) return
    this.running = true
    this.ticks++
    try {
      this.tick()
    } finally {
      this.running = false
    }
  }
}
