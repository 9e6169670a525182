/**
 * The process around a paper or live session (`trader paper`, `trader live`): credentials checked, the venue
 * reached (ALP-14), the account locked (one process per account, the fencing epoch into every client order id),
 * the journal opened (intents fsync'd before their request), health and metrics served, signals turned into a
 * recorded stop, and everything closed in order. The session itself is src/run/live/live-session.ts.
 */
import {join} from 'node:path'
import type {Timeframe} from '../core/market-data.js'
import {EventLoop} from '../engine/event-loop.js'
import {Journal, type JournalRecord, type JournalSink} from '../engine/journal.js'
import {LiveDriver} from '../run/live/live-driver.js'
import type {LiveSessionHeader} from '../run/live/live-header.js'
import {type LiveSessionHandle, type LiveSessionRun, runLiveSession} from '../run/live/live-session.js'
import {LoopTransport} from '../run/live/loop-transport.js'
import {type LiveVenueName, openVenueTransport, type SessionVenueName, venueFactory, type VenueEndpoints} from '../run/live/venues.js'
import {MetricsRegistry} from '../engine/metrics.js'
import {captureStartState} from '../run/start-state.js'
import {checkRefusals, type RefusalCounts, REJECTED_AFTER_ACCEPT} from '../engine/refusal-check.js'
import {VirtualClock} from '../core/time/clock.js'
import {findStrategy, STRATEGIES} from '../../strategies/index.js'
import {frameRecord} from '../state/journal-file.js'
import {SegmentedJournal} from '../state/journal-segments.js'
import {acquireLock, type HeldLock} from '../state/instance-lock.js'
import {UserInputError} from '../core/errors.js'
import {type PositionModeSetting, withNeededPositionMode} from '../sim/config.js'
import {parseStrategyParams} from '../config/strategy-params.js'
import {AuthenticationError, BrokerError} from '../broker/errors.js'
import {type HealthServer, serveHealth} from './health-server.js'
import {engineLog, registerSecret} from './log.js'
import {createSessionMetrics} from './session-metrics.js'
import {loadVenueCredentials} from './venue-credentials.js'
import {readVenueClock} from './venue-clock.js'
import {wallTimers} from './wall-timers.js'
import {CooldownFileError, loadCooldowns, saveCooldowns} from '../risk/cooldown-file.js'
import type {Logger} from 'pino'
import type {VenueTransport} from '../broker/transport.js'
import type {Registry} from 'prom-client'

export interface TradingSessionOptions extends VenueEndpoints {
  readonly mode: 'paper' | 'live'
  /** 'sim': the simulated exchange on `feed`'s market data (paper only). */
  readonly venue: SessionVenueName
  readonly feed?: LiveVenueName
  /** Bybit perpetuals: 'one-way' | 'hedge' or per symbol; absent: what the strategy needs (grid: hedge), else one-way. */
  readonly positionMode?: PositionModeSetting
  readonly account: string
  readonly strategy: string
  readonly params: unknown
  readonly symbols: readonly string[]
  readonly timeframe: Timeframe
  readonly seed: number
  readonly risk: boolean
  /** Risk limits over the strategy's defaults (a fleet file's fleet-wide and per-bot `risk`). */
  readonly riskOverrides?: Readonly<Record<string, unknown>>
  /** Session ms per wall ms; only for an emulator replaying history accelerated (its --speed). */
  readonly timeScale: number
  /** Stop after this much session time (default: run until SIGINT / SIGTERM). */
  readonly durationMs?: number
  /** Session time a graceful shutdown waits for orders in flight (default 30 s). */
  readonly graceMs?: number
  readonly stateDir: string
  readonly journalDir: string
  /** A journal segment is closed once it reaches this many bytes (default 64 MiB); segments also roll at each UTC day. */
  readonly journalSegmentBytes?: number
  readonly healthPort?: number
  /** Show the pid and the lock epoch on /health (off: a page that reaches the port learns nothing about the process). */
  readonly healthDetails?: boolean
  readonly envFile?: string
  readonly env: NodeJS.ProcessEnv
  readonly logger: Logger
  /** One line for the user (stderr). */
  readonly say: (line: string) => void
  /** `trader live`: what the user confirms before the first order (account, symbols, risk limits). */
  readonly confirm?: (summary: SessionSummary) => void
}

export interface SessionSummary {
  readonly venue: string
  readonly mode: 'paper' | 'live'
  readonly account: string
  readonly equity: number
  readonly cash: number
  readonly symbols: readonly string[]
  readonly risk: Readonly<Record<string, unknown>> | null
}

export interface TradingSessionResult {
  readonly journal: string
  readonly run: LiveSessionRun
  readonly records: number
  readonly counts: SessionCounts
}

export async function runTradingSession(opts: TradingSessionOptions): Promise<TradingSessionResult> {
  const factory = findStrategy(opts.strategy)
  if (!factory) throw new UserInputError(`unknown strategy '${opts.strategy}'; choose one of: ${STRATEGIES.map((s) => s.name).join(', ')}`)
  const params = parseStrategyParams(factory, opts.params ?? {}, `parameters of ${opts.strategy}`)
  if (!params.ok) throw new UserInputError(params.message)
  if (!(opts.timeScale > 0)) throw new UserInputError(`--time-scale must be > 0, got ${opts.timeScale}`)
  const risk = opts.risk ? {...factory.riskDefaults, ...opts.riskOverrides} : null
  const need = factory.positionMode
  if (need !== undefined && typeof opts.positionMode === 'string' && opts.positionMode !== need) {
    throw new UserInputError(`${opts.strategy} needs ${need} mode on perpetuals, but the session was given ${opts.positionMode}; use --position-mode ${need} (positionMode: ${need} on the fleet account) or leave it out`)
  }

  // ALP-14: credentials present and well-formed, then the account endpoint answers — before anything else.
  if (opts.venue === 'sim' && (opts.mode !== 'paper' || !opts.feed)) {
    throw new UserInputError('--venue sim runs the simulated exchange on a live feed: use it with `trader paper` and --feed alpaca|bybit')
  }
  // The wire: the venue's, or for the simulated venue its feed's (Bybit's public market data needs no keys).
  const wireVenue: LiveVenueName = opts.venue === 'sim' ? opts.feed! : opts.venue
  const credentials = opts.venue === 'sim' && wireVenue === 'bybit'
    ? undefined
    : loadVenueCredentials(wireVenue, opts.env, {envFile: opts.envFile, environment: opts.mode})
  if (credentials) {
    registerSecret(credentials.key)
    registerSecret(credentials.secret)
  }
  const metrics = createSessionMetrics({venue: opts.venue, account: opts.account})
  const wire = await openVenueTransport({
    ...opts, venue: wireVenue, credentials,
    events: {onWait: () => metrics.rateLimitWaits.inc({venue: opts.venue})},
  })
  let lock: HeldLock | undefined
  let health: HealthServer | undefined
  let journalFile: SegmentedJournal | undefined
  try {
    const onDecodeError = (e: {where: string; issue: string}): void => opts.logger.warn({where: e.where, issue: e.issue}, 'venue payload did not decode')
    // Bybit's default is one-way; the session runs in the mode it is given, else the one its strategy needs.
    const positionMode = wireVenue === 'bybit' ? withNeededPositionMode({positionMode: opts.positionMode}, factory.positionMode).positionMode ?? 'one-way' : undefined
    const sim = opts.venue === 'sim' ? {seed: opts.seed, ...(positionMode !== undefined ? {positionMode} : {})} : undefined
    const makeVenue = await venueFactory(opts.venue, onDecodeError, opts.feed ? {venue: opts.feed, sim} : undefined, opts.venue === 'bybit' ? positionMode : undefined)
    // The connection test runs on the wire's own adapter (for the simulated venue: its feed's), outside the session.
    // Requests only: the probe must not listen to the streams (it would react to reconnects with requests of its
    // own, outside the journal), and closing it must not close the session's wire.
    const requestOnly: VenueTransport = {
      venue: wire.venue,
      request: (req) => wire.request(req),
      subscribe: async () => {},
      onFrame: () => () => {},
      onConnection: () => () => {},
      close: async () => {},
    }
    const probe = (await venueFactory(wireVenue, onDecodeError))({transport: requestOnly, clock: new VirtualClock(0), scheduler: new EventLoop(0)})
    const account = opts.venue === 'sim'
      ? {equity: NaN, cash: NaN}
      : await startupCheck(wireVenue, () => probe.account(), 'the account endpoint')
    // The session clock starts from the venue's, at the wall instant the venue read it (src/ops/venue-clock.ts).
    const {origin, originWall} = await startupCheck(wireVenue, () => readVenueClock(() => probe.venueTime(), wallTimers.now), 'the clock endpoint')
    const symbols = [...new Set(opts.symbols)].sort()
    opts.confirm?.({venue: opts.venue, mode: opts.mode, account: opts.account, equity: account.equity, cash: account.cash, symbols, risk})

    let handle: LiveSessionHandle | undefined
    let connected = true
    const counting = countingSink(metrics, opts.venue)
    const engineMetrics = new MetricsRegistry()
    if (opts.healthPort !== undefined) {
      health = await serveHealth({
        port: opts.healthPort,
        // The process metrics (prom-client) and the engine's own (risk rejections, grid counters, ...), which
        // strategies create as they run, rendered afresh on every scrape.
        registry: {
          contentType: metrics.registry.contentType,
          metrics: async () => {
            metrics.journalBytes.set(counting.counts.bytes)
            return `${await metrics.registry.metrics()}\n${engineMetrics.toPrometheus()}`
          },
        } as unknown as Registry,
        readiness: () => (!handle ? {ready: false, reason: 'reconciling'} : !connected ? {ready: false, reason: 'disconnected'} : {ready: true}),
        info: () => ({account: opts.account, venue: opts.venue, mode: opts.mode, ...(opts.healthDetails ? {epoch: lock?.info.epoch, pid: process.pid} : {})}),
      })
      opts.say(`health: ${health.url}/health, ${health.url}/ready, ${health.url}/metrics`)
    }

    lock = acquireLock(opts.stateDir, opts.account, new Date(), process.pid, {healthPort: health?.port, label: `${opts.mode} ${opts.venue} ${opts.strategy}`})
    const epoch = lock.info.epoch
    const journalPath = join(opts.journalDir, `${opts.account}-${opts.mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.journal`)
    // Rolls into segments by size and UTC day (journal-segments.ts); the path names the first segment.
    journalFile = new SegmentedJournal(journalPath, {maxSegmentBytes: opts.journalSegmentBytes})
    const journal = new Journal({sinks: [journalFile, counting]})
    // Cooldowns survive a restart: those still running are read from the account's state and recorded in the header.
    const cooldowns = risk && Number(risk.cooldownMs) > 0 ? readCooldowns(opts.stateDir, opts.account, origin) : {}
    const cooling = Object.keys(cooldowns)
    if (cooling.length > 0) opts.say(`cooldowns carried over: ${cooling.map((s) => `${s} until ${new Date(cooldowns[s]).toISOString()}`).join(', ')}`)
    const header: LiveSessionHeader = {
      format: 1, mode: opts.mode, venue: opts.venue, ...(opts.feed ? {feed: opts.feed, sim} : {}), ...(opts.venue === 'bybit' && positionMode !== undefined ? {positionMode} : {}), account: opts.account, strategy: opts.strategy, params: params.data,
      symbols, timeframe: opts.timeframe, seed: opts.seed, epoch, risk, ...(cooling.length > 0 ? {cooldowns} : {}), origin, scale: opts.timeScale,
    }
    // What the strategy starts from on disk, read under the lock (no other session of the account writes it now):
    // the journal keeps it, so this session replays after the files moved on.
    const startState = captureStartState(factory.stateFiles?.(params.data))
    const loop = new EventLoop(origin)
    const driver = new LiveDriver(loop, wallTimers, {origin, originWall, scale: opts.timeScale})
    const transport = new LoopTransport(wire, driver)
    transport.onConnection((e) => {
      if (e.kind === 'reconnected') metrics.wsReconnects.inc({venue: opts.venue})
      opts.logger.info({stream: e.stream, event: e.kind}, 'venue stream')
    })
    transport.onConnection((e) => (connected = e.kind !== 'disconnected'))
    // First signal: graceful shutdown (no new entries, wait for orders in flight); second: stop at once.
    // Both enter the session as inbound tasks, so the journal records when, and replay repeats them.
    let signals = 0
    let early: string | undefined
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++
      opts.say(signals === 1 ? `${signal}: shutting down (no new entries; waiting for orders in flight)` : `${signal} again: stopping now`)
      driver.inbound(() => {
        if (!handle) early = signal
        else if (signals === 1) handle.shutdown(signal, opts.graceMs)
        else handle.stop(`${signal} again`)
      })
    }
    const onInt = (): void => onSignal('SIGINT')
    const onTerm = (): void => onSignal('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)

    const session = runLiveSession({
      header, startState, loop, journal, transport, makeVenue, strategy: factory.create(params.data),
      log: engineLog(opts.logger), metrics: engineMetrics,
      risk: risk ? {limits: risk, cooldowns, onCooldown: (active) => persistCooldowns(opts, active)} : undefined,
      onReady: (h) => {
        handle = h
        if (early) h.stop(`${early} during start-up`)
        opts.say(`${opts.mode} session on ${opts.venue} trading ${symbols.join(', ')}: journal ${journalPath}`)
        if (opts.durationMs !== undefined) loop.at(origin + opts.durationMs, () => h.shutdown('duration reached', opts.graceMs))
      },
    })
    // The header and the start state were appended as the session began (synchronously): on disk now, so a session
    // killed before its first order still leaves a journal that names what it was and replays.
    journalFile.sync()
    driver.wake()
    let run: LiveSessionRun
    try {
      run = await session
    } finally {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      driver.stop()
    }
    if (driver.error !== undefined) throw driver.error
    journalFile.close()
    metrics.journalBytes.set(journalFile.segments.reduce((n, seg) => n + seg.bytes, 0))
    journalFile = undefined
    // No silent failure: a session whose orders were mostly refused says why and how to fix it. A warning only:
    // the session has ended by now either way, and a live session must never stop over it mid-way.
    const refusals = checkRefusals(sessionRefusals(counting.counts), 'session')
    if (refusals) opts.say(`warning: ${refusals.line}`)
    return {journal: journalPath, run, records: journal.size, counts: counting.counts}
  } finally {
    journalFile?.close()
    await health?.close()
    lock?.release()
    await wire.close()
  }
}

/** A cooldown that cannot be saved still holds in this session; the next one would not know it: warn. */
function persistCooldowns(opts: TradingSessionOptions, active: Record<string, number>): void {
  try {
    saveCooldowns(opts.stateDir, opts.account, active)
  } catch (err) {
    opts.logger.warn({error: (err as Error).message}, 'cooldowns could not be saved; a restart would not know them')
    opts.say(`warning: cooldowns could not be saved to ${opts.stateDir} (${(err as Error).message}); a restart would not know them`)
  }
}

function readCooldowns(stateDir: string, account: string, now: number): Record<string, number> {
  try {
    return loadCooldowns(stateDir, account, now)
  } catch (err) {
    if (err instanceof CooldownFileError) throw new UserInputError(err.message)
    throw err
  }
}

/**
 * The connection test of ALP-14: a venue that refuses the keys, or cannot be reached, ends the command with one
 * line (exit 2) before a lock, a journal or an order exists. The mapped errors carry no credential.
 */
async function startupCheck<T>(venue: string, call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (!(err instanceof BrokerError)) throw err
    const fix = err instanceof AuthenticationError
      ? 'check the API key and secret (and that they belong to this environment: paper keys for paper, live keys for live)'
      : 'check the network, --base-url / --ws-url, and the venue status page'
    throw new UserInputError(`${venue} ${what} failed at start-up: ${err.message}; ${fix}`)
  }
}

/** Counts what the operations metrics show, and the refusals by code, from the journal as it is written. */
export function countingSink(metrics: ReturnType<typeof createSessionMetrics>, venue: string): JournalSink & {counts: SessionCounts} {
  const counts: SessionCounts = {orders: 0, fills: 0, rejections: 0, bytes: 0, refusedByCode: {}, refusalMessages: {}}
  // Orders the venue refused, so a later 'rejected' order event for the same order is not counted twice.
  const refusedIds = new Set<string>()
  const refuse = (code: string, id: string | undefined): void => {
    if (id !== undefined) {
      if (refusedIds.has(id)) return
      refusedIds.add(id)
    }
    counts.refusedByCode[code] = (counts.refusedByCode[code] ?? 0) + 1
  }
  return {
    counts,
    append(r: JournalRecord): void {
      counts.bytes += Buffer.byteLength(frameRecord(r), 'utf8')
      const d = r.data as {request?: {side?: string}; code?: string; message?: string; kind?: string; clientOrderId?: string; order?: {status?: string; clientOrderId?: string}}
      if (r.type === 'intent') {
        counts.orders++
        metrics.orders.inc({venue, side: d.request?.side ?? 'unknown'})
      } else if (r.type === 'risk_rejected') {
        counts.rejections++
        metrics.rejections.inc({reason: d.code ?? 'unknown'})
        refuse(`risk:${d.code ?? 'unknown'}`, undefined)
      } else if (r.type === 'rejected') {
        // The venue's final refusal of a request (the order gateway journals it; retryable errors are not).
        refuse(d.code ?? 'unknown', d.clientOrderId)
        if (d.message !== undefined) counts.refusalMessages[d.code ?? 'unknown'] ??= d.message
      } else if (r.type === 'event' && d.kind === 'order' && d.order?.status === 'rejected') {
        refuse(REJECTED_AFTER_ACCEPT, d.order.clientOrderId)
      } else if (r.type === 'event' && d.kind === 'execution') {
        counts.fills++
        metrics.fills.inc({venue})
      }
    },
  }
}

/** What the session tried and what was refused: intents went to the venue, risk refusals never did. */
export function sessionRefusals(c: SessionCounts): RefusalCounts {
  return {attempted: c.orders + c.rejections, refusedByCode: c.refusedByCode, messages: c.refusalMessages}
}

export interface SessionCounts {
  /** Orders sent to the venue (intents). */
  orders: number
  fills: number
  /** Orders the risk engine refused before the venue. */
  rejections: number
  /** Refused orders by code: the risk engine's (`risk:*`), the venue's refusals and its later rejections. */
  refusedByCode: Record<string, number>
  /** The venue's first message per refusal code. */
  refusalMessages: Record<string, string>
  /** Journal bytes written (framed), buffered or not. */
  bytes: number
}
