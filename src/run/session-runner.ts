/**
 * The one bar loop of a session. A backtest (venue: the simulated exchange) and a replay (venue: the recording)
 * wire the same pieces here: the recording broker around the venue, the engine's account view, the order
 * gateway, the strategy context, restarts, and what each bar does. The walk over the bar stream on the event loop
 * (due work, clock, settle turns, drain) is bar-walk.ts's, shared with the multi-account run. It only awaits when
 * something asynchronous is due, so a quiet stretch of bars runs as a plain synchronous loop over typed arrays.
 */
import type {Instrument} from '../core/instrument.js'
import {type BarStream, TIMEFRAME_MS} from '../core/market-data.js'
import type {BrokerPort} from '../broker/port.js'
import {type BarClock, type BarWalkVenue, barWalkState, fillBar, reusedBar, walkBars} from '../engine/bar-walk.js'
import {silentLog} from '../engine/engine-log.js'
import type {EventLoop} from '../engine/event-loop.js'
import {Journal} from '../engine/journal.js'
import {MetricsRegistry} from '../engine/metrics.js'
import {RecordingBroker} from '../engine/recording-broker.js'
import type {Strategy} from '../engine/strategy.js'
import type {KernelOptions} from './kernel-options.js'
import {type SessionWiring, wireSession} from './session-wiring.js'
import type {AccountView} from '../engine/account-view.js'
import type {OrderGateway} from '../engine/order-gateway.js'
import type {RiskEngine} from '../risk/risk-engine.js'
import type {AuditTrail} from '../risk/audit-trail.js'
import {START_STATE_RECORD} from './start-state.js'

/** The venue behind the port, plus the hooks the bar loop drives when the venue needs them. */
export interface SessionVenue extends BrokerPort {
  /** A bar reaching the session, before the strategy sees it (a replay counts them); not called with `openBar`. */
  onBar?(sym: number, ts: number, tfMs: number, open: number, high: number, low: number, close: number, volume: number): void
  /** Time-true bars (the simulator): a bar opening now, `openAt` … `closeAt` (see bar-walk.ts BarWalkVenue). */
  openBar?(sym: number, ts: number, tfMs: number, openAt: number, closeAt: number, open: number, high: number, low: number, close: number, volume: number): void
  /** Point `k` of the paths of the bars opened at this instant is reached (1, 2: extremes; 3: close). */
  pathPoint?(k: 1 | 2 | 3): void
  /** After the strategy stopped: deliver what the venue still holds back (delayed events). */
  flushHeld?(): void
}

/** An action on the venue by someone other than the strategy, straight on the port (not through the gateway). */
export interface SessionOutsideAction {
  readonly at: number
  readonly label: string
  readonly run: (venue: BrokerPort) => Promise<unknown>
}

/**
 * What a bar-driven run takes from its caller (a backtest, a scenario, a replay): the kernel's options plus the
 * bars and what happens to the run over time. backtest.ts passes it through as it is.
 */
export interface BarRunOptions extends KernelOptions {
  readonly stream: BarStream
  /** One per stream symbol, in the stream's order. */
  readonly instruments: readonly Instrument[]
  /** Fencing epoch put into client order ids. */
  readonly epoch?: number
  readonly journal?: Journal
  /** Written as the journal's first record (type `session`): what replay needs to rebuild the run. */
  readonly header?: unknown
  readonly onProgress?: (bars: number, ts: number) => void
  readonly progressEvery?: number
  /** In-process restarts at these engine times (see BacktestOptions.restartAt). */
  readonly restartAt?: readonly number[]
  /**
   * Crashes at these engine times: the running instance ends as a killed process leaves it (`dispose` when it has
   * one, never `stop`: no final write) and the next is built from nothing (`rebuild(undefined)`), so it starts from
   * its durable state alone (a strategy with `stateDir`). The simulation tester draws them.
   */
  readonly crashAt?: readonly number[]
  readonly rebuild?: (snapshot: unknown) => Strategy
  readonly outside?: readonly SessionOutsideAction[]
}

/** A bar-driven run on a venue the caller built (the simulator, or the recording in a replay). */
export interface SessionOptions extends BarRunOptions {
  readonly venue: SessionVenue
  /** When bars happen (default: uniform bars of the stream's timeframe; bar-clock.ts for venues with sessions). */
  readonly barClock?: BarClock
  /** The loop the venue schedules on; its clock is the session's clock. */
  readonly loop: EventLoop
  /** Cash the engine's account view starts from (the venue's reports take over from there). */
  readonly initialCash: number
  /** The session seed; the strategy's `ctx.rng` is derived from it. */
  readonly seed: number
  /** Write bar marks (default). A replay does not: its venue writes the recorded ones where they fall. */
  readonly barMarks?: boolean
  /** Called once per bar instant after every bar of that instant (and once more after the drain). */
  readonly onInstant?: (t: number, w: SessionWiring) => void
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

/** Journal record type of a bar mark: `data` is the number of bars processed when the next venue message landed. */
export const BAR_MARK = 'bars'

/** Journal record type of an outside action the venue refused: the venue's answer, so replay delivers it as recorded. */
export const OUTSIDE_FAILED = 'outside_failed'

/** Time allowed after the last bar for in-flight requests and events to land (the walk's, bar-walk.ts). */
export {DRAIN_MS} from '../engine/bar-walk.js'

export async function runSession(opts: SessionOptions): Promise<SessionRun> {
  const {stream, strategy, loop, venue} = opts
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const journal = opts.journal ?? new Journal()
  const log = opts.log ?? silentLog
  if (opts.header !== undefined) journal.append({t: loop.clock.now(), type: 'session', data: opts.header})
  if (opts.startState !== undefined) journal.append({t: loop.clock.now(), type: START_STATE_RECORD, data: opts.startState})
  const w = wireSession({...opts, journal, log, symbols: stream.symbols})
  const {broker, view, gateway, metrics, market, audit, ctx} = w
  // Hand-overs and crashes in one time line: both move the client-order-id epoch on.
  const restarts = [...(opts.restartAt ?? []).map((at) => ({at, crash: false})), ...(opts.crashAt ?? []).map((at) => ({at, crash: true}))].sort((a, b) => a.at - b.at || Number(a.crash) - Number(b.crash))
  const restartAt = restarts.map((r) => r.at)
  if (restartAt.length > 0 && !opts.rebuild) throw new Error('runSession: restartAt needs rebuild (how to build the next strategy instance)')
  for (const a of opts.outside ?? []) {
    loop.schedule(a.at, () => {
      journal.append({t: loop.clock.now(), type: 'outside', data: a.label})
      a.run(venue).catch((err: unknown) => journal.append({t: loop.clock.now(), type: OUTSIDE_FAILED, data: {label: a.label, error: String(err)}}))
    })
  }
  const symbols = stream.symbols
  const walk = barWalkState()
  let marked = -1
  // A venue message received at the time of a bar instant after some of its bars ran (zero latency: an order
  // filled on a bar) is preceded by a bar mark, so replay, where no simulator reacts to bars, delivers it after
  // the same bar. Messages between instants, or at an instant before its first bar, need none.
  if (opts.barMarks !== false) broker.beforeInbound = () => {
    if (walk.bars === marked) return
    const now = loop.clock.now()
    if ((now === walk.instant && walk.bars > walk.instantStart) || now === walk.prevInstant) {
      marked = walk.bars
      journal.append({t: now, type: BAR_MARK, data: walk.bars})
    }
  }
  const bar = reusedBar()
  let onBar = strategy.onBar?.bind(strategy)
  // The simulator sees bars time-true, at their own times, before the strategy; a replay only counts them.
  const pathing: BarWalkVenue | undefined =
    venue.openBar && venue.pathPoint
      ? {
          open: (chunk, i, openAt, closeAt) =>
            venue.openBar!(chunk.symbol[i], chunk.ts[i], tfMs, openAt, closeAt, chunk.open[i], chunk.high[i], chunk.low[i], chunk.close[i], chunk.volume[i]),
          point: (k) => venue.pathPoint!(k),
        }
      : undefined
  const venueBar = pathing ? undefined : venue.onBar?.bind(venue)
  const restartUntil = async (until: number): Promise<void> => {
    while (w.restarts < restartAt.length && restartAt[w.restarts] <= until) {
      const {at, crash} = restarts[w.restarts]
      await loop.runUntil(at)
      loop.clock.advanceTo(Math.max(at, loop.clock.now()))
      let snapshot: unknown
      if (crash) w.current.dispose?.()
      else {
        snapshot = w.current.snapshot?.()
        await w.current.stop?.()
      }
      w.restarts++
      journal.append({t: loop.clock.now(), type: 'restart', data: crash ? {n: w.restarts, epoch: w.epoch + w.restarts, crash: true} : {n: w.restarts, epoch: w.epoch + w.restarts}})
      w.current = opts.rebuild!(snapshot)
      onBar = w.current.onBar?.bind(w.current)
      await w.current.start?.(ctx)
    }
  }

  await walkBars(stream, loop, {
    accounts: 1,
    clock: opts.barClock,
    venue: pathing,
    start: () => strategy.start?.(ctx),
    beginInstant: (end) => (w.restarts < restartAt.length && restartAt[w.restarts] <= end ? restartUntil(end) : undefined),
    endInstant: (t) => w.endInstant(t),
    calls: () => gateway.calls + broker.requestCount,
    bar: (chunk, i, end) => {
      const s = chunk.symbol[i]
      if (market) market.onBar(s, end, chunk.close[i])
      if (venueBar) venueBar(s, chunk.ts[i], tfMs, chunk.open[i], chunk.high[i], chunk.low[i], chunk.close[i], chunk.volume[i])
      if (onBar) return onBar(fillBar(bar, chunk, i, symbols))
    },
    // The strategy stops at the drain's end, not at whatever task ran last (the simulator has tasks of its own
    // that a replay does not), so what it writes on stopping has the same time in both.
    stop: () => w.current.stop?.(),
    flushHeld: () => venue.flushHeld?.(),
    drained: (t) => opts.onInstant?.(t, w),
    onProgress: opts.onProgress,
    progressEvery: opts.progressEvery,
  }, walk)

  const auditUnwritten = audit ? await audit.close(loop.clock.now()) : 0
  return {bars: walk.bars, first: walk.first, lastInstant: walk.instant, journal, broker, view, gateway, strategy: w.current, metrics, risk: w.guard?.engine, audit, auditUnwritten}
}
