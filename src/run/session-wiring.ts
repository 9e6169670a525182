/**
 * The pieces every session wires around its venue, whatever drives it: the recording broker, the engine's account
 * view, the pre-trade pipeline (shutdown, audit trail, risk: composed once, pre-trade-stages.ts) and the order
 * gateway it is given to, the kill switch, and the strategy context (strategy-context.ts). Every mode builds its
 * sessions here — the backtest/replay bar loop (session-runner.ts), the live session (live/live-session.ts) and
 * each account of the multi-account run (multi-account.ts) — so a strategy meets the same context in every mode.
 */
import type {Instrument} from '../core/instrument.js'
import {clientOrderId} from '../core/ids.js'
import type {BrokerEvent} from '../core/events.js'
import type {BrokerPort} from '../broker/port.js'
import {AccountView} from '../engine/account-view.js'
import {silentLog} from '../engine/engine-log.js'
import type {EventLoop} from '../engine/event-loop.js'
import type {Journal} from '../engine/journal.js'
import type {KernelOptions} from './kernel-options.js'
import {type Labels, MetricsRegistry} from '../engine/metrics.js'
import {OrderGateway} from '../engine/order-gateway.js'
import {composePreTrade, type ShutdownGate} from './pre-trade-stages.js'
import {RecordingBroker} from '../engine/recording-broker.js'
import type {Scheduler} from '../core/time/scheduler.js'
import type {Strategy, StrategyContext} from '../engine/strategy.js'
import {strategyContext} from '../engine/strategy-context.js'
import {MarketTracker} from '../risk/market-tracker.js'
import {RiskEngine} from '../risk/risk-engine.js'
import {RiskGuard} from '../risk/risk-guard.js'
import {reduces} from '../risk/risk-engine.js'
import {nextWindowEnd, withinSchedule} from '../risk/trading-hours.js'
import type {AuditTrail} from '../risk/audit-trail.js'

export type {SessionRisk} from './kernel-options.js'

export interface WiringOptions extends KernelOptions {
  readonly venue: BrokerPort
  readonly loop: EventLoop
  readonly symbols: readonly string[]
  readonly instruments: readonly Instrument[]
  readonly initialCash: number
  readonly seed: number
  readonly epoch?: number
  readonly journal: Journal
  /** After every bar instant, with the session's wiring (the backtest records its trades from it). */
  readonly onInstant?: (t: number, w: SessionWiring) => void
  /**
   * Hold venue events from the start (journaled as they arrive, applied to nothing) until `releaseEvents`: a live
   * session's start-up reconcile takes the venue's snapshot first, then settles what arrived meanwhile.
   */
  readonly holdEvents?: boolean
  /** A graceful shutdown's switch (live sessions): the pipeline's first stage refuses new entries once it closes. */
  readonly shutdown?: ShutdownGate
  /** The strategy's timers (default: the loop); the multi-account run gives each account a guarded one. */
  readonly scheduler?: Scheduler
  /** Labels the strategy's metrics carry (the multi-account run: its account), over the same registry. */
  readonly metricLabels?: Labels
  /**
   * Runs the strategy's event handler (default: straight, a rejected promise is logged); the multi-account run
   * keeps a throw inside the account.
   */
  readonly isolate?: (where: 'onEvent', fn: () => void | Promise<void>) => void
}

export interface SessionWiring {
  readonly broker: RecordingBroker
  readonly view: AccountView
  readonly gateway: OrderGateway
  readonly ctx: StrategyContext
  readonly metrics: MetricsRegistry
  readonly guard: RiskGuard | undefined
  /** Last data per symbol (staleness), when risk is on. */
  readonly market: MarketTracker | undefined
  readonly audit: AuditTrail | undefined
  /** The strategy instance events and bars go to; replaced on an in-process restart. */
  current: Strategy
  /** In-process restarts so far; each moves the client-order-id epoch on by one. */
  restarts: number
  readonly epoch: number
  /** After every bar of an instant: the kill switch looks at equity, the audit trail retries, `onInstant` runs. */
  endInstant(t: number): void
  /** Events held so far (see WiringOptions.holdEvents), in arrival order; holding goes on. */
  takeHeld(): BrokerEvent[]
  /** Stops holding: events from now on are applied and reach the strategy. */
  releaseEvents(): void
}

export function wireSession(opts: WiringOptions): SessionWiring {
  const {venue, loop, journal} = opts
  const log = opts.log ?? silentLog
  const broker = new RecordingBroker(venue, journal, loop.clock)
  const view = new AccountView(opts.initialCash)
  // Every amend reaches the tracker, the gateway's and any sent straight on the port: an amended order's fills are
  // measured against its new quantity, also when the venue's report of the amend is lost.
  broker.onAmend = (ref, changes, stage) => {
    if (stage === 'sent') view.orders.amendSent(ref, changes, loop.clock.now())
    else if (stage === 'ok') view.orders.amended(ref, changes)
    else if (stage === 'refused') view.orders.amendRefused(ref)
  }
  const epoch = opts.epoch ?? 1
  const bySymbol = new Map(opts.instruments.map((i) => [i.symbol, i]))
  const metrics = opts.metrics ?? new MetricsRegistry()
  const instrumentOf = (s: string): Instrument => {
    const i = bySymbol.get(s)
    if (!i) throw new Error(`symbol ${s} is not part of this run`)
    return i
  }
  const market = opts.risk ? new MarketTracker(opts.symbols) : undefined
  const guard = opts.risk && market ? new RiskGuard(new RiskEngine(opts.risk.limits, opts.risk.kill, opts.risk.cooldowns), view, market, loop.clock, instrumentOf) : undefined
  const audit = opts.audit
  const preTrade = composePreTrade({view, clock: loop.clock, shutdown: opts.shutdown, audit, risk: guard})
  const gateway = new OrderGateway(broker, view, loop.clock, journal, preTrade)

  const ctx: StrategyContext = strategyContext({
    clock: loop.clock,
    scheduler: opts.scheduler ?? loop,
    seed: opts.seed,
    broker,
    gateway,
    view,
    symbols: opts.symbols,
    instrument: instrumentOf,
    log,
    journal,
    metrics: opts.metricLabels ? metrics.scoped(opts.metricLabels) : metrics,
    stateDir: opts.stateDir ?? ((dir) => dir),
    idScope: () => ({scope: w.current.name, epoch: epoch + w.restarts}),
  })
  const w: SessionWiring = {
    broker, view, gateway, metrics, guard, market, audit, epoch, ctx,
    current: opts.strategy,
    restarts: 0,
    endInstant(t: number): void {
      if (guard) watchRisk(t)
      if (guard?.engine.limits.schedule && !windowTimer) armWindowEnd(t)
      if (audit) audit.tick(t)
      opts.onInstant?.(t, w)
    },
    takeHeld(): BrokerEvent[] {
      const out = held ?? []
      if (held) held = []
      return out
    },
    releaseEvents(): void {
      held = undefined
    },
  }
  let held: BrokerEvent[] | undefined = opts.holdEvents ? [] : undefined

  /** Once per bar instant: the kill switch looks at equity; on tripping it journals, and flattens by policy. */
  const watchRisk = (t: number): void => {
    if (!guard?.observeEquity()) return
    const kill = guard.engine.kill
    journal.append({t, type: 'kill_switch', data: {reason: kill.reason, policy: guard.engine.limits.killPolicy}})
    opts.risk?.onKill?.({...kill})
    log.error('kill switch engaged', {reason: kill.reason})
    if (guard.engine.limits.killPolicy !== 'flatten') return
    const ids = (symbol: string, leg: string): string => clientOrderId({scope: w.current.name, key: `${symbol}${t}`, leg, epoch: epoch + w.restarts})
    for (const req of guard.flattenOrders(ids)) void gateway.submit(req, {reason: 'kill_switch'})
  }

  /**
   * Trading hours: at each window end, working entry orders are cancelled (positions and exit orders stay). The
   * timer is armed from the first bar instant on, and again after each end; a session that starts outside the
   * window cancels the entries it found open.
   */
  let windowTimer: {cancel(): void} | undefined
  const armWindowEnd = (t: number, first = true): void => {
    const schedule = guard!.engine.limits.schedule!
    if (first && !withinSchedule(schedule, t)) cancelEntries(t)
    const end = nextWindowEnd(schedule, t)
    if (Number.isFinite(end)) {
      windowTimer = loop.at(end, () => {
        cancelEntries(loop.clock.now())
        armWindowEnd(loop.clock.now(), false)
      })
    }
  }
  const cancelEntries = (t: number): void => {
    const ids: string[] = []
    for (const o of view.orders.openOrders()) {
      if (!reduces(o.request, view.positions.qty(o.request.symbol, o.request.positionSide ?? 'net'))) ids.push(o.request.clientOrderId)
    }
    if (ids.length === 0) return
    journal.append({t, type: 'schedule_close', data: {cancel: ids}})
    for (const clientOrderId of ids) void gateway.cancel({clientOrderId})
  }

  /** Cooldowns: a position (net, or one leg in hedge mode) closed or reversed by an execution starts its symbol's. */
  const watchClose = (event: BrokerEvent, apply: () => void): void => {
    if (!guard || event.kind !== 'execution' || !guard.engine.limits.cooldownMs) return apply()
    const f = event.fill
    const before = view.positions.qty(f.symbol, f.positionSide)
    apply()
    const after = view.positions.qty(f.symbol, f.positionSide)
    if (before === 0 || (after !== 0 && Math.sign(after) === Math.sign(before))) return
    const now = loop.clock.now()
    const until = guard.engine.startCooldown(f.symbol, now)
    if (until === undefined) return
    journal.append({t: now, type: 'cooldown', data: {symbol: f.symbol, until}})
    opts.risk?.onCooldown?.(guard.engine.activeCooldowns(now))
  }

  broker.subscribe((event) => {
    if (held) {
      held.push(event)
      return
    }
    watchClose(event, () => view.apply(event, loop.clock.now()))
    if (audit) {
      if (event.kind === 'order') audit.order(loop.clock.now(), event.order)
      else if (event.kind === 'execution') audit.fill(loop.clock.now(), event.fill)
    }
    if (opts.isolate) {
      const strategy = w.current
      opts.isolate('onEvent', () => strategy.onEvent?.(event))
      return
    }
    const r = w.current.onEvent?.(event)
    if (r) {
      loop.markAsync()
      r.catch((err) => log.error('strategy event handler failed', {error: String(err)}))
    }
  })

  return w
}
