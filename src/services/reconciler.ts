/**
 * Reconciliation with the broker, the source of truth (ALP-02, ALP-06, ALP-13). At start — before any decision —
 * it first brings every order record from the previous life that is not provably complete (final AND its executions
 * sum to its filled quantity) up to the venue's reports: the order by client order id and the executions since the
 * earliest such record, each applied once (never a fill inferred from elapsed time). A kill can land between a final
 * order report and its execution, or between an order record and the position derived from it; the pipeline then
 * re-derives its positions from the completed records (`repair`). Then, and periodically while market data flows,
 * it asks the broker for its positions and open orders and:
 * - follows every order of ours that is not final (restored intents included: polled until found or lost);
 * - handles open orders nobody here placed by policy: cancel them, or adopt them as entries / exits;
 * - compares positions symbol by symbol (skipping symbols with an order in flight, whose numbers are moving) and
 *   takes the broker's quantity: an unknown position is adopted (the monitor then manages it) or flagged, a
 *   position the broker no longer has is removed, a different quantity is corrected. Every difference is
 *   journaled and logged with both numbers.
 */
import type {OrderSnapshot} from '../core/order.js'
import type {PositionSnapshot} from '../core/position.js'
import {type PortRetry, RetryAbortedError} from '../broker/resilience/port-retry.js'
import {NS, type OrderRecord} from '../state/pipeline-state.js'
import {count, type ServiceDeps, unlessStopped} from './context.js'
import {isComplete, isFinal, type OrderFollower} from './order-follower.js'
import {figures, refreshPosition} from './position-book.js'
import {ServiceTimer} from './service-timer.js'
import {isZeroQty, QTY_EPS, qtyEq} from '../core/quantity.js'

const KEEP_DIFFERENCES = 1_000

export interface Difference {
  readonly symbol: string
  readonly kind: 'unknown_position' | 'missing_position' | 'quantity' | 'unknown_order'
  readonly local: number
  readonly broker: number
  readonly action: 'adopted' | 'flagged' | 'removed' | 'corrected' | 'cancel' | 'adopt'
}

export class Reconciler {
  readonly timer: ServiceTimer
  private running = false
  private lastRun = -Infinity
  private stopped = false
  ready = false
  /**
   * Reconciliations completed, and the latest differences found (at most KEEP_DIFFERENCES: a flagged difference is
   * found again at every periodic run; the journal and the counters have them all), for tests and metrics.
   */
  runs = 0
  readonly differences: Difference[] = []

  constructor(
    private readonly d: ServiceDeps,
    private readonly follower: OrderFollower,
    private readonly retry: PortRetry,
    private readonly onReady: () => void,
    /** After the start-up catch-up, before positions are compared: re-derive what the records imply. */
    private readonly repair: () => void = () => {},
  ) {
    this.timer = new ServiceTimer(d.ctx.scheduler, d.ctx.clock, d.config.reconcile.intervalMs, d.config.phaseMs, () => this.run('periodic'))
  }

  /** The startup reconciliation; decisions wait for it. */
  start(): void {
    this.d.ctx.record('reconcile_start', {orders: this.d.store.size(NS.orders), positions: this.d.store.size(NS.positions)})
    this.catchUp()
  }

  /**
   * Start-up, first step: the records the previous life left incomplete, looked up at the venue (each order by its
   * client order id, and the executions since the earliest of them); what the venue reports is taken in, then the
   * pipeline re-derives its positions, then the positions and open orders are compared (run).
   */
  private catchUp(): void {
    if (this.stopped) return
    const incomplete = this.d.store.values(NS.orders).filter((r) => !isComplete(r))
    if (incomplete.length === 0) {
      this.guard(() => {
        this.repair()
        this.run('startup')
      })
      return
    }
    const ids = incomplete.map((r) => r.clientOrderId)
    const since = Math.min(...incomplete.map((r) => r.createdAt))
    this.d.ctx.record('reconcile_orders', {orders: ids, since})
    Promise.all([
      Promise.all(ids.map((id) => this.retry.run(`getOrder ${id}`, () => this.d.ctx.broker.getOrder({clientOrderId: id})))),
      this.retry.run('executions', () => this.d.ctx.broker.executionsSince(since)),
    ]).then(
      ([snaps, fills]) => this.guard(() => {
        const wanted = new Set(ids)
        let missed = 0
        for (const f of fills) {
          const rec = this.d.store.get(NS.orders, f.clientOrderId)
          if (!wanted.has(f.clientOrderId) || !rec || rec.execs[f.execId]) continue
          missed++
          this.follower.applyExecution(f)
        }
        for (const snap of snaps) if (snap) this.follower.applySnapshot(snap)
        // Settles what is now complete (or fetches what is still missing) and lets the owners derive positions.
        for (const id of ids) this.follower.revisit(id)
        this.d.ctx.record('reconcile_orders_done', {
          orders: ids.length,
          found: snaps.filter((x) => x !== undefined).length,
          missedExecutions: missed,
          complete: ids.filter((id) => {
            const rec = this.d.store.get(NS.orders, id)
            return rec === undefined || isComplete(rec)
          }).length,
        })
        this.repair()
        this.run('startup')
      }),
      (err: unknown) => this.guard(() => {
        if (err instanceof RetryAbortedError) return
        this.d.ctx.log.warn('start-up order look-up failed; trying again', {error: String(err)})
        this.d.ctx.record('reconcile_failed', {kind: 'startup_orders', error: err instanceof Error ? err.message : String(err)})
        this.d.ctx.scheduler.after(this.d.config.requests.maxDelayMs, () => this.catchUp())
      }),
    )
  }

  /** Market data flows: a periodic check is due intervalMs after the last one. */
  onBar(): void {
    if (this.ready && !this.running && !this.timer.armed) this.timer.armAt(this.lastRun + this.d.config.reconcile.intervalMs)
  }

  stop(): void {
    this.stopped = true
    this.timer.stop()
  }

  /**
   * Symbols with venue activity (an order report, an execution) since the running check's queries left: the answers
   * may describe the venue before that activity, so those symbols wait for the next check. (A fill on arrival can
   * reach us before a positions answer computed just before it.)
   */
  private readonly touched = new Set<string>()

  /** A venue report about `symbol` arrived (called for every order and execution event). */
  noteActivity(symbol: string): void {
    if (this.running) this.touched.add(symbol)
  }

  private run(kind: 'startup' | 'periodic'): void {
    if (this.running || this.stopped) return
    this.running = true
    this.touched.clear()
    this.lastRun = this.d.ctx.clock.now()
    const busyBefore = this.busySymbols()
    Promise.all([
      this.retry.run('positions', () => this.d.ctx.broker.positions()),
      this.retry.run('openOrders', () => this.d.ctx.broker.openOrders()),
    ]).then(
      ([positions, open]) => this.guard(() => this.apply(kind, positions, open, busyBefore)),
      (err: unknown) => this.guard(() => {
        this.running = false
        if (err instanceof RetryAbortedError) return
        this.d.ctx.log.warn('reconciliation failed; trying again', {kind, error: String(err)})
        this.d.ctx.record('reconcile_failed', {kind, error: err instanceof Error ? err.message : String(err)})
        // Without a reconciliation there is no first decision: try again after a while.
        if (kind === 'startup') this.d.ctx.scheduler.after(this.d.config.requests.maxDelayMs, () => this.run('startup'))
      }),
    )
  }

  private apply(kind: 'startup' | 'periodic', positions: PositionSnapshot[], open: OrderSnapshot[], busyBefore: Set<string>): void {
    const found: Difference[] = []
    const openIds = new Set(open.map((o) => o.clientOrderId))
    const foreignSymbols = new Set<string>()
    for (const o of open) {
      if (this.d.store.has(NS.orders, o.clientOrderId)) {
        this.follower.applySnapshot(o)
        this.follower.follow(o.clientOrderId)
      } else {
        foreignSymbols.add(o.symbol)
        found.push(this.foreign(o))
      }
    }
    // Ours but not open on the venue: final there (or never placed); the follower finds out which.
    for (const rec of this.d.store.values(NS.orders)) {
      if (isFinal(rec.status) || openIds.has(rec.clientOrderId)) continue
      if (kind === 'startup') this.follower.follow(rec.clientOrderId)
      else this.follower.pollNow(rec.clientOrderId)
    }
    const busy = new Set([...busyBefore, ...this.busySymbols(), ...foreignSymbols, ...this.touched])
    this.touched.clear()
    const broker = new Map<string, PositionSnapshot>()
    for (const p of positions) if (!isZeroQty(p.qty)) broker.set(p.symbol, p)
    const symbols = [...new Set([...broker.keys(), ...this.d.store.values(NS.positions).map((p) => p.symbol)])].sort()
    const skipped: string[] = []
    for (const symbol of symbols) {
      if (busy.has(symbol)) {
        skipped.push(symbol)
        continue
      }
      const diff = this.comparePosition(symbol, broker.get(symbol))
      if (diff) found.push(diff)
    }
    for (const diff of found) {
      if (this.differences.length >= KEEP_DIFFERENCES) this.differences.shift()
      this.differences.push(diff)
      count(this.d, `reconcile.${diff.kind}`)
      this.d.ctx.log.warn('broker and local record differ; the broker is the source of truth', {...diff})
      this.d.ctx.record('reconcile_diff', {reconcile: kind, ...diff})
    }
    this.runs++
    this.running = false
    this.d.ctx.record('reconciled', {kind, differences: found.length, skipped})
    if (kind === 'startup' && !this.ready) {
      this.ready = true
      this.onReady()
    }
  }

  private comparePosition(symbol: string, b: PositionSnapshot | undefined): Difference | undefined {
    const now = this.d.ctx.clock.now()
    const p = this.d.store.get(NS.positions, symbol)
    const local = p ? figures(this.d.store, p).qty : 0
    const brokerQty = b?.qty ?? 0
    if (qtyEq(brokerQty, local)) return undefined
    const i = this.d.indexOf.get(symbol)
    const tradable = i !== undefined && this.d.universe[i]
    if (!p) {
      if (brokerQty > 0 && tradable && this.d.config.reconcile.unknownPositions === 'adopt') {
        const avg = b!.avgPrice
        this.d.writer.set(NS.positions, symbol, {
          symbol,
          qty: brokerQty,
          avgEntry: avg,
          entryTs: now,
          high: avg,
          source: 'adopted',
          signalId: `adopted:${symbol}:${now}`,
          orderIds: [],
          baseQty: brokerQty,
          baseCost: brokerQty * avg,
          decelStreak: 0,
          updatedAt: now,
        })
        this.d.bus.emit('position', {symbol})
        return {symbol, kind: 'unknown_position', local, broker: brokerQty, action: 'adopted'}
      }
      this.flag(symbol, 'unknown_position', `broker holds ${brokerQty}, not managed here`)
      return {symbol, kind: 'unknown_position', local, broker: brokerQty, action: 'flagged'}
    }
    if (brokerQty <= QTY_EPS) {
      // Gone on the broker (closed by hand, or never there): drop the record and its finished orders.
      for (const id of p.orderIds) this.d.writer.delete(NS.orders, id)
      this.d.writer.delete(NS.positions, symbol)
      this.d.writer.delete(NS.sellSignals, symbol)
      this.flag(symbol, 'missing_position', `local record held ${local}, the broker holds ${brokerQty}`)
      this.d.bus.emit('position', {symbol})
      return {symbol, kind: 'missing_position', local, broker: brokerQty, action: 'removed'}
    }
    const delta = brokerQty - local
    this.d.writer.set(NS.positions, symbol, {...p, baseQty: p.baseQty + delta, baseCost: p.baseCost + delta * p.avgEntry, updatedAt: now})
    refreshPosition(this.d.store, this.d.writer, symbol, now)
    this.d.bus.emit('position', {symbol})
    return {symbol, kind: 'quantity', local, broker: brokerQty, action: 'corrected'}
  }

  /** An open order on the account that the pipeline did not place. */
  private foreign(o: OrderSnapshot): Difference {
    const now = this.d.ctx.clock.now()
    const adopt = this.d.config.reconcile.unknownOrders === 'adopt'
    const rec: OrderRecord = {
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      side: o.side,
      qty: o.qty,
      purpose: adopt ? (o.side === 'buy' ? 'entry' : 'exit') : 'foreign',
      sourceId: `foreign:${o.venueOrderId}`,
      reason: adopt ? 'adopted' : 'foreign',
      status: o.status === 'initialized' ? 'submitted' : o.status,
      filledQty: o.filledQty,
      avgFillPrice: o.avgFillPrice,
      execs: {},
      venueOrderId: o.venueOrderId,
      createdAt: now,
      updatedAt: now,
      remainder: adopt ? 'keep' : 'cancel',
      timedOut: adopt,
      settled: false,
    }
    this.d.writer.set(NS.orders, rec.clientOrderId, rec)
    if (adopt) this.follower.follow(rec.clientOrderId)
    else this.follower.cancel(rec.clientOrderId, 'unknown order on the account (reconciliation policy: cancel)')
    return {symbol: o.symbol, kind: 'unknown_order', local: 0, broker: o.qty - o.filledQty, action: adopt ? 'adopt' : 'cancel'}
  }

  private flag(symbol: string, kind: string, detail: string): void {
    this.d.writer.set(NS.flags, `${symbol}:${kind}`, {symbol, kind, detail, at: this.d.ctx.clock.now()})
  }

  /** Symbols with an order of ours not final: their positions are moving. */
  private busySymbols(): Set<string> {
    const out = new Set<string>()
    for (const o of this.d.store.values(NS.orders)) if (!isFinal(o.status)) out.add(o.symbol)
    return out
  }

  private guard(fn: () => void): void {
    unlessStopped(() => this.stopped, fn)
  }
}
