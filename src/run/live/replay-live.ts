/**
 * Replays a paper or live session journal: the session's own wiring (runLiveSession) on a virtual clock, the
 * venue answering from the journal (ReplayTransport) through the same adapter decoding, the stop at its recorded
 * time. The replayed journal is compared with the recording record by record.
 */
import {EventLoop, microtaskBarrier} from '../../engine/event-loop.js'
import {Journal, type JournalHash, type JournalRecord} from '../../engine/journal.js'
import {type Divergence, JournalMatcher} from '../../engine/journal-matcher.js'
import {PairedJournalHash} from '../../engine/replay-hash.js'
import type {MetricsRegistry} from '../../engine/metrics.js'
import type {SessionRisk} from '../session-wiring.js'
import type {Strategy} from '../../engine/strategy.js'
import {LIVE_SESSION_RECORD, type LiveSessionHeader, LiveSessionHeaderSchema, SESSION_END_RECORD, SESSION_STOP_RECORD, SHUTDOWN_RECORD} from './live-header.js'
import {type LiveSessionHandle, type LiveVenueFactory, runLiveSession} from './live-session.js'
import {VENUE_RECORD} from './recording-transport.js'
import {ReplayTransport} from './replay-transport.js'
import {captureStartState, recordedStartState, ReplayScratch} from '../start-state.js'
import type {StateFilesSpec} from '../../engine/strategy.js'
import type {JournalTail} from '../../state/journal-tail.js'
import type {Violation} from '../../broker/order-tracker.js'
import {isTerminal} from '../../core/order-state.js'
import {UserInputError} from '../../core/errors.js'

/** A journal that cannot be replayed as given (not a session journal, a strategy this build lacks): one line, exit 2. */
export class LiveReplayError extends UserInputError {
  override readonly name: string = 'LiveReplayError'
}

export function isLiveJournal(records: readonly JournalRecord[]): boolean {
  return records[0]?.type === LIVE_SESSION_RECORD
}

export function liveHeaderOf(records: readonly JournalRecord[], where: string): LiveSessionHeader {
  const parsed = LiveSessionHeaderSchema.safeParse(records[0]?.data)
  if (records[0]?.type !== LIVE_SESSION_RECORD || !parsed.success) {
    const issue = parsed.success ? undefined : parsed.error.issues[0]
    throw new LiveReplayError(`${where}: not a paper/live session journal${issue ? ` (header field '${issue.path.join('.')}': ${issue.message})` : ''}; give a journal written by \`trader paper\` or \`trader live\``)
  }
  return parsed.data
}

export interface LiveReplayInput {
  readonly records: readonly JournalRecord[]
  readonly source: string
  readonly makeVenue: LiveVenueFactory
  readonly strategy: (header: LiveSessionHeader) => Strategy
  readonly risk?: SessionRisk
  readonly metrics?: MetricsRegistry
  /** The strategy's state files (its factory's `stateFiles`): recorded again from the replay's scratch copy. */
  readonly stateFiles?: StateFilesSpec
  /** The file's torn last bytes, when it ends in one (a killed session). */
  readonly tornTail?: RecordingEnd['tornTail']
}

/** Where a recording without its end record (a killed session) stops, and what it left in flight. */
export interface RecordingEnd {
  /** The last intact record: its index in the journal, time and type. */
  readonly index: number
  readonly t: number
  readonly type: string
  readonly tornTail?: {readonly offset: number; readonly bytes: number; readonly reason: string}
  /**
   * Orders without a final state at that point: sent without an answer yet (`initialized`, `submitted`,
   * `pending_*`) or working at the venue.
   */
  readonly orders: readonly {readonly clientOrderId: string; readonly symbol: string; readonly side: string; readonly status: string}[]
  /** Requests the recording sent that it holds no answer for. */
  readonly requests: readonly {readonly n: number; readonly t: number; readonly endpoint: string}[]
  /** Records the replay wrote past the recording's last one (the killed instant going on); not compared. */
  readonly beyond: number
}

export interface LiveReplayReport {
  readonly header: LiveSessionHeader
  readonly divergences: readonly Divergence[]
  readonly divergenceCount: number
  /** Invariant violations of the replayed order tracking (illegal transitions, overfills, an execution twice). */
  readonly violations: readonly Violation[]
  readonly recordedRecords: number
  readonly replayedRecords: number
  readonly recordedHash: string
  /** The replay's hash over the records up to the recording's end (all of them for a complete recording). */
  readonly replayedHash: string
  readonly delivered: number
  /** Bars the replayed session handled. */
  readonly bars: number
  readonly unmatchedRequests: number
  /** Journal records replayed per second of wall time (loading the file not included). */
  readonly recordsPerSecond: number
  /** Present when the recording has no end record: it was replayed up to its last intact record. */
  readonly end?: RecordingEnd
  /** The replayed session failed or stopped short of the recording (a divergence it could not go past). */
  readonly failure?: string
  readonly ok: boolean
}

export async function replayLiveJournal(input: LiveReplayInput): Promise<LiveReplayReport> {
  const header = liveHeaderOf(input.records, input.source)
  // The strategy runs on a private copy of the state the recording started from; the live files stay untouched.
  const start = recordedStartState(input.records, input.source)
  const scratch = new ReplayScratch(start)
  try {
    return await replayOn(input, header, scratch)
  } finally {
    scratch.dispose()
  }
}

async function replayOn(input: LiveReplayInput, header: LiveSessionHeader, scratch: ReplayScratch): Promise<LiveReplayReport> {
  const {records} = input
  // A session that ended cleanly ends with session_end; without it (a kill), the replay goes as far as the recording.
  const complete = records.at(-1)?.type === SESSION_END_RECORD
  // Both hashes in one pass while the replay agrees with the recording (see replay-hash.ts).
  const hashes = new PairedJournalHash()
  const matcher = new JournalMatcher(records, {hash: hashes.recorded, open: !complete})
  // Orders the replay sent past the recording's end: not "in flight" at the crash, the recording never sent them.
  const sentBeyond = new Set<string>()
  let barsSeen = 0
  const watch = {
    append: (r: JournalRecord) => {
      if (!matcher.atEnd) barsSeen += r.type === 'bar' ? 1 : 0
      else if (r.type === 'intent') sentBeyond.add((r.data as {request: {clientOrderId: string}}).request.clientOrderId)
    },
  }
  const journal = new Journal({sinks: [watch, matcher], hash: complete ? hashes.replayed : upToEnd(hashes.replayed, matcher)})
  const loop = new EventLoop(header.origin)
  const transport = new ReplayTransport(header.venue, records, loop, !complete)
  const stop = records.find((r) => r.type === SESSION_STOP_RECORD)
  const shutdown = records.find((r) => r.type === SHUTDOWN_RECORD)
  const end = records.length > 0 ? records[records.length - 1].t : header.origin
  let finished = false
  let sessionError: unknown
  let handle: LiveSessionHandle | undefined
  const started = performance.now()
  let bars: number | undefined
  const done = runLiveSession({
    header, loop, journal, transport, makeVenue: input.makeVenue, strategy: input.strategy(header), risk: input.risk, metrics: input.metrics,
    startState: captureStartState(input.stateFiles, {where: scratch.stateDir}),
    stateDir: scratch.stateDir,
    onReady: (h) => {
      handle = h
      // Outside inputs at their recorded times: the shutdown signal (the stop then follows from the session's own
      // timers), or the stop itself.
      if (shutdown) {
        const d = shutdown.data as {reason: string; graceMs: number}
        loop.scheduleFirst(shutdown.t, () => h.shutdown(d.reason, d.graceMs))
      } else if (stop) loop.scheduleFirst(stop.t, () => h.stop((stop.data as {reason: string}).reason))
    },
  }).then(
    (run) => {
      bars = run.bars
      finished = true
    },
    (err: unknown) => {
      sessionError = err
      finished = true
    },
  )
  // Run to the recording's last instant; past it the session has no inputs left (timers alone would run forever).
  let idle = 0
  while (!finished && idle < 3 && !loop.isHalted) {
    // Settle first: the session's start-up work must be queued before the clock may jump to the first recorded
    // message (live, the wall clock could not have reached it yet).
    await microtaskBarrier()
    const ran = await loop.runUntil(end)
    idle = ran === 0 ? idle + 1 : 0
  }
  let failure: string | undefined
  if (finished) {
    await done
    if (sessionError !== undefined) failure = `the replayed session failed: ${sessionError instanceof Error ? sessionError.message : String(sessionError)}`
  } else if (complete) {
    failure = stop
      ? `the replay stopped before reaching the recorded stop at ${stop.t}: it diverged from the recording (a request the recording never answered)`
      : 'the replay did not reach the recorded end of the session: it diverged from the recording'
  }
  matcher.finish()
  const recordedHash = hashes.recorded.digest()
  const replayedHash = journal.digest()
  const seconds = (performance.now() - started) / 1000
  const violations = handle ? [...handle.wiring.view.orders.violations] : []
  const last = records.length - 1
  const report: LiveReplayReport = {
    header,
    divergences: matcher.divergences.slice(0, 1000),
    divergenceCount: matcher.count,
    violations,
    recordedRecords: records.length,
    replayedRecords: journal.size,
    recordedHash,
    replayedHash,
    delivered: transport.delivered,
    bars: bars ?? barsSeen,
    unmatchedRequests: transport.unmatched,
    recordsPerSecond: seconds > 0 ? journal.size / seconds : 0,
    ...(complete ? {} : {end: {
      index: last, t: records[last]?.t ?? header.origin, type: records[last]?.type ?? '',
      ...(input.tornTail ? {tornTail: input.tornTail} : {}),
      orders: inFlightOrders(handle, sentBeyond), requests: unanswered(records), beyond: matcher.beyond,
    }}),
    ...(failure ? {failure} : {}),
    ok: failure === undefined && matcher.count === 0 && violations.length === 0 && recordedHash === replayedHash && transport.unmatched === 0 &&
      (complete ? journal.size === records.length : true),
  }
  // A killed recording leaves the replayed strategy running: stop it, so it lets go of its files in the scratch copy.
  if (!finished) {
    try {
      await handle?.wiring.current.stop?.()
    } catch {
      // The report is made; the scratch copy is removed next either way.
    }
  }
  return report
}

/** The replay's hash over the records it wrote up to the recording's last one (a killed recording is a prefix). */
function upToEnd(inner: JournalHash, matcher: JournalMatcher): JournalHash {
  let given = false
  return {
    update(record) {
      given = !matcher.atEnd
      if (given) inner.update(record)
    },
    afterSinks() {
      if (given) inner.afterSinks?.()
    },
    digest: () => inner.digest(),
  }
}

/** Orders the replayed session tracked without a final state when the recording ends. */
function inFlightOrders(handle: LiveSessionHandle | undefined, sentBeyond: ReadonlySet<string>): RecordingEnd['orders'] {
  if (!handle) return []
  const out: {clientOrderId: string; symbol: string; side: string; status: string}[] = []
  for (const o of handle.wiring.view.orders.all()) {
    if (isTerminal(o.status) || sentBeyond.has(o.request.clientOrderId)) continue
    out.push({clientOrderId: o.request.clientOrderId, symbol: o.request.symbol, side: o.request.side, status: o.status})
  }
  return out
}

/** Requests and subscriptions the recording sent and holds no answer for. */
function unanswered(records: readonly JournalRecord[]): RecordingEnd['requests'] {
  const open = new Map<number, {n: number; t: number; endpoint: string}>()
  for (const r of records) {
    const d = r.data as {n?: number; endpoint?: string; stream?: string}
    if (r.type === VENUE_RECORD.request) open.set(d.n!, {n: d.n!, t: r.t, endpoint: String(d.endpoint)})
    else if (r.type === VENUE_RECORD.subscribe) open.set(d.n!, {n: d.n!, t: r.t, endpoint: `subscribe ${String(d.stream)}`})
    else if (r.type === VENUE_RECORD.response || r.type === VENUE_RECORD.subscribed) open.delete(d.n!)
  }
  return [...open.values()]
}

export interface LiveReplayFileOptions {
  /**
   * Called before the file is loaded when it does not end with its session_end record (a killed session, or one
   * still running): told from the file's tail, so the user hears it at once, not after a long load.
   */
  readonly onUnended?: (tail: JournalTail) => void
}

/**
 * Replays a paper/live journal file as `trader replay` does: the strategy and risk limits from its header, the
 * venue's adapter (the same decoding code the session ran) on the recorded traffic. The header, the strategy and
 * the start state are checked from the file's first records before the whole file is read.
 */
export async function replayLiveFile(path: string, opts: LiveReplayFileOptions = {}): Promise<LiveReplayReport> {
  const {readJournal, readJournalHead} = await import('../../state/journal-file.js')
  const {readJournalTail} = await import('../../state/journal-tail.js')
  const {findStrategy} = await import('../../../strategies/index.js')
  const {venueFactory} = await import('./venues.js')
  const head = readJournalHead(path, 2)
  const header = liveHeaderOf(head, path)
  const factory = findStrategy(header.strategy)
  if (!factory) throw new LiveReplayError(`${path}: strategy '${header.strategy}' of the recording is not known to this version; replay with the version that wrote it`)
  const params = factory.params.safeParse(header.params)
  if (!params.success) throw new LiveReplayError(`${path}: the recorded parameters of ${header.strategy} no longer validate (${params.error.issues[0]?.message}); replay with the version that wrote it`)
  recordedStartState(head, path)
  const tail = readJournalTail(path)
  if (tail.last?.type !== SESSION_END_RECORD) opts.onUnended?.(tail)
  const read = readJournal(path)
  return replayLiveJournal({
    records: read.records,
    source: path,
    stateFiles: factory.stateFiles?.(params.data),
    ...(read.tornTail ? {tornTail: read.tornTail} : {}),
    makeVenue: await venueFactory(header.venue, undefined, header.feed ? {venue: header.feed, sim: header.sim} : undefined, header.positionMode),
    strategy: () => factory.create(params.data),
    risk: header.risk ? {limits: header.risk, ...(header.cooldowns ? {cooldowns: header.cooldowns} : {})} : undefined,
  })
}
