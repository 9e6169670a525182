/**
 * The stock pipeline: scanner → buyer → monitor → seller, plus order following and reconciliation, composed on one
 * engine context. The services share nothing mutable but the state store (one writer lease, held here) and talk
 * through a synchronous bus; each runs on its own schedule, and venue events are handled as they arrive (a fill
 * updates the position at once, not at the next tick). Nothing here knows whether the venue is simulated.
 *
 * Start: take the writer lease, then reconcile with the broker; no service decides anything before that is done.
 * Stop: cancel every timer and pending retry and end the lease, so nothing of this instance acts afterwards —
 * which is what makes an in-process restart (a new Pipeline over a restored store) safe.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Bar} from '../core/market-data.js'
import {PortBudget} from '../broker/resilience/port-budget.js'
import {PortRetry, portRetryRules} from '../broker/resilience/port-retry.js'
import {EventBus} from '../engine/event-bus.js'
import type {StrategyContext} from '../engine/strategy.js'
import {NS, type OrderRecord} from '../state/pipeline-state.js'
import type {StateStore, StoreWriter} from '../state/store.js'
import {Buyer} from './buyer.js'
import type {PipelineConfig} from './config.js'
import type {PipelineEvents, ServiceDeps} from './context.js'
import {Monitor} from './monitor.js'
import {refreshPosition} from './position-book.js'
import {isFinal, OrderFollower} from './order-follower.js'
import {Reconciler} from './reconciler.js'
import {Scanner} from './scanner.js'
import {Seller} from './seller.js'
import {SessionFilter} from './session.js'
import {SignalFeed} from './signal-feed.js'

export interface PipelineOptions {
  readonly config: PipelineConfig
  readonly ctx: StrategyContext
  readonly store: StateStore
  /** Scope of signal ids. */
  readonly strategy: string
  /** Started from a restored store (a restart) rather than fresh. */
  readonly resumed: boolean
}

export class Pipeline {
  readonly writer: StoreWriter
  readonly follower: OrderFollower
  readonly scanner: Scanner
  readonly buyer: Buyer
  readonly monitor: Monitor
  readonly seller: Seller
  readonly reconciler: Reconciler
  readonly budget: PortBudget
  /** The port-level resilience stack (see port-retry.ts for why it exists), configured once, here. */
  private readonly retry: PortRetry
  private readonly feed: SignalFeed
  private readonly session: SessionFilter
  private readonly universe: boolean[]
  private readonly deps: ServiceDeps
  private stopped = false

  constructor(private readonly o: PipelineOptions) {
    const {ctx, config, store} = o
    this.writer = store.acquireWriter(`${o.strategy} pipeline`)
    const wanted = config.universe ? new Set(config.universe.map((s) => s.toUpperCase())) : undefined
    this.universe = ctx.symbols.map((s) => !wanted || wanted.has(s.toUpperCase()))
    this.session = new SessionFilter(ctx.symbols.map((s) => config.regularHoursOnly && ctx.instrument(s).assetClass === 'us_equity'))
    const bus = new EventBus<PipelineEvents>()
    this.deps = {
      ctx,
      store,
      writer: this.writer,
      bus,
      session: this.session,
      config,
      strategy: o.strategy,
      universe: this.universe,
      indexOf: new Map(ctx.symbols.map((s, i) => [s, i])),
      isReady: () => this.reconciler.ready && !this.stopped,
    }
    const r = config.requests
    this.budget = new PortBudget(ctx.scheduler, ctx.clock, r.limit, r.windowMs)
    this.retry = new PortRetry(
      {
        scheduler: ctx.scheduler,
        clock: ctx.clock,
        rng: ctx.rng.fork(31),
        budget: this.budget,
        onBackoff: (b) => ctx.record('backoff', b),
      },
      portRetryRules({maxAttempts: r.maxAttempts, baseDelayMs: r.baseDelayMs, maxDelayMs: r.maxDelayMs, maxRateLimitWaits: 50}),
    )
    this.follower = new OrderFollower({ctx, store, writer: this.writer, retry: this.retry, config: config.orders, onUpdate: (next) => this.route(next)})
    this.scanner = new Scanner(this.deps)
    this.buyer = new Buyer(this.deps, this.follower)
    this.monitor = new Monitor(this.deps)
    this.seller = new Seller(this.deps, this.follower)
    this.reconciler = new Reconciler(this.deps, this.follower, this.retry, () => this.onReady(), () => this.repair())
    this.feed = new SignalFeed(this.deps)
  }

  start(): void {
    if (this.o.config.feed.length > 0) this.feed.start(this.o.resumed)
    this.reconciler.start()
  }

  get ready(): boolean {
    return this.deps.isReady()
  }

  onBar(bar: Bar): void {
    if (this.stopped) return
    this.session.observe(bar.index, bar.ts)
    this.follower.onBar(bar.symbol)
    if (!this.universe[bar.index]) return
    if (this.o.config.scan) this.scanner.onBar(bar)
    this.buyer.onBar(bar)
    this.monitor.onBar(bar)
    this.seller.onBar(bar)
    this.reconciler.onBar()
  }

  onEvent(e: BrokerEvent): void {
    if (this.stopped) return
    if (e.kind === 'execution') this.reconciler.noteActivity(e.fill.symbol)
    else if (e.kind === 'order') this.reconciler.noteActivity(e.order.symbol)
    this.follower.onEvent(e)
  }

  /** Positions as the pipeline records them (symbol → quantity), for checks against the venue. */
  positions(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const p of this.o.store.values(NS.positions)) if (p.qty !== 0) out[p.symbol] = p.qty
    return out
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    for (const t of [this.scanner.timer, this.buyer.timer, this.monitor.timer, this.seller.timer]) t.stop()
    this.reconciler.stop()
    this.feed.stop()
    this.follower.stop()
    this.retry.stop()
    this.budget.clear()
    this.writer.release()
  }

  /** Order changes go to the service that owns the order's purpose. */
  private route(rec: OrderRecord): void {
    if (rec.purpose === 'entry') this.buyer.onOrderUpdate(rec)
    else if (rec.purpose === 'exit') this.seller.onOrderUpdate(rec)
    else if (isFinal(rec.status) && rec.settled) this.writer.delete(NS.orders, rec.clientOrderId)
    // An entry that changes a position being exited may complete the exit.
    if (rec.purpose === 'entry' && isFinal(rec.status) && this.o.store.has(NS.sellSignals, rec.symbol)) this.seller.wake()
  }

  /**
   * Start-up, once the previous life's incomplete records have the venue's reports: a position record caches what
   * its orders imply (quantity, entry price), written after the order record that changed it — a kill in between
   * leaves it stale, or leaves a filled order outside any position. Re-derive every position from its records
   * (journaled when the cache was wrong), attach filled orders that belong to none, and close what is flat and
   * settled. Differences with the venue's own positions are the Reconciler's to find next.
   */
  private repair(): void {
    const {store, ctx} = this.o
    const now = ctx.clock.now()
    for (const rec of store.values(NS.orders)) {
      if (rec.purpose === 'foreign' || rec.filledQty <= 0) continue
      if (store.get(NS.positions, rec.symbol)?.orderIds.includes(rec.clientOrderId)) continue
      ctx.record('position_repair', {symbol: rec.symbol, clientOrderId: rec.clientOrderId, what: 'filled order outside its position', filledQty: rec.filledQty})
      this.route(rec)
    }
    for (const p of store.values(NS.positions)) {
      const next = refreshPosition(store, this.writer, p.symbol, now)
      if (next && next.qty !== p.qty) {
        ctx.record('position_repair', {symbol: p.symbol, what: 'quantity re-derived from its orders', stored: p.qty, derived: next.qty})
        this.deps.bus.emit('position', {symbol: p.symbol})
      }
    }
    for (const p of store.values(NS.positions)) this.seller.tryClose(p.symbol)
  }

  private onReady(): void {
    this.o.ctx.record('pipeline_ready', {resumed: this.o.resumed})
    this.deps.bus.emit('ready', {kind: 'startup'})
    this.scanner.wake()
    this.buyer.wake()
    this.monitor.wake()
    this.seller.wake()
  }
}
