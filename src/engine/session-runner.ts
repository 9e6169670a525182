/**
 * The one bar loop of a session. A backtest (venue: the simulated exchange) and a replay (venue: the recording)
 * wire the same pieces here: the recording broker around the venue, the engine's account view, the order
 * gateway, the strategy context, restarts, and the walk over the bar stream on the event loop. The loop only
 * awaits when something asynchronous is due, so a quiet stretch of bars runs as a plain synchronous loop over
 * typed arrays.
 */
import type {Instrument} from '../core/instrument.js'
import {type Bar, type BarStream, TIMEFRAME_MS} from '../core/market-data.js'
import {Rng} from '../core/rng.js'
import {clientOrderId} from '../core/ids.js'
import type {BrokerPort} from '../broker/port.js'
import {AccountView} from './account-view.js'
import {type EngineLog, silentLog} from './engine-log.js'
import type {EventLoop} from './event-loop.js'
import {Journal} from './journal.js'
import {MetricsRegistry} from './metrics.js'
import {OrderGateway} from './order-gateway.js'
import {RecordingBroker} from './recording-broker.js'
import type {Strategy, StrategyContext} from './strategy.js'
import {MarketTracker} from '../risk/market-tracker.js'
import {type KillSwitch, RiskEngine, type RiskLimits} from '../risk/risk-engine.js'
import {RiskGuard} from '../risk/risk-guard.js'
import {reduces} from '../risk/risk-engine.js'
import type {AuditTrail} from '../risk/audit-trail.js'

/** The venue behind the port, plus the hooks the bar loop drives when the venue needs them. */
export interface SessionVenue extends BrokerPort {
  /** One closed bar reaching the venue (the simulator matches resting orders on it). */
  onBar?(sym: number, ts: number, tfMs: number, open: number, high: number, low: number, close: number, volume: number): void
  /** After the strategy stopped: deliver what the venue still holds back (delayed events). */
  flushHeld?(): void
}

/** An action on the venue by someone other than the strategy, straight on the port (not through the gateway). */
export interface SessionOutsideAction {
  readonly at: number
  readonly label: string
  readonly run: (venue: BrokerPort) => Promise<unknown>
}

export interface SessionOptions {
  readonly stream: BarStream
  /** One per stream symbol, in the stream's order. */
  readonly instruments: readonly Instrument[]
  readonly venue: SessionVenue
  /** The loop the venue schedules on; its clock is the session's clock. */
  readonly loop: EventLoop
  readonly strategy: Strategy
  /** Cash the engine's account view starts from (the venue's reports take over from there). */
  readonly initialCash: number
  /** The session seed; the strategy's `ctx.rng` is derived from it. */
  readonly seed: number
  /** Fencing epoch put into client order ids. */
  readonly epoch?: number
  readonly journal?: Journal
  /** Written as the journal's first record (type `session`): what replay needs to rebuild the run. */
  readonly header?: unknown
  readonly log?: EngineLog
  readonly onProgress?: (bars: number, ts: number) => void
  readonly progressEvery?: number
  readonly metrics?: MetricsRegistry
  /** In-process restarts at these engine times (see BacktestOptions.restartAt). */
  readonly restartAt?: readonly number[]
  readonly rebuild?: (snapshot: unknown) => Strategy
  readonly outside?: readonly SessionOutsideAction[]
  /** Called once per bar instant after every bar of that instant (and once more after the drain). */
  readonly onInstant?: (t: number) => void
  /**
   * Pre-trade risk: every order passes the risk engine before the port, and the kill switch watches equity at
   * every bar instant. Off when absent. `kill` is the persisted kill-switch state to start from.
   */
  readonly risk?: {
    readonly limits: Partial<RiskLimits>
    readonly kill?: KillSwitch
    /** Called when the kill switch trips, to persist it (e.g. `<state>/<account>.risk.json`). */
    readonly onKill?: (kill: KillSwitch) => void
  }
  /**
   * The audit trail (RISK-04): every order and fill written as it happens; while it cannot be written, new entries
   * are refused before the port (`audit_unavailable`), exits still go out, and the write is retried each instant.
   */
  readonly audit?: AuditTrail
}

export interface SessionRun {
  readonly bars: number
  /** Open time of the first bar (NaN without bars). */
  readonly first: number
  /** Close time of the last bar instant (-Infinity without bars). */
  readonly lastInstant: number
  readonly journal: Journal
  readonly broker: RecordingBroker
  readonly view: AccountView
  readonly gateway: OrderGateway
  /** The strategy instance running at the end (the last one built after restarts). */
  readonly strategy: Strategy
  readonly metrics: MetricsRegistry
  /** The risk engine (rejections by code, kill-switch state), when risk was on. */
  readonly risk: RiskEngine | undefined
  /** The audit trail, when on (outages, retries, lines still unwritten after close). */
  readonly audit: AuditTrail | undefined
  /** Audit lines that could not be written by the end of the session (0 when complete or off). */
  readonly auditUnwritten: number
}

/** Time allowed after the last bar for in-flight requests and events to land. */
export const DRAIN_MS = 60_000

export async function runSession(opts: SessionOptions): Promise<SessionRun> {
  const {stream, instruments, strategy, loop, venue} = opts
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const journal = opts.journal ?? new Journal()
  const log = opts.log ?? silentLog
  if (opts.header !== undefined) journal.append({t: loop.clock.now(), type: 'session', data: opts.header})
  const broker = new RecordingBroker(venue, journal, loop.clock)
  const view = new AccountView(opts.initialCash)
  const gateway = new OrderGateway(broker, view, loop.clock, journal)
  const epoch = opts.epoch ?? 1
  const rng = new Rng(opts.seed).fork(7)
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]))
  const metrics = opts.metrics ?? new MetricsRegistry()
  const restartAt = [...(opts.restartAt ?? [])].sort((a, b) => a - b)
  if (restartAt.length > 0 && !opts.rebuild) throw new Error('runSession: restartAt needs rebuild (how to build the next strategy instance)')
  const onInstant = opts.onInstant
  let restarts = 0
  let current: Strategy = strategy
  for (const a of opts.outside ?? []) {
    loop.schedule(a.at, () => {
      journal.append({t: loop.clock.now(), type: 'outside', data: a.label})
      a.run(venue).catch((err: unknown) => journal.append({t: loop.clock.now(), type: 'outside_failed', data: {label: a.label, error: String(err)}}))
    })
  }

  const instrumentOf = (s: string): Instrument => {
    const i = bySymbol.get(s)
    if (!i) throw new Error(`symbol ${s} is not part of this run`)
    return i
  }
  const market = opts.risk ? new MarketTracker(stream.symbols) : undefined
  const guard = opts.risk && market ? new RiskGuard(new RiskEngine(opts.risk.limits, opts.risk.kill), view, market, loop.clock, instrumentOf) : undefined
  if (guard) gateway.preTrade = (req) => guard.check(req)
  const audit = opts.audit
  if (audit) {
    const riskCheck = gateway.preTrade
    // Entries go out only once their intent is on the trail; exits go out regardless (their line waits if need be).
    gateway.preTrade = (req) => {
      const t = loop.clock.now()
      const exit = reduces(req, view.positions.qty(req.symbol, req.positionSide ?? 'net'))
      if (!exit && !audit.available) {
        audit.refused(t, req, 'audit_unavailable')
        return {ok: false, code: 'audit_unavailable', reason: `audit trail ${audit.dir} cannot be written; new entries are paused until it can`}
      }
      const d = riskCheck ? riskCheck(req) : ({ok: true} as const)
      if (!d.ok) {
        audit.refused(t, req, d.code)
        return d
      }
      if (exit) audit.intent(t, req, undefined)
      else if (!audit.tryIntent(t, req, undefined)) {
        return {ok: false, code: 'audit_unavailable', reason: `audit trail ${audit.dir} cannot be written; new entries are paused until it can`}
      }
      return d
    }
  }
  /** Once per bar instant: the kill switch looks at equity; on tripping it journals, and flattens by policy. */
  const watchRisk = (t: number): void => {
    if (!guard?.observeEquity()) return
    const kill = guard.engine.kill
    journal.append({t, type: 'kill_switch', data: {reason: kill.reason, policy: guard.engine.limits.killPolicy}})
    opts.risk?.onKill?.({...kill})
    log.error('kill switch engaged', {reason: kill.reason})
    if (guard.engine.limits.killPolicy !== 'flatten') return
    const ids = (symbol: string, leg: string): string => clientOrderId({scope: current.name, key: `${symbol}${t}`, leg, epoch: epoch + restarts})
    for (const req of guard.flattenOrders(ids)) void gateway.submit(req, {reason: 'kill_switch'})
  }

  broker.subscribe((event) => {
    view.apply(event, loop.clock.now())
    if (audit) {
      if (event.kind === 'order') audit.order(loop.clock.now(), event.order)
      else if (event.kind === 'execution') audit.fill(loop.clock.now(), event.fill)
    }
    const r = current.onEvent?.(event)
    if (r) {
      loop.markAsync()
      r.catch((err) => log.error('strategy event handler failed', {error: String(err)}))
    }
  })

  const ctx: StrategyContext = {
    clock: loop.clock,
    scheduler: loop,
    rng,
    broker,
    orders: gateway,
    account: view,
    symbols: stream.symbols,
    log,
    instrument: instrumentOf,
    clientOrderId: (key, leg) => clientOrderId({scope: current.name, key, leg, epoch: epoch + restarts}),
    record: (type, data) => journal.append({t: loop.clock.now(), type, data}),
    metrics,
  }

  const symbols = stream.symbols
  const bar = {symbol: '', index: 0, ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0} satisfies Bar as {
    -readonly [K in keyof Bar]: Bar[K]
  }
  let onBar = strategy.onBar?.bind(strategy)
  const venueBar = venue.onBar?.bind(venue)
  const progressEvery = opts.progressEvery ?? 1_000_000
  let bars = 0
  let first = NaN
  let lastInstant = -Infinity
  let started = false
  const restartUntil = async (until: number): Promise<void> => {
    while (restarts < restartAt.length && restartAt[restarts] <= until) {
      const at = restartAt[restarts]
      await loop.runUntil(at)
      loop.clock.advanceTo(Math.max(at, loop.clock.now()))
      const snapshot = current.snapshot?.()
      await current.stop?.()
      restarts++
      journal.append({t: loop.clock.now(), type: 'restart', data: {n: restarts, epoch: epoch + restarts}})
      current = opts.rebuild!(snapshot)
      onBar = current.onBar?.bind(current)
      await current.start?.(ctx)
    }
  }

  // The next chunks are requested before the current one is processed, so DuckDB reads while the engine runs.
  const chunks = stream[Symbol.asyncIterator]()
  const ahead = [chunks.next(), chunks.next()]
  for (;;) {
    const step = await ahead.shift()!
    if (step.done) break
    ahead.push(chunks.next())
    const {length, symbol, ts, open, high, low, close, volume} = step.value
    for (let i = 0; i < length; i++) {
      const t = ts[i]
      const end = t + tfMs
      if (!started) {
        started = true
        first = t
        loop.clock.advanceTo(t)
        await strategy.start?.(ctx)
        await loop.runUntil(t)
      }
      if (end !== lastInstant) {
        if (lastInstant > -Infinity) {
          if (guard) watchRisk(lastInstant)
          if (audit) audit.tick(lastInstant)
          if (onInstant) onInstant(lastInstant)
        }
        lastInstant = end
      }
      if (restarts < restartAt.length && restartAt[restarts] <= end) await restartUntil(end)
      if (loop.nextTime <= end) await loop.runUntil(end)
      loop.clock.advanceTo(end)
      const s = symbol[i]
      if (market) market.onBar(s, end, close[i])
      if (venueBar) venueBar(s, t, tfMs, open[i], high[i], low[i], close[i], volume[i])
      if (onBar) {
        bar.symbol = symbols[s]
        bar.index = s
        bar.ts = t
        bar.open = open[i]
        bar.high = high[i]
        bar.low = low[i]
        bar.close = close[i]
        bar.volume = volume[i]
        const r = onBar(bar)
        if (r) await r
      }
      if (++bars % progressEvery === 0) opts.onProgress?.(bars, t)
    }
  }

  if (started) {
    await loop.runUntil(lastInstant + DRAIN_MS)
    await current.stop?.()
    venue.flushHeld?.()
    await loop.runUntil(loop.clock.now() + DRAIN_MS)
    if (onInstant) onInstant(lastInstant)
  }

  const auditUnwritten = audit ? await audit.close(loop.clock.now()) : 0
  return {bars, first, lastInstant, journal, broker, view, gateway, strategy: current, metrics, risk: guard?.engine, audit, auditUnwritten}
}
