/**
 * The scanner: over the universe, computes the velocity of the close (rate of change over a window, %), its
 * acceleration (change of the velocity, percentage points) and the relative volume, combines them into a score,
 * and writes a signal for every symbol whose latest session bar scores at or above the threshold:
 *
 *     score = scale × (wv·velocity + wa·acceleration) × min(relative volume, maxRelativeVolume)
 *
 * only when velocity > 0, acceleration > 0 (momentum building) and relative volume ≥ minRelativeVolume. With the
 * defaults (scale 200, both weights 1), a 5-bar rise of 0.3 % still speeding up by 0.2 points, on 1× volume,
 * scores 100. Each bar is scanned once, so a signal's id (strategy, symbol, bar close time) is never re-emitted.
 */
import type {Bar} from '../core/market-data.js'
import {Acceleration, RelativeVolume} from '../indicators/index.js'
import {NS} from '../state/pipeline-state.js'
import {count, type ServiceDeps} from './context.js'
import {ServiceTimer} from './service-timer.js'
import {type Signal, signalId} from './signal.js'

export interface ScoreInputs {
  readonly velocity: number
  readonly acceleration: number
  readonly relativeVolume: number
}

/** The score of one bar's metrics; 0 when momentum is not building or volume is too thin. */
export function scoreOf(m: ScoreInputs, c: ServiceDeps['config']['scanner']): number {
  if (!(m.velocity > 0) || !(m.acceleration > 0) || !(m.relativeVolume >= c.minRelativeVolume)) return 0
  const s = c.scale * (c.velocityWeight * m.velocity + c.accelerationWeight * m.acceleration) * Math.min(m.relativeVolume, c.maxRelativeVolume)
  return Number.isFinite(s) ? s : 0
}

export class Scanner {
  readonly timer: ServiceTimer
  private readonly accel: (Acceleration | undefined)[]
  private readonly rvol: (RelativeVolume | undefined)[]
  /** Per symbol: a session bar not scanned yet, its close time and close. */
  private readonly fresh: Uint8Array
  private readonly barEnd: Float64Array
  private readonly close: Float64Array
  private pending = 0
  /** Signals emitted (for the log and tests). */
  emitted = 0

  constructor(private readonly d: ServiceDeps) {
    const c = d.config.scanner
    const n = d.ctx.symbols.length
    this.accel = d.universe.map((u) => (u ? new Acceleration(c.velocityWindow, c.accelerationWindow) : undefined))
    this.rvol = d.universe.map((u) => (u ? new RelativeVolume(c.volumeWindow) : undefined))
    this.fresh = new Uint8Array(n)
    this.barEnd = new Float64Array(n)
    this.close = new Float64Array(n)
    this.timer = new ServiceTimer(d.ctx.scheduler, d.ctx.clock, c.intervalMs, d.config.phaseMs, () => this.tick())
  }

  onBar(bar: Bar): void {
    const i = bar.index
    const a = this.accel[i]
    if (!a) return
    a.update(bar.close)
    this.rvol[i]!.update(bar.volume)
    if (!this.d.session.inSession(i, bar.ts)) return
    if (!this.fresh[i]) this.pending++
    this.fresh[i] = 1
    this.barEnd[i] = this.d.ctx.clock.now()
    this.close[i] = bar.close
    if (this.d.isReady()) this.timer.arm()
  }

  /** Called when reconciliation completes: scan what came in meanwhile. */
  wake(): void {
    if (this.pending > 0) this.timer.arm()
  }

  private tick(): void {
    if (!this.d.isReady() || this.pending === 0) return
    const c = this.d.config.scanner
    const symbols = this.d.ctx.symbols
    const found: Signal[] = []
    for (let i = 0; i < this.fresh.length; i++) {
      if (!this.fresh[i]) continue
      this.fresh[i] = 0
      const a = this.accel[i]!
      const rv = this.rvol[i]!
      if (!a.isStable || !rv.isStable) continue
      const m = {velocity: a.velocity, acceleration: a.value, relativeVolume: rv.value}
      const score = scoreOf(m, c)
      if (score < c.threshold) continue
      const time = this.barEnd[i]
      found.push({
        id: signalId(this.d.strategy, symbols[i], time),
        strategy: this.d.strategy,
        symbol: symbols[i],
        time,
        score: round(score),
        components: {velocity: round(m.velocity), acceleration: round(m.acceleration), relativeVolume: round(m.relativeVolume)},
        referencePrice: this.close[i],
        maxAgeMs: c.signalMaxAgeMs,
      })
    }
    this.pending = 0
    if (found.length === 0) return
    const now = this.d.ctx.clock.now()
    for (const s of found) {
      this.d.writer.append(NS.inbox, {source: 'scanner', receivedAt: now, raw: s})
      this.d.ctx.record('signal', {id: s.id, score: s.score, components: s.components, price: s.referencePrice})
    }
    this.emitted += found.length
    for (let k = 0; k < found.length; k++) count(this.d, 'signals.scanner')
    this.d.bus.emit('signals', {count: found.length})
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
