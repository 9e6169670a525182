/**
 * A paper or live session: the venue adapter on a loop-delivering transport, the session wiring every mode shares
 * (session-wiring.ts), and the strategy, fed closed bars from the venue's market-data stream. Start-up connects
 * (ALP-14: the account endpoint answers first), reconciles open orders, positions and the account over REST, and
 * only then starts the strategy. The same function runs a replay of the session: the transport then answers from
 * the journal and the stop arrives at its recorded time.
 */
import type {BrokerEvent} from '../../core/events.js'
import type {Instrument} from '../../core/instrument.js'
import {TIMEFRAME_MS} from '../../core/market-data.js'
import type {FeedBar, MarketFeed} from '../../broker/market-feed.js'
import type {BrokerPort} from '../../broker/port.js'
import type {VenueTransport} from '../../broker/transport.js'
import type {Clock} from '../../core/time/clock.js'
import {barWalkState, enterInstant, fillBarFrom, reusedBar} from '../../engine/bar-walk.js'
import {silentLog} from '../../engine/engine-log.js'
import type {EventLoop} from '../../engine/event-loop.js'
import type {Journal} from '../../engine/journal.js'
import type {Scheduler} from '../../core/time/scheduler.js'
import type {KernelOptions} from '../kernel-options.js'
import {type SessionWiring, wireSession} from '../session-wiring.js'
import {LIVE_SESSION_RECORD, type LiveSessionHeader, SESSION_END_RECORD, SESSION_STOP_RECORD, SHUTDOWN_RECORD} from './live-header.js'
import {ShutdownGate} from '../pre-trade-stages.js'
import {RecordingTransport} from './recording-transport.js'
import {START_STATE_RECORD} from '../start-state.js'

/** A live venue adapter: the broker port and the market feed, with its connection lifecycle. */
export interface LiveVenue extends BrokerPort, MarketFeed {
  /** Connection test (account endpoint), then the private stream. Rejects with a mapped error, never a secret. */
  connect(): Promise<void>
  /** The venue's clock (epoch ms): the session clock's origin. */
  venueTime(): Promise<number>
  close(): Promise<void>
}

export interface LiveVenueDeps {
  readonly transport: VenueTransport
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** The session loop itself (a simulated venue schedules its messages on it) and the sorted symbols. */
  readonly loop?: EventLoop
  readonly symbols?: readonly string[]
}

export type LiveVenueFactory = (deps: LiveVenueDeps) => LiveVenue

/** The kernel's options (strategy, log, metrics, risk, audit, state), passed through to the wiring as they are. */
export interface LiveSessionOptions extends KernelOptions {
  readonly header: LiveSessionHeader
  readonly loop: EventLoop
  /** Delivers every answer and frame as a loop task: LoopTransport live, ReplayTransport in replay. */
  readonly transport: VenueTransport
  readonly makeVenue: LiveVenueFactory
  readonly journal: Journal
  /** Called once the session trades (connected, reconciled, strategy started). */
  readonly onReady?: (session: LiveSessionHandle) => void
}

export interface LiveSessionHandle {
  readonly wiring: SessionWiring
  readonly venue: LiveVenue
  /** Ends the session now; call it from a loop task (LiveDriver.inbound), so the journal records when. */
  stop(reason: string): void
  /**
   * Graceful shutdown (ALP-15, OPS-06): from now on new entries are refused (exits still go out), and the session
   * stops once no order is in flight, or after `graceMs` of session time. Call it from a loop task; it is journaled
   * and replayed like the stop.
   */
  shutdown(reason: string, graceMs?: number): void
}

/** Session time a graceful shutdown waits for orders in flight before it stops anyway. */
export const SHUTDOWN_GRACE_MS = 30_000
const SHUTDOWN_POLL_MS = 100

export interface ReconcileSummary {
  readonly openOrders: number
  readonly positions: number
  readonly equity: number
  /** Venue events that arrived during the reconcile, settled against its snapshot. */
  readonly heldEvents?: number
  /** Positions snapshots taken: another one each time an execution raced the previous one. */
  readonly positionQueries?: number
  /** Executions still racing the last positions snapshot allowed: the snapshot was kept as the truth. */
  readonly unsettled?: boolean
}

export interface LiveSessionRun {
  readonly wiring: SessionWiring
  readonly bars: number
  readonly reconciled: ReconcileSummary
  readonly stopReason: string
}

export class LiveSessionError extends Error {
  override readonly name = 'LiveSessionError'
}

export async function runLiveSession(opts: LiveSessionOptions): Promise<LiveSessionRun> {
  const {header, loop, journal} = opts
  const log = opts.log ?? silentLog
  journal.append({t: loop.clock.now(), type: LIVE_SESSION_RECORD, data: header})
  if (opts.startState !== undefined) journal.append({t: loop.clock.now(), type: START_STATE_RECORD, data: opts.startState})
  const transport = new RecordingTransport(opts.transport, journal, loop.clock)
  const symbols = [...header.symbols].sort()
  const venue = opts.makeVenue({transport, clock: loop.clock, scheduler: loop, loop, symbols})
  await venue.connect()

  const instruments: Instrument[] = symbols.map((s) => venue.instrument(s))
  const account = await venue.account()
  // Graceful shutdown: the pre-trade pipeline's first stage refuses new entries once the gate closes.
  const gate = new ShutdownGate()
  const w = wireSession({...opts, venue, log, symbols, instruments, initialCash: account.cash, seed: header.seed, epoch: header.epoch, holdEvents: true, shutdown: gate})
  const reconciled = await reconcile(w, loop)
  w.releaseEvents()
  journal.append({t: loop.clock.now(), type: 'reconciled', data: reconciled})
  log.info('reconciled with the venue', {...reconciled})

  let stopReason = ''
  let resolveStop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => (resolveStop = resolve))
  const handle: LiveSessionHandle = {
    wiring: w,
    venue,
    stop(reason: string) {
      if (stopReason) return
      stopReason = reason
      journal.append({t: loop.clock.now(), type: SESSION_STOP_RECORD, data: {reason}})
      resolveStop()
      // The wind-down continues in the promise's continuation: it must run before the next task of this instant.
      loop.markAsync()
    },
    shutdown(reason: string, graceMs = SHUTDOWN_GRACE_MS) {
      if (gate.closing || stopReason) return
      gate.closing = true
      const until = loop.clock.now() + graceMs
      journal.append({t: loop.clock.now(), type: SHUTDOWN_RECORD, data: {reason, graceMs, inFlight: inFlight(w)}})
      const check = (): void => {
        if (stopReason) return
        const n = inFlight(w)
        if (n === 0) handle.stop(reason)
        else if (loop.clock.now() >= until) handle.stop(`${reason}; ${n} order(s) still in flight after ${graceMs} ms`)
        else loop.after(SHUTDOWN_POLL_MS, check)
      }
      check()
    },
  }

  await w.current.start?.(w.ctx)
  const tfMs = TIMEFRAME_MS[header.timeframe]
  const index = new Map(symbols.map((s, i) => [s, i]))
  const bar = reusedBar()
  // The same instant bookkeeping as the simulated walk; bars run as they arrive, an instant begins with the first
  // bar that closes later than the current one (a late bar runs in the current instant, it ends nothing).
  const walk = barWalkState()
  const onBar = (b: FeedBar): void => {
    const i = index.get(b.symbol)
    if (i === undefined || stopReason) return
    const end = b.ts + b.tfMs
    if (end > walk.instant) enterInstant(walk, end, w)
    w.market?.onBar(i, end, b.close)
    walk.bars++
    journal.append({t: loop.clock.now(), type: 'bar', data: {symbol: b.symbol, ts: b.ts}})
    const fn = w.current.onBar
    if (!fn) return
    const r = fn.call(w.current, fillBarFrom(bar, b, i))
    if (r) {
      loop.markAsync()
      r.catch((err: unknown) => log.error('strategy bar handler failed', {error: String(err)}))
    }
  }
  const unsubscribe = await venue.subscribeBars(symbols, tfMs, onBar)
  opts.onReady?.(handle)
  await stopped

  unsubscribe()
  await w.current.stop?.()
  await venue.close()
  journal.append({t: loop.clock.now(), type: SESSION_END_RECORD, data: {bars: walk.bars}})
  loop.halt()
  return {wiring: w, bars: walk.bars, reconciled, stopReason}
}

/**
 * Orders whose fate the venue has not told yet: sent and not acknowledged, or a cancel / amend not yet confirmed.
 * A resting order the venue has acknowledged is not in flight: it stays at the venue, the next start adopts it.
 */
const UNANSWERED: ReadonlySet<string> = new Set(['initialized', 'submitted', 'pending_update', 'pending_cancel'])

function inFlight(w: SessionWiring): number {
  let n = 0
  for (const o of w.view.orders.all()) if (UNANSWERED.has(o.status)) n++
  return n
}

/** Positions snapshots a start-up reconcile takes at most while executions keep racing them. */
const MAX_POSITION_QUERIES = 4

/**
 * Start-up reconciliation: the venue is the source of truth. Open orders are adopted into the tracker, positions
 * set in the engine's book, the account report applied, before the strategy sees anything.
 *
 * Venue events are held meanwhile (journaled, applied to nothing). An execution that arrives during the reconcile
 * may or may not be in the positions snapshot, so it never moves a position: when one arrived while positions
 * were being asked for, they are asked for again, until a snapshot is taken with no execution racing it. The held
 * events then update the orders (executions count toward their order's fills, once) and the account.
 */
async function reconcile(w: SessionWiring, loop: EventLoop): Promise<ReconcileSummary> {
  const orders = await w.broker.openOrders()
  const held: BrokerEvent[] = [...w.takeHeld()]
  let positions = await w.broker.positions()
  let queries = 1
  let unsettled = false
  for (;;) {
    const during = w.takeHeld()
    held.push(...during)
    unsettled = during.some((e) => e.kind === 'execution')
    if (!unsettled || queries >= MAX_POSITION_QUERIES) break
    positions = await w.broker.positions()
    queries++
  }
  const account = await w.broker.account()
  held.push(...w.takeHeld())
  const now = loop.clock.now()
  for (const o of orders) w.view.apply({kind: 'order', ts: now, order: o}, now)
  for (const p of positions) w.view.positions.reset(p.symbol, p.side, p.qty, p.avgPrice, p.ts)
  for (const e of held) {
    if (e.kind === 'execution') w.view.orders.applyFill(e.fill, now)
    else w.view.apply(e, now)
  }
  w.view.apply({kind: 'account', ts: now, account}, now)
  return {
    openOrders: orders.length,
    positions: positions.filter((p) => p.qty !== 0).length,
    equity: account.equity,
    ...(held.length > 0 ? {heldEvents: held.length, positionQueries: queries} : {}),
    ...(unsettled ? {unsettled} : {}),
  }
}
