/**
 * The one bar loop of a session. A backtest (venue: the simulated exchange) and a replay (venue: the recording)
 * wire the same pieces here: the recording broker around the venue, the engine's account view, the order
 * gateway, the strategy context, restarts, and the walk over the bar stream on the event loop. The loop only
 * awaits when something asynchronous is due, so a quiet stretch of bars runs as a plain synchronous loop over
 * typed arrays.
 */
import type {Instrument} from '../core/instrument.js'
import {type Bar, type BarStream, TIMEFRAME_MS} from '../core/market-data.js'
import type {BrokerPort} from '../broker/port.js'
import {type EngineLog, silentLog} from './engine-log.js'
import type {EventLoop} from './event-loop.js'
import {Journal} from './journal.js'
import {MetricsRegistry} from './metrics.js'
import {RecordingBroker} from './recording-broker.js'
import type {Strategy} from './strategy.js'
import {type SessionWiring, wireSession} from './session-wiring.js'
import type {AccountView} from './account-view.js'
import type {OrderGateway} from './order-gateway.js'
import {type KillSwitch, RiskEngine, type RiskLimits} from '../risk/risk-engine.js'
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
  /** Write bar marks (default). A replay does not: its venue writes the recorded ones where they fall. */
  readonly barMarks?: boolean
  /** In-process restarts at these engine times (see BacktestOptions.restartAt). */
  readonly restartAt?: readonly number[]
  readonly rebuild?: (snapshot: unknown) => Strategy
  readonly outside?: readonly SessionOutsideAction[]
  /** Called once per bar instant after every bar of that instant (and once more after the drain). */
  readonly onInstant?: (t: number, w: SessionWiring) => void
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

/** Journal record type of a bar mark: `data` is the number of bars processed when the next venue message landed. */
export const BAR_MARK = 'bars'

/** Journal record type of an outside action the venue refused: the venue's answer, so replay delivers it as recorded. */
export const OUTSIDE_FAILED = 'outside_failed'

/** Microtask turns given to a bar's quick continuations (an async method awaiting an outcome settled at once). */
const SETTLE_TURNS = 4

/** Time allowed after the last bar for in-flight requests and events to land. */
export const DRAIN_MS = 60_000

export async function runSession(opts: SessionOptions): Promise<SessionRun> {
  const {stream, instruments, strategy, loop, venue} = opts
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const journal = opts.journal ?? new Journal()
  const log = opts.log ?? silentLog
  if (opts.header !== undefined) journal.append({t: loop.clock.now(), type: 'session', data: opts.header})
  const w = wireSession({
    venue, loop, journal, strategy, log, symbols: stream.symbols, instruments, initialCash: opts.initialCash, seed: opts.seed,
    epoch: opts.epoch, metrics: opts.metrics, risk: opts.risk, audit: opts.audit, onInstant: opts.onInstant,
  })
  const {broker, view, gateway, metrics, market, audit, ctx} = w
  const restartAt = [...(opts.restartAt ?? [])].sort((a, b) => a - b)
  if (restartAt.length > 0 && !opts.rebuild) throw new Error('runSession: restartAt needs rebuild (how to build the next strategy instance)')
  for (const a of opts.outside ?? []) {
    loop.schedule(a.at, () => {
      journal.append({t: loop.clock.now(), type: 'outside', data: a.label})
      a.run(venue).catch((err: unknown) => journal.append({t: loop.clock.now(), type: OUTSIDE_FAILED, data: {label: a.label, error: String(err)}}))
    })
  }
  const symbols = stream.symbols
  let bars = 0
  let lastInstant = -Infinity
  // The instant before the current one, bars processed before the current one began, and the bar count of the
  // last mark written.
  let prevInstant = -Infinity
  let instantStart = 0
  let marked = -1
  // A venue message received at the time of a bar instant after some of its bars ran (zero latency: an order
  // filled on a bar) is preceded by a bar mark, so replay, where no simulator reacts to bars, delivers it after
  // the same bar. Messages between instants, or at an instant before its first bar, need none.
  if (opts.barMarks !== false) broker.beforeInbound = () => {
    if (bars === marked) return
    const now = loop.clock.now()
    if ((now === lastInstant && bars > instantStart) || now === prevInstant) {
      marked = bars
      journal.append({t: now, type: BAR_MARK, data: bars})
    }
  }
  const bar = {symbol: '', index: 0, ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0} satisfies Bar as {
    -readonly [K in keyof Bar]: Bar[K]
  }
  let onBar = strategy.onBar?.bind(strategy)
  const venueBar = venue.onBar?.bind(venue)
  const progressEvery = opts.progressEvery ?? 1_000_000
  let first = NaN
  let started = false
  const restartUntil = async (until: number): Promise<void> => {
    while (w.restarts < restartAt.length && restartAt[w.restarts] <= until) {
      const at = restartAt[w.restarts]
      await loop.runUntil(at)
      loop.clock.advanceTo(Math.max(at, loop.clock.now()))
      const snapshot = w.current.snapshot?.()
      await w.current.stop?.()
      w.restarts++
      journal.append({t: loop.clock.now(), type: 'restart', data: {n: w.restarts, epoch: w.epoch + w.restarts}})
      w.current = opts.rebuild!(snapshot)
      onBar = w.current.onBar?.bind(w.current)
      await w.current.start?.(ctx)
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
        if (lastInstant > -Infinity) w.endInstant(lastInstant)
        prevInstant = lastInstant
        lastInstant = end
        instantStart = bars
      }
      if (w.restarts < restartAt.length && restartAt[w.restarts] <= end) await restartUntil(end)
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
        const calls = gateway.calls + broker.requestCount
        const r = onBar(bar)
        if (r) await r
        // A call the strategy made can settle at once (a risk refusal, a duplicate id): its continuation runs
        // here, after this bar, in recording and replay alike, not at whichever later await comes first.
        if (gateway.calls + broker.requestCount !== calls) for (let k = 0; k < SETTLE_TURNS; k++) await null
      }
      if (++bars % progressEvery === 0) opts.onProgress?.(bars, t)
    }
  }

  if (started) {
    await loop.runUntil(lastInstant + DRAIN_MS)
    // The strategy stops at the drain's end, not at whatever task ran last (the simulator has tasks of its own
    // that a replay does not), so what it writes on stopping has the same time in both.
    loop.clock.advanceTo(lastInstant + DRAIN_MS)
    await w.current.stop?.()
    venue.flushHeld?.()
    await loop.runUntil(loop.clock.now() + DRAIN_MS)
    opts.onInstant?.(lastInstant, w)
  }

  const auditUnwritten = audit ? await audit.close(loop.clock.now()) : 0
  return {bars, first, lastInstant, journal, broker, view, gateway, strategy: w.current, metrics, risk: w.guard?.engine, audit, auditUnwritten}
}
