/**
 * The old bot (seeds 000 and 001), rebuilt as a test-only strategy so each ALP scenario can show that its checks
 * bite. It keeps the old behaviours on purpose:
 * - every piece of state in memory: nothing survives a restart (bug 2), no reconciliation with the broker (bug 4);
 * - the buyer's cooldown is its own dict, which the seller never writes (bug 1);
 * - signals are read without validation, in one try block, so a bad one ends the batch (2.5);
 * - a signal's age is measured from when it was written to the list, not from its bar (ALP-16);
 * - no processed-signal ids (3.4): only "do I hold it?" in memory guards a re-buy;
 * - an order is assumed filled, at the requested quantity and the last price, 2 s after it was sent (bug 5);
 * - API errors are logged and the work dropped or redone on the next tick with a new order id (2.1);
 * - trades are logged with the assumed prices and no fees.
 * Signal scoring and exit thresholds are the same as the pipeline's, so only the behaviours differ.
 */
import type {Bar} from '../../src/core/market-data.js'
import type {TimerHandle} from '../../src/core/time/scheduler.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {Acceleration, RelativeVolume} from '../../src/indicators/index.js'
import type {PipelineConfig} from '../../src/services/config.js'
import {scoreOf} from '../../src/services/scanner.js'
import {signalId} from '../../src/services/signal.js'

interface OldPosition {
  qty: number
  entry: number
  high: number
  entryTs: number
  decel: number
}

export interface OldTrade {
  readonly symbol: string
  readonly qty: number
  readonly entryPrice: number
  readonly exitPrice: number
  readonly pnl: number
  readonly fees: number
  readonly exitReason: string
}

const ASSUMED_FILL_MS = 2_000
const STALE_MS = 300_000

export class OldBot implements Strategy {
  readonly name = 'old'
  private ctx!: StrategyContext
  /** signals.json: what the scanner wrote (and other sources appended), with the time it was written. */
  private signals: {raw: any; writtenAt: number}[] = []
  private readonly positions = new Map<string, OldPosition>()
  /** The buyer's own cooldown dict: nobody ever writes it. */
  private readonly cooldownUntil = new Map<string, number>()
  /** The seller's cooldowns.json: written, never read by the buyer. */
  readonly sellerCooldowns = new Map<string, number>()
  private sellSignals: {symbol: string; reason: string}[] = []
  readonly trades: OldTrade[] = []
  private readonly last = new Map<string, number>()
  private readonly accel = new Map<string, Acceleration>()
  private readonly monitorAccel = new Map<string, Acceleration>()
  private readonly rvol = new Map<string, RelativeVolume>()
  private readonly lastBarEnd = new Map<string, number>()
  private n = 0
  private readonly timers: TimerHandle[] = []
  private stopped = false

  constructor(private readonly p: PipelineConfig) {}

  start(ctx: StrategyContext): void {
    this.ctx = ctx
    const now = ctx.clock.now()
    const t = this.timers
    if (this.p.scan) t.push(ctx.scheduler.every(this.p.scanner.intervalMs, () => this.scan()))
    t.push(ctx.scheduler.every(this.p.buyer.intervalMs, () => this.buy()))
    t.push(ctx.scheduler.every(this.p.monitor.intervalMs, () => this.monitor()))
    t.push(ctx.scheduler.every(this.p.seller.intervalMs, () => this.sell()))
    for (const entry of this.p.feed) {
      if (entry.at <= now) continue
      t.push(ctx.scheduler.at(entry.at, () => {
        for (const raw of entry.signals) this.signals.push({raw, writtenAt: ctx.clock.now()})
      }))
    }
  }

  /** The process ends: its loops stop (its memory goes with it). */
  stop(): void {
    for (const t of this.timers) t.cancel()
    this.stopped = true
  }

  onBar(bar: Bar): void {
    this.last.set(bar.symbol, bar.close)
    this.lastBarEnd.set(bar.symbol, this.ctx.clock.now())
    const c = this.p.scanner
    const m = this.p.monitor
    if (!this.accel.has(bar.symbol)) {
      this.accel.set(bar.symbol, new Acceleration(c.velocityWindow, c.accelerationWindow))
      this.monitorAccel.set(bar.symbol, new Acceleration(m.velocityWindow, m.accelerationWindow))
      this.rvol.set(bar.symbol, new RelativeVolume(c.volumeWindow))
    }
    this.accel.get(bar.symbol)!.update(bar.close)
    this.monitorAccel.get(bar.symbol)!.update(bar.close)
    this.rvol.get(bar.symbol)!.update(bar.volume)
  }

  /** Positions as the old bot believes them. */
  positionsHeld(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [s, p] of this.positions) out[s] = p.qty
    return out
  }

  private scan(): void {
    const found: {raw: any; writtenAt: number}[] = []
    for (const [symbol, a] of this.accel) {
      const rv = this.rvol.get(symbol)!
      if (!a.isStable || !rv.isStable) continue
      const score = scoreOf({velocity: a.velocity, acceleration: a.value, relativeVolume: rv.value}, this.p.scanner)
      if (score < this.p.scanner.threshold) continue
      const time = this.lastBarEnd.get(symbol)!
      found.push({raw: {id: signalId('momentum', symbol, time), symbol, time, score, referencePrice: this.last.get(symbol)}, writtenAt: this.ctx.clock.now()})
    }
    // signals.json is rewritten by every scan.
    this.signals = found
  }

  private buy(): void {
    const now = this.ctx.clock.now()
    this.signals = this.signals.filter((s) => now - s.writtenAt <= 2 * STALE_MS)
    try {
      for (const s of this.signals) {
        const symbol: string = s.raw.symbol.toUpperCase()
        const price = Number(s.raw.referencePrice)
        if (now - s.writtenAt > STALE_MS) continue
        if ((this.cooldownUntil.get(symbol) ?? 0) > now) continue
        if (this.positions.has(symbol)) continue
        const sizing = this.p.buyer.sizing
        const notional = sizing.mode === 'notional' ? sizing.notional : sizing.fraction * this.ctx.account.initialCash
        const qty = Math.floor(notional / price)
        this.ctx.record('entry', {signal: s.raw.id, qty})
        this.order(symbol, 'buy', qty, 'entry', () => this.positions.set(symbol, {qty, entry: price, high: price, entryTs: now, decel: 0}))
      }
    } catch (err) {
      this.ctx.log.error('buyer: error processing signals', {error: String(err)})
    }
  }

  private monitor(): void {
    const now = this.ctx.clock.now()
    const m = this.p.monitor
    const found: {symbol: string; reason: string}[] = []
    for (const [symbol, p] of this.positions) {
      const price = this.last.get(symbol)
      if (price === undefined) continue
      p.high = Math.max(p.high, price)
      const a = this.monitorAccel.get(symbol)
      p.decel = a && a.isStable && a.value < 0 ? p.decel + 1 : 0
      let reason: string | undefined
      if (price <= p.entry * (1 - m.stopLossPct / 100)) reason = 'stop_loss'
      else if (p.high > p.entry && price <= p.high * (1 - m.trailingStopPct / 100)) reason = 'trailing_stop'
      else if (m.decelerationChecks > 0 && p.decel >= m.decelerationChecks) reason = 'deceleration'
      else if (m.maxHoldMs !== undefined && now - p.entryTs >= m.maxHoldMs) reason = 'time_limit'
      if (reason) found.push({symbol, reason})
    }
    // sell_signals.json is rewritten by every monitor cycle.
    this.sellSignals = found
  }

  private sell(): void {
    const now = this.ctx.clock.now()
    for (const s of this.sellSignals) {
      const p = this.positions.get(s.symbol)
      if (!p) continue
      this.order(s.symbol, 'sell', p.qty, s.reason, () => {
        const exit = this.last.get(s.symbol) ?? p.entry
        this.trades.push({symbol: s.symbol, qty: p.qty, entryPrice: p.entry, exitPrice: exit, pnl: (exit - p.entry) * p.qty, fees: 0, exitReason: s.reason})
        this.sellerCooldowns.set(s.symbol, now + this.p.seller.cooldownMs)
        this.positions.delete(s.symbol)
      })
    }
    // Cleared after the pass, whatever happened to the orders.
    this.sellSignals = []
  }

  /** Sends a market order and, 2 s later, assumes it filled. Errors are logged and forgotten. */
  private order(symbol: string, side: 'buy' | 'sell', qty: number, reason: string, assumeFilled: () => void): void {
    const id = `old-${this.ctx.clock.now()}-${++this.n}`
    this.ctx.orders.submit({clientOrderId: id, symbol, side, type: 'market', qty, tif: 'day'}, {reason}).then((r) => {
      if (!r.ok) this.ctx.log.warn('order failed', {symbol, code: r.code})
    })
    this.ctx.scheduler.after(ASSUMED_FILL_MS, () => {
      if (!this.stopped) assumeFilled()
    })
  }
}
