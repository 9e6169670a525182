/**
 * The monitor: at each tick, for every held position with new data since its last check, checks the exits in
 * this order — stop loss (price at or below entry × (1 − stop %)), trailing stop (the price rose above the entry
 * and fell to high × (1 − trailing %), the high being the highest price since entry), deceleration (acceleration
 * negative at N consecutive checks), time limit (held at least maxHoldMs) — and writes a sell signal with the
 * matching reason for the seller (ALP-17). The high and the deceleration streak live in the store, so a restart
 * continues where the last process stopped.
 */
import type {Bar} from '../core/market-data.js'
import {Acceleration} from '../indicators/index.js'
import {NS, type PositionRecord} from '../state/pipeline-state.js'
import type {ServiceDeps} from './context.js'
import {ServiceTimer} from './service-timer.js'

export type ExitReason = 'stop_loss' | 'trailing_stop' | 'deceleration' | 'time_limit'

export class Monitor {
  readonly timer: ServiceTimer
  private readonly accel: (Acceleration | undefined)[]
  private readonly last: Float64Array
  /** A session bar arrived since the symbol's last check. */
  private readonly fresh: Uint8Array

  constructor(private readonly d: ServiceDeps) {
    const c = d.config.monitor
    this.accel = d.universe.map((u) => (u ? new Acceleration(c.velocityWindow, c.accelerationWindow) : undefined))
    this.last = new Float64Array(d.ctx.symbols.length)
    this.fresh = new Uint8Array(d.ctx.symbols.length)
    this.timer = new ServiceTimer(d.ctx.scheduler, d.ctx.clock, c.intervalMs, d.config.phaseMs, () => this.tick())
  }

  onBar(bar: Bar): void {
    const i = bar.index
    this.accel[i]?.update(bar.close)
    this.last[i] = bar.close
    const p = this.d.store.get(NS.positions, bar.symbol)
    if (!p) return
    // The bar that contains the entry may have made its high before the fill: only its close counts.
    const high = bar.ts >= p.entryTs ? bar.high : bar.close
    if (high > p.high) this.d.writer.set(NS.positions, p.symbol, {...p, high})
    if (!this.d.session.inSession(i, bar.ts)) return
    this.fresh[i] = 1
    if (this.d.isReady()) this.timer.arm()
  }

  wake(): void {
    if (this.d.store.size(NS.positions) > 0 && this.fresh.some((f) => f === 1)) this.timer.arm()
  }

  private tick(): void {
    if (!this.d.isReady()) return
    const now = this.d.ctx.clock.now()
    for (const p of this.d.store.values(NS.positions)) {
      const i = this.d.indexOf.get(p.symbol)
      if (i === undefined || !this.fresh[i]) continue
      this.fresh[i] = 0
      if (p.exiting || p.qty <= 0 || !(this.last[i] > 0)) continue
      const reason = this.check(p, this.last[i], i, now)
      if (reason) this.exit(p, reason, this.last[i], now)
    }
  }

  private check(p: PositionRecord, price: number, i: number, now: number): ExitReason | undefined {
    const c = this.d.config.monitor
    const a = this.accel[i]
    const decelerating = a !== undefined && a.isStable && a.value < 0
    const streak = decelerating ? p.decelStreak + 1 : 0
    if (streak !== p.decelStreak) this.d.writer.set(NS.positions, p.symbol, {...this.d.store.get(NS.positions, p.symbol)!, decelStreak: streak})
    if (price <= p.avgEntry * (1 - c.stopLossPct / 100)) return 'stop_loss'
    if (p.high > p.avgEntry && price <= p.high * (1 - c.trailingStopPct / 100)) return 'trailing_stop'
    if (c.decelerationChecks > 0 && streak >= c.decelerationChecks) return 'deceleration'
    if (c.maxHoldMs !== undefined && now - p.entryTs >= c.maxHoldMs) return 'time_limit'
    return undefined
  }

  private exit(p: PositionRecord, reason: ExitReason, price: number, now: number): void {
    const cur = this.d.store.get(NS.positions, p.symbol)!
    this.d.writer.set(NS.positions, p.symbol, {...cur, exiting: reason, updatedAt: now})
    this.d.writer.set(NS.sellSignals, p.symbol, {id: `x:${p.symbol}:${now}`, symbol: p.symbol, reason, time: now, attempts: 0, notBefore: now})
    this.d.ctx.record('exit_signal', {symbol: p.symbol, reason, price, entry: cur.avgEntry, high: cur.high, qty: cur.qty})
    this.d.bus.emit('sell', {symbol: p.symbol})
  }
}
