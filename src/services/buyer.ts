/**
 * The buyer: takes the signals in the inbox at each tick and decides each exactly once. A signal is dropped, with
 * its reason journaled and counted, when it is malformed (ALP-07; the rest of the batch still runs), for a symbol
 * outside the universe, already decided (ALP-11: the processed ids live in the store, so this holds across a
 * restart), older than its maximum age (ALP-16), in cooldown (ALP-01: set by the seller in the same store), held,
 * outside the session, over the position limit, or too small to size. Otherwise it is sized (fixed notional or a
 * fraction of equity, within buying power) and sent with a client order id derived from the signal id; the order
 * follower takes it from there, and the position is what fills.
 */
import {floorToStep} from '../core/instrument.js'
import type {Bar} from '../core/market-data.js'
import {NS, type OrderRecord} from '../state/pipeline-state.js'
import {count, type ServiceDeps, tifFor} from './context.js'
import {isFinal, type OrderFollower} from './order-follower.js'
import {attachOrder} from './position-book.js'
import {ServiceTimer} from './service-timer.js'
import {claimedId, parseSignal, type Signal} from './signal.js'

export type DropReason = 'malformed' | 'unknown_symbol' | 'duplicate' | 'stale' | 'cooldown' | 'held' | 'market_closed' | 'max_positions' | 'size'

export class Buyer {
  readonly timer: ServiceTimer
  private readonly last: Float64Array

  constructor(private readonly d: ServiceDeps, private readonly follower: OrderFollower) {
    this.last = new Float64Array(d.ctx.symbols.length)
    this.timer = new ServiceTimer(d.ctx.scheduler, d.ctx.clock, d.config.buyer.intervalMs, d.config.phaseMs, () => this.tick())
    d.bus.on('signals', () => this.wake())
  }

  onBar(bar: Bar): void {
    this.last[bar.index] = bar.close
  }

  wake(): void {
    if (this.d.isReady() && this.d.store.size(NS.inbox) > 0) this.timer.arm()
  }

  /** An entry order changed: the position is what it filled (opened at the first fill). */
  onOrderUpdate(rec: OrderRecord): void {
    const now = this.d.ctx.clock.now()
    const before = this.d.store.get(NS.positions, rec.symbol)?.qty ?? 0
    const p = attachOrder(this.d.store, this.d.writer, rec, now)
    if (p && p.qty !== before) this.d.bus.emit('position', {symbol: rec.symbol})
    if (!isFinal(rec.status) || !rec.settled) return
    this.d.ctx.record('entry_final', {clientOrderId: rec.clientOrderId, status: rec.status, filledQty: rec.filledQty, qty: rec.qty})
    // An entry that bought nothing belongs to no position: forget it (the journal keeps it).
    if (rec.filledQty === 0 && !this.d.store.get(NS.positions, rec.symbol)?.orderIds.includes(rec.clientOrderId)) this.d.writer.delete(NS.orders, rec.clientOrderId)
  }

  private tick(): void {
    if (!this.d.isReady()) return
    this.purge()
    for (const [key, entry] of this.d.store.entries(NS.inbox)) {
      this.decide(entry.raw)
      this.d.writer.delete(NS.inbox, key)
    }
  }

  private decide(raw: unknown): void {
    const parsed = parseSignal(raw)
    if (!parsed.ok) return this.drop('malformed', undefined, parsed.reason, claimedId(raw))
    const s = parsed.signal
    const now = this.d.ctx.clock.now()
    const i = this.d.indexOf.get(s.symbol)
    if (i === undefined || !this.d.universe[i]) return this.drop('unknown_symbol', undefined, `${s.symbol} is not in the universe`, s.id)
    if (this.d.store.has(NS.processed, s.id)) return this.drop('duplicate', undefined, `already ${this.d.store.get(NS.processed, s.id)!.outcome}`, s.id)
    const maxAge = Math.min(s.maxAgeMs, this.d.config.buyer.maxSignalAgeMs)
    if (now - s.time > maxAge) return this.drop('stale', s, `${Math.round((now - s.time) / 1000)} s old, max ${maxAge / 1000} s`)
    const cd = this.d.store.get(NS.cooldowns, s.symbol)
    if (cd && now < cd.until) return this.drop('cooldown', s, `until ${cd.until} after ${cd.reason}`)
    if (this.held(s.symbol)) return this.drop('held', s, 'position or order already open')
    if (!this.d.session.inSession(i, now)) return this.drop('market_closed', s, 'outside the regular session')
    if (this.openEntries() >= this.d.config.buyer.maxPositions) return this.drop('max_positions', s, `${this.d.config.buyer.maxPositions} positions open or opening`)
    const qty = this.size(s, i)
    if (qty <= 0) return this.drop('size', s, 'buying power or the target notional buys less than the minimum quantity')
    this.d.writer.set(NS.processed, s.id, {id: s.id, symbol: s.symbol, time: s.time, maxAgeMs: maxAge, outcome: 'ordered', at: now})
    const inst = this.d.ctx.instrument(s.symbol)
    this.follower.place({
      clientOrderId: this.d.ctx.clientOrderId(s.id, 'b'),
      symbol: s.symbol,
      side: 'buy',
      qty,
      tif: tifFor(inst.assetClass),
      purpose: 'entry',
      sourceId: s.id,
      reason: 'entry',
      remainder: this.d.config.buyer.remainder,
    })
    count(this.d, 'entries')
    this.d.ctx.record('entry', {signal: s.id, qty, score: s.score})
  }

  private size(s: Signal, i: number): number {
    const inst = this.d.ctx.instrument(s.symbol)
    const price = this.last[i] > 0 ? this.last[i] : s.referencePrice
    const sizing = this.d.config.buyer.sizing
    const target = sizing.mode === 'notional' ? sizing.notional : sizing.fraction * this.d.ctx.account.equity
    // Buying power minus what entries not yet on the venue's books will take; a 1 % margin for the next open.
    const available = (this.d.ctx.account.buyingPower - this.committed()) * 0.99
    const qty = floorToStep(Math.min(target, available) / price, inst.lotSize)
    return Number.isFinite(qty) && qty >= inst.minQty ? qty : 0
  }

  private committed(): number {
    let sum = 0
    for (const o of this.d.store.values(NS.orders)) {
      if (o.side === 'buy' && !isFinal(o.status)) sum += (o.qty - o.filledQty) * (this.last[this.d.indexOf.get(o.symbol) ?? 0] || o.avgFillPrice)
    }
    return sum
  }

  private held(symbol: string): boolean {
    if (this.d.store.has(NS.positions, symbol)) return true
    for (const o of this.d.store.values(NS.orders)) if (o.symbol === symbol && !isFinal(o.status)) return true
    return false
  }

  /** Positions held plus entries still opening. */
  private openEntries(): number {
    let n = this.d.store.size(NS.positions)
    for (const o of this.d.store.values(NS.orders)) if (o.purpose === 'entry' && !isFinal(o.status) && !this.d.store.has(NS.positions, o.symbol)) n++
    return n
  }

  private drop(reason: DropReason, s: Signal | undefined, detail: string, id = s?.id): void {
    const now = this.d.ctx.clock.now()
    // A decided signal is remembered, so a re-delivery is a duplicate; malformed ones have no trustworthy id.
    if (s) this.d.writer.set(NS.processed, s.id, {id: s.id, symbol: s.symbol, time: s.time, maxAgeMs: s.maxAgeMs, outcome: `dropped:${reason}`, at: now})
    count(this.d, `dropped.${reason}`)
    this.d.ctx.record(`signal_dropped:${reason}`, {id: id ?? null, detail})
    if (reason === 'malformed') this.d.ctx.log.warn('signal rejected', {id: id ?? null, reason: detail})
  }

  /** Forgets expired cooldowns, and processed ids old enough that any re-delivery is stale anyway (ALP-08). */
  private purge(): void {
    const now = this.d.ctx.clock.now()
    for (const [k, c] of this.d.store.entries(NS.cooldowns)) if (c.until <= now) this.d.writer.delete(NS.cooldowns, k)
    const horizon = this.d.config.buyer.maxSignalAgeMs
    for (const [k, p] of this.d.store.entries(NS.processed)) if (now - p.time > Math.max(horizon, p.maxAgeMs) * 2) this.d.writer.delete(NS.processed, k)
  }
}
