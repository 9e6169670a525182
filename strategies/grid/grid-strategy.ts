/**
 * Bybit-style hedge-mode grid on linear perpetuals: a long and a short leg per symbol, each with one reduce-only
 * take-profit at its average ± tpPct and one pending averaging entry a grid step away, sized from a reference
 * quantity table that grows by a multiplier per level, up to maxLevels.
 *
 * Concurrency model: every input (venue event, bar, timer, the answer to one of our own requests) passes through
 * ONE ordered queue per account (`AccountInbox`) and is applied on its own; decisions are taken after each batch
 * from the state alone (`settle` → `reconcile`), never half-way through a request. That is what removes the seed
 * bot's races:
 * - GRID-01: a leg's close starts a cycle; the reopen waits until every pending entry on BOTH legs has ended.
 * - GRID-03: a close that arrives while the periodic sync's queries are in flight is applied at once; the sync's
 *   answer is merged by venue time (a report older than what we know is ignored), there is no "syncing" flag.
 * - GRID-04: an order is in the model (and the gateway's tracker) before its request leaves, so its events find it.
 * - GRID-05: during a restore (start, reconnect) the queue is paused; inputs wait and are applied in order after.
 * - GRID-06: one balance query per operation (entry, averaging, reopen), logged with its context.
 * - GRID-07: a pending entry placed when the market was more than recalcPct away is recalculated near the market.
 * - GRID-08: when both legs are flat the reference quantities are cleared.
 * - GRID-10: emergency stop on the seed's criteria, persisted with the state; no new orders until cleared.
 * - GRID-11: metrics for all of the above.
 *
 * This class is the lifecycle and the queue (start/stop, inputs in, one decision pass per batch); the rest is in
 * parts sharing one runtime (runtime.ts): slots.ts (slot bookkeeping), planner.ts (decisions → intents),
 * orders.ts (sending them), venue-merge.ts (reports), venue-sync.ts (restore and sync), persistence.ts (the state
 * record). hooks.ts names the decisions a test variant may replace.
 */
import {join} from 'node:path'
import type {BrokerEvent} from '../../src/core/events.js'
import type {Bar} from '../../src/core/market-data.js'
import {MetricsRegistry} from '../../src/engine/metrics.js'
import {ConfigError} from '../../src/core/errors.js'
import type {Strategy, StrategyContext, StrategyFigure} from '../../src/engine/strategy.js'
import {GridMetrics} from './grid-metrics.js'
import {type GridOverrides, hooksOf, type LifecyclePolicy} from './hooks.js'
import {AccountInbox, type TraceEntry} from './inbox.js'
import {type Leg, type LegSide, marginOf, newGrid, type Slot, type SymbolGrid} from './model.js'
import {GridOrders} from './orders.js'
import type {GridParams} from './params.js'
import {GridPersistence} from './persistence.js'
import {Planner} from './planner.js'
import {type GridInput, type GridNote, GridRuntime} from './runtime.js'
import {SlotBook} from './slots.js'
import {GRID_STATE_FILE, type GridStateRecord, type StateSink} from './state.js'
import {VenueMerge} from './venue-merge.js'
import {VenueSync} from './venue-sync.js'

export type {GridInput, GridNote} from './runtime.js'

/** A grid set up for what it cannot trade (a netting venue, a non-perpetual): one line for the user. */
export class GridConfigError extends ConfigError {
  override readonly name = 'GridConfigError'
}

export interface GridOptions {
  /** State of a previous session (the last 'grid_state' record), for a restart. */
  readonly restoreFrom?: GridStateRecord
  /** Where state records go (default: the run journal, as checkpoints and changes). */
  readonly sink?: StateSink
  /** Keep a trace of applied inputs and notable decisions (tests). */
  readonly trace?: boolean
  /** Replacements for some of the grid's decisions (test variants only: see hooks.ts). Called once, at construction. */
  readonly overrides?: (rt: GridRuntime) => GridOverrides
}

export class GridStrategy implements Strategy {
  readonly name = 'grid'
  private readonly rt: GridRuntime
  /** Inputs were applied since the last decision pass, and whether a pass is already scheduled. */
  private needDecision = false
  private decisionPending = false

  constructor(readonly params: GridParams, private readonly opts: GridOptions = {}) {
    const rt = new GridRuntime(params, !!opts.trace)
    const lifecycle: LifecyclePolicy = {receive: (e) => this.receive(e), newGrid: (inst) => newGrid(inst), onEmergency: (r) => this.onEmergency(r)}
    rt.parts = {slots: new SlotBook(rt), planner: new Planner(rt), orders: new GridOrders(rt), merge: new VenueMerge(rt), sync: new VenueSync(rt), store: new GridPersistence(rt, opts.sink), lifecycle}
    rt.hooks = hooksOf(rt, opts.overrides?.(rt))
    this.rt = rt
  }

  // ---------------------------------------------------------------- lifecycle

  start(ctx: StrategyContext): void {
    const rt = this.rt
    rt.ctx = ctx
    rt.metrics = new GridMetrics(ctx.metrics ?? new MetricsRegistry())
    const file = rt.parts.store.open(ctx)
    for (const symbol of this.params.symbols ?? ctx.symbols) {
      if (!ctx.symbols.includes(symbol)) throw new GridConfigError(`grid symbol ${symbol} is not part of this run (${ctx.symbols.join(', ')}); fix params.symbols or --symbols`)
      const inst = ctx.instrument(symbol)
      if (inst.contract !== 'linear_perpetual') throw new GridConfigError(`grid symbol ${symbol} is ${inst.contract}, not a linear perpetual; the grid trades perpetuals in hedge mode — use Bybit perpetual data`)
      // One line naming the setting and its fix (the CLI prints it and exits 2).
      if ((ctx.broker.positionModeOf?.(symbol) ?? ctx.broker.positionMode) !== 'hedge') {
        throw new GridConfigError(`the grid needs hedge mode (a long and a short leg per symbol), but ${symbol} on ${ctx.broker.venue} is in one-way mode; set --position-mode hedge (or positionMode: hedge in the sim settings / fleet account)`)
      }
      const g = rt.hooks.lifecycle.newGrid(inst)
      rt.grids.push(g)
      rt.bySymbol.set(symbol, g)
    }
    rt.gridByIndex = ctx.symbols.map((s) => rt.bySymbol.get(s))
    rt.inbox = new AccountInbox<GridInput>(
      () => ctx.clock.now(),
      (input) => this.apply(input),
      () => this.settle(),
      (err, input) => rt.handlerError(err, input),
      {trace: this.opts.trace},
    )
    const restoreFrom = this.opts.restoreFrom ?? file?.read()
    if (file) ctx.record('grid_state_recovered', {path: join(this.params.stateDir!, GRID_STATE_FILE), t: restoreFrom?.t ?? null})
    if (restoreFrom) rt.hooks.persistence.load(restoreFrom)
    if (this.params.clearEmergencyStop && rt.emergency.active) this.clearEmergencyStop('the clearEmergencyStop parameter')
    rt.metrics.stopped.set(rt.emergency.active ? 1 : 0)
    if (rt.emergency.active) ctx.log.error(`grid: starting under a persisted EMERGENCY STOP (${rt.emergency.reason}); no new orders until it is cleared`)
    rt.timers.push(ctx.scheduler.every(this.params.syncIntervalMs, () => rt.post('sync', () => rt.parts.sync.sync())))
    rt.hooks.sync.restore('start')
  }

  onBar(bar: Bar): void {
    const g = this.rt.gridByIndex[bar.index]
    if (!g || this.rt.dead) return
    // Public data: the mark is taken at once; decisions wait their turn in the queue.
    g.mark = bar.close
    this.rt.inbox.push({label: 'bar', grid: g})
  }

  onEvent(event: BrokerEvent): void {
    this.rt.hooks.lifecycle.receive(event)
  }

  private receive(event: BrokerEvent): void {
    const rt = this.rt
    if (rt.dead || !rt.inbox) return
    // Noted on arrival, even while a restore holds the queue: the state must not lose a fill the session received.
    if (event.kind === 'execution') rt.hooks.persistence.noteExecution(event.fill)
    rt.inbox.push({label: `event:${event.kind}`, event})
  }

  /** Writes the final state and goes quiet: no timer, input or later answer of this instance acts afterwards. */
  stop(): void {
    const rt = this.rt
    rt.stopped = true
    for (const t of rt.timers) t.cancel()
    rt.hooks.persistence.persist()
    rt.dead = true
    rt.inbox?.pause()
  }

  /** Records offered to the state writer and written by it (GRID-02 checks). */
  get saves(): {offered: number; written: number; failed: number} {
    const w = this.rt.parts.store.writer
    return {offered: w?.offered ?? 0, written: w?.writes ?? 0, failed: w?.failures ?? 0}
  }

  /**
   * What a restarted instance starts from: the whole current state, written first like any change. Not the last
   * record written: a submission since then would be missing, and the next instance would reuse its order number
   * under the new epoch — two venue orders for one decision (simtest seed 50584).
   */
  snapshot(): GridStateRecord | undefined {
    const writer = this.rt.parts.store.writer
    if (!writer) return undefined
    if (this.rt.dead) return writer.lastWritten
    const record = this.stateRecord()
    writer.save(record)
    return record
  }

  /** The whole current state as one record (what `persist` hands to the writer). */
  stateRecord(): GridStateRecord {
    return this.rt.hooks.persistence.stateRecord()
  }

  /** Ends this instance as a crash would (tests of a restart in one process): no further input, timer or write. */
  dispose(): void {
    const rt = this.rt
    rt.dead = true
    for (const t of rt.timers) t.cancel()
    rt.inbox?.pause()
  }

  /** Clears an emergency stop (refused after repeated stops within the hour). */
  clearEmergencyStop(by: string): {ok: boolean; reason?: string} {
    const rt = this.rt
    const out = rt.emergency.clear(rt.ctx.clock.now())
    if (out.ok) {
      rt.ctx.log.warn(`grid: emergency stop cleared by ${by}; trading resumes`)
      rt.ctx.record('grid_emergency_cleared', {by})
      rt.metrics?.stopped.set(0)
      rt.dirty = true
      rt.note('emergency_cleared', {by})
      if (rt.inbox && !rt.inbox.isPaused) rt.post('cleared', () => {})
      return {ok: true}
    }
    rt.ctx.log.error(`grid: emergency stop NOT cleared: ${out.reason}`)
    return out
  }

  figures(): readonly StrategyFigure[] {
    if (!this.rt.metrics) return []
    const m = this.rt.metrics
    const ms = (h: {count: number; mean: number; max: number}): string => (h.count === 0 ? '-' : `${h.mean.toFixed(0)} / ${h.max.toFixed(0)} (${h.count})`)
    const maxLevel = Math.max(-1, ...this.rt.grids.map((g) => g.maxLevel))
    const quote = this.rt.grids[0]?.inst.quoteCurrency ?? ''
    return [
      {label: 'TP cycles', value: m.cycles.value},
      {label: 'Max levels used', value: maxLevel < 0 ? '0' : `${maxLevel + 1} (opening + ${maxLevel} averaging)`},
      {label: 'Max margin used', value: `${m.maxMargin.value.toFixed(2)} ${quote}`},
      {label: 'TP close → processed, ms (mean / max (n))', value: ms(m.tpCloseLatency)},
      {label: 'TP close → reopen at venue, ms (mean / max (n))', value: ms(m.reopenLatency)},
      {label: 'Orphan orders cancelled', value: m.orphans.value},
      {label: 'Resync loops', value: m.resyncLoops.value},
      {label: 'Restores / syncs / adoptions', value: `${m.restores.value} / ${m.syncs.value} / ${m.adoptions.value}`},
      {label: 'Balance API calls', value: m.balanceCalls.value},
      {label: 'Pending recalculations', value: m.recalculations.value},
      {label: 'Reference-qty clears', value: m.refClears.value},
      {label: 'Emergency stops', value: m.emergencyStops.value},
    ]
  }

  // ---------------------------------------------------------------- inspection (tests, status)

  legOf(symbol: string, side: LegSide): Readonly<Leg> | undefined {
    return this.rt.bySymbol.get(symbol)?.legs[side]
  }

  gridOf(symbol: string): Readonly<SymbolGrid> | undefined {
    return this.rt.bySymbol.get(symbol)
  }

  get emergencyActive(): boolean {
    return this.rt.emergency.active
  }

  get trace(): readonly TraceEntry[] {
    return this.rt.inbox?.trace ?? []
  }

  get noted(): readonly GridNote[] {
    return this.rt.notes ?? []
  }

  /** Sizes of every collection the grid keeps, for long-run checks: all must stay bounded. */
  footprint(): Record<string, number> {
    const {rt} = this
    const {slots, planner, merge, sync, store} = rt.parts
    return {
      slots: slots.live.size,
      finished: slots.finished.size,
      timers: rt.timers.length,
      confirming: sync.confirming.size,
      rechecking: sync.rechecking.size,
      marginChecked: planner.keptChecks,
      orphanCancels: merge.orphanCancels.size,
      unreported: [...store.unreported.values()].reduce((n, l) => n + l.length, 0),
      inbox: rt.inbox?.waiting ?? 0,
      refs: rt.grids.reduce((n, g) => n + g.refs.length, 0),
      emergencyHistory: rt.emergency.toRecord().stops.length + rt.emergency.toRecord().disconnects.length,
    }
  }

  liveSlots(): Slot[] {
    return [...this.rt.parts.slots.live.values()].map((r) => r.slot)
  }

  // ---------------------------------------------------------------- the queue

  private apply(input: GridInput): void {
    const rt = this.rt
    if (rt.dead) return
    if (input.label !== 'decide') this.needDecision = true
    if (input.event) {
      rt.dirty = true
      this.onVenueEvent(input.event)
    } else if (input.grid) {
      this.onBarInput(input.grid)
    } else if (input.run) {
      rt.dirty = true
      input.run()
    }
  }

  /**
   * After a batch of inputs: the state is persisted, and one decision pass is scheduled at the same virtual instant.
   * It runs after every input already due at that instant (two closes reported together are both applied before
   * anything is decided), and before time moves on.
   */
  private settle(): void {
    const rt = this.rt
    if (rt.dead) return
    if (this.needDecision && !this.decisionPending) {
      this.decisionPending = true
      rt.ctx.scheduler.at(rt.ctx.clock.now(), () => rt.post('decide', () => this.decide()))
    }
    this.needDecision = false
    if (rt.dirty) {
      rt.dirty = false
      rt.hooks.persistence.persist()
    }
  }

  private decide(): void {
    const rt = this.rt
    this.decisionPending = false
    if (rt.stopped || rt.restoring) return
    // An emergency stop cancels pending entries at once: cancels go over REST, which works while the stream is down.
    if (rt.streamDown) {
      if (rt.emergency.active) for (const g of rt.grids) rt.parts.planner.cancelEntries(g, 'emergency stop')
      return
    }
    for (const g of rt.grids) rt.parts.planner.reconcile(g)
  }

  // ---------------------------------------------------------------- inputs

  private onVenueEvent(e: BrokerEvent): void {
    const rt = this.rt
    switch (e.kind) {
      case 'order':
        rt.parts.merge.onOrderReport(e.order, 'event')
        break
      case 'position': {
        const g = rt.bySymbol.get(e.position.symbol)
        const side = e.position.side
        if (g && (side === 'long' || side === 'short')) rt.hooks.merge.onPositionReport(g, g.legs[side], e.position.qty, e.position.avgPrice, e.position.ts, 'event')
        break
      }
      case 'connection':
        if (e.status === 'disconnected') this.onDisconnected(e.ts)
        else this.onConnected(e.ts)
        break
      default:
        break
    }
  }

  private onBarInput(g: SymbolGrid): void {
    let total = 0
    for (const x of this.rt.grids) if (x.mark > 0) total += marginOf(x, x.mark)
    const own = marginOf(g, g.mark)
    if (own > g.maxMargin) g.maxMargin = own
    this.rt.metrics.maxMargin.max(total)
    this.checkEquity()
  }

  /** Equity = wallet (last account report) + unrealised PnL of the legs at their marks. */
  private checkEquity(): void {
    let unrealized = 0
    for (const g of this.rt.grids) {
      if (!(g.mark > 0)) return
      const {long, short} = g.legs
      unrealized += long.size * (g.mark - long.avg) + short.size * (short.avg - g.mark)
    }
    const reason = this.rt.emergency.checkEquity(this.rt.ctx.account.cash + unrealized, this.rt.ctx.clock.now())
    if (reason) this.rt.hooks.lifecycle.onEmergency(reason)
  }

  private onDisconnected(ts: number): void {
    const rt = this.rt
    rt.streamDown = true
    rt.disconnectedAt = ts
    rt.ctx.log.warn(`grid: event stream disconnected at ${ts}; no decisions until it is back and the state is restored`)
    const reason = rt.emergency.disconnected(rt.ctx.clock.now())
    if (reason) rt.hooks.lifecycle.onEmergency(reason)
  }

  private onConnected(ts: number): void {
    this.rt.ctx.log.info(`grid: event stream reconnected at ${ts}; restoring the state from the venue`)
    this.rt.hooks.sync.restore('reconnect')
  }

  private onEmergency(reason: string): void {
    const rt = this.rt
    rt.metrics.emergencyStops.inc()
    rt.metrics.stopped.set(1)
    rt.dirty = true
    rt.ctx.log.error(`grid: EMERGENCY STOP: ${reason}. No new orders until the stop is cleared (clearEmergencyStop); pending entries are cancelled, take-profits stay`, {reason})
    rt.ctx.record('grid_emergency_stop', {reason})
    rt.note('emergency', {reason})
  }
}
