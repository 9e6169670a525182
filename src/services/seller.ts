/**
 * The seller: executes the monitor's sell signals with the same order following as the buyer. It first cancels an
 * entry remainder still working, then sells what the position holds (the filled quantity). An exit that does not
 * complete is tried again after a backoff with a new attempt id. When the position is flat and every order is
 * final, it writes the closed trade (entry, exit, PnL, fees, exit reason) and sets the symbol's cooldown in the
 * shared store, where the buyer reads it (ALP-01).
 */
import type {Bar} from '../core/market-data.js'
import {NS, type OrderRecord} from '../state/pipeline-state.js'
import {count, type ServiceDeps, tifFor} from './context.js'
import {isFinal, type OrderFollower} from './order-follower.js'
import {attachOrder, closeIfFlat, figures} from './position-book.js'
import {ServiceTimer} from './service-timer.js'

const RETAIN_TRADES = 1_000

export class Seller {
  readonly timer: ServiceTimer

  constructor(private readonly d: ServiceDeps, private readonly follower: OrderFollower) {
    this.timer = new ServiceTimer(d.ctx.scheduler, d.ctx.clock, d.config.seller.intervalMs, d.config.phaseMs, () => this.tick())
    d.bus.on('sell', () => this.wake())
  }

  /** A session bar of a symbol with a pending exit: the exit may be sendable now. */
  onBar(bar: Bar): void {
    if (this.d.store.has(NS.sellSignals, bar.symbol) && this.d.session.inSession(bar.index, bar.ts)) this.wake()
  }

  wake(): void {
    if (!this.d.isReady()) return
    let next = Infinity
    for (const s of this.d.store.values(NS.sellSignals)) next = Math.min(next, s.notBefore)
    if (next < Infinity) this.timer.armAt(next)
  }

  /** An exit (or an entry of a position being exited) changed: update the position; close it when flat. */
  onOrderUpdate(rec: OrderRecord): void {
    const now = this.d.ctx.clock.now()
    const p = attachOrder(this.d.store, this.d.writer, rec, now)
    if (!p) return
    this.d.bus.emit('position', {symbol: rec.symbol})
    if (!isFinal(rec.status)) return
    if (this.tryClose(rec.symbol)) return
    const sig = this.d.store.get(NS.sellSignals, rec.symbol)
    const f = figures(this.d.store, p)
    if (sig && f.live === 0 && f.qty > 0) {
      // The exit did not complete (partial, cancelled, rejected, expired): try again after a pause.
      this.d.writer.set(NS.sellSignals, rec.symbol, {...sig, notBefore: now + this.d.config.seller.retryBackoffMs})
      this.wake()
    }
  }

  /** Closes the symbol's position if it is flat and settled; returns whether it did. */
  tryClose(symbol: string): boolean {
    const now = this.d.ctx.clock.now()
    const p = this.d.store.get(NS.positions, symbol)
    if (!p) return false
    const reason = p.exiting ?? this.d.store.get(NS.sellSignals, symbol)?.reason ?? 'exit'
    const trade = closeIfFlat(this.d.store, this.d.writer, symbol, reason, now)
    if (!trade) return false
    this.d.writer.delete(NS.sellSignals, symbol)
    count(this.d, `exits.${reason}`)
    const cooldown = this.d.config.seller.cooldownMs
    if (cooldown > 0) this.d.writer.set(NS.cooldowns, symbol, {symbol, until: now + cooldown, setAt: now, reason})
    // The store keeps the recent trades (the journal has them all), so a long session stays bounded (ALP-08).
    const trades = this.d.store.entries(NS.trades)
    for (let i = 0; i < trades.length - RETAIN_TRADES; i++) this.d.writer.delete(NS.trades, trades[i][0])
    this.d.ctx.record('trade_closed', trade)
    this.d.bus.emit('closed', {symbol})
    return true
  }

  private tick(): void {
    if (!this.d.isReady()) return
    this.sendDue()
    // Only a backoff still running needs a timer: an exit waiting for the session is woken by the next session bar,
    // one waiting for its orders by their final report.
    let next = Infinity
    const now = this.d.ctx.clock.now()
    for (const s of this.d.store.values(NS.sellSignals)) if (s.notBefore > now) next = Math.min(next, s.notBefore)
    if (next < Infinity) this.timer.armAt(next)
  }

  private sendDue(): void {
    const now = this.d.ctx.clock.now()
    for (const sig of this.d.store.values(NS.sellSignals)) {
      if (sig.notBefore > now) continue
      const p = this.d.store.get(NS.positions, sig.symbol)
      if (!p) {
        this.d.writer.delete(NS.sellSignals, sig.symbol)
        continue
      }
      const i = this.d.indexOf.get(sig.symbol)!
      if (!this.d.session.inSession(i, now)) continue
      const f = figures(this.d.store, p)
      if (f.live > 0) {
        // Cancel a working entry remainder first; wait for exits already out.
        for (const id of p.orderIds) {
          const o = this.d.store.get(NS.orders, id)
          if (o && o.side === 'buy' && !isFinal(o.status)) this.follower.cancel(id, `exit ${sig.reason}`)
        }
        continue
      }
      if (f.qty <= 0) {
        if (!this.tryClose(sig.symbol)) this.d.writer.delete(NS.sellSignals, sig.symbol)
        continue
      }
      const attempt = sig.attempts + 1
      this.d.writer.set(NS.sellSignals, sig.symbol, {...sig, attempts: attempt})
      const rec = this.follower.place({
        clientOrderId: this.d.ctx.clientOrderId(`${sig.id}.${attempt}`, 's'),
        symbol: sig.symbol,
        side: 'sell',
        qty: f.qty,
        tif: tifFor(this.d.ctx.instrument(sig.symbol).assetClass),
        purpose: 'exit',
        sourceId: sig.id,
        reason: sig.reason,
        remainder: 'cancel',
      })
      attachOrder(this.d.store, this.d.writer, rec, now)
      this.d.ctx.record('exit', {symbol: sig.symbol, reason: sig.reason, qty: f.qty, attempt})
    }
  }
}
