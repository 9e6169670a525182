/**
 * Replays a paper or live session journal: the session's own wiring (runLiveSession) on a virtual clock, the
 * venue answering from the journal (ReplayTransport) through the same adapter decoding, the stop at its recorded
 * time. The replayed journal is compared with the recording record by record.
 */
import {EventLoop, microtaskBarrier} from '../event-loop.js'
import {Journal, type JournalRecord} from '../journal.js'
import {type Divergence, JournalMatcher} from '../journal-matcher.js'
import {PairedJournalHash} from '../replay-hash.js'
import type {MetricsRegistry} from '../metrics.js'
import type {SessionRisk} from '../session-wiring.js'
import type {Strategy} from '../strategy.js'
import {LIVE_SESSION_RECORD, type LiveSessionHeader, LiveSessionHeaderSchema, SESSION_STOP_RECORD, SHUTDOWN_RECORD} from './live-header.js'
import {type LiveVenueFactory, runLiveSession} from './live-session.js'
import {ReplayTransport} from './replay-transport.js'

export class LiveReplayError extends Error {
  override readonly name = 'LiveReplayError'
}

export function isLiveJournal(records: readonly JournalRecord[]): boolean {
  return records[0]?.type === LIVE_SESSION_RECORD
}

export function liveHeaderOf(records: readonly JournalRecord[], where: string): LiveSessionHeader {
  const parsed = LiveSessionHeaderSchema.safeParse(records[0]?.data)
  if (records[0]?.type !== LIVE_SESSION_RECORD || !parsed.success) {
    const issue = parsed.success ? undefined : parsed.error.issues[0]
    throw new LiveReplayError(`${where}: not a paper/live session journal${issue ? ` (header field '${issue.path.join('.')}': ${issue.message})` : ''}`)
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
}

export interface LiveReplayReport {
  readonly header: LiveSessionHeader
  readonly divergences: readonly Divergence[]
  readonly divergenceCount: number
  readonly recordedRecords: number
  readonly replayedRecords: number
  readonly recordedHash: string
  readonly replayedHash: string
  readonly delivered: number
  /** Bars the replayed session handled. */
  readonly bars: number
  readonly unmatchedRequests: number
  /** Journal records replayed per second of wall time (loading the file not included). */
  readonly recordsPerSecond: number
  readonly ok: boolean
}

export async function replayLiveJournal(input: LiveReplayInput): Promise<LiveReplayReport> {
  const {records} = input
  const header = liveHeaderOf(records, input.source)
  // Both hashes in one pass while the replay agrees with the recording (see replay-hash.ts).
  const hashes = new PairedJournalHash()
  const matcher = new JournalMatcher(records, {hash: hashes.recorded})
  const journal = new Journal({sinks: [matcher], hash: hashes.replayed})
  const loop = new EventLoop(header.origin)
  const transport = new ReplayTransport(header.venue, records, loop)
  const stop = records.find((r) => r.type === SESSION_STOP_RECORD)
  const shutdown = records.find((r) => r.type === SHUTDOWN_RECORD)
  const end = records.length > 0 ? records[records.length - 1].t : header.origin
  let finished = false
  let failure: unknown
  const started = performance.now()
  let bars: number | undefined
  const done = runLiveSession({
    header, loop, journal, transport, makeVenue: input.makeVenue, strategy: input.strategy(header), risk: input.risk, metrics: input.metrics,
    onReady: (h) => {
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
      failure = err
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
  if (!finished) {
    throw new LiveReplayError(
      stop
        ? `${input.source}: the replay stopped before reaching the recorded stop at ${stop.t}: it diverged from the recording (a request the recording never answered)`
        : `${input.source}: the journal has no session_stop record (the session was killed); replayed up to its last record`,
    )
  }
  await done
  if (failure) throw failure
  matcher.finish()
  const recordedHash = hashes.recorded.digest()
  const replayedHash = journal.digest()
  const seconds = (performance.now() - started) / 1000
  const divergences = matcher.divergences
  return {
    header,
    divergences: divergences.slice(0, 1000),
    divergenceCount: matcher.count,
    recordedRecords: records.length,
    replayedRecords: journal.size,
    recordedHash,
    replayedHash,
    delivered: transport.delivered,
    bars: bars ?? 0,
    unmatchedRequests: transport.unmatched,
    recordsPerSecond: seconds > 0 ? journal.size / seconds : 0,
    ok: divergences.length === 0 && journal.size === records.length && recordedHash === replayedHash && transport.unmatched === 0,
  }
}

/**
 * Replays a paper/live journal file as `trader replay` does: the strategy and risk limits from its header, the
 * venue's adapter (the same decoding code the session ran) on the recorded traffic.
 */
export async function replayLiveFile(path: string): Promise<LiveReplayReport> {
  const {readJournal} = await import('../../state/journal-file.js')
  const {findStrategy} = await import('../../../strategies/index.js')
  const {venueFactory} = await import('./venues.js')
  const {records} = readJournal(path)
  const header = liveHeaderOf(records, path)
  const factory = findStrategy(header.strategy)
  if (!factory) throw new LiveReplayError(`${path}: strategy '${header.strategy}' of the recording is not known to this version`)
  const params = factory.params.safeParse(header.params)
  if (!params.success) throw new LiveReplayError(`${path}: the recorded parameters of ${header.strategy} no longer validate`)
  return replayLiveJournal({
    records,
    source: path,
    makeVenue: await venueFactory(header.venue, undefined, header.feed ? {venue: header.feed, sim: header.sim} : undefined, header.positionMode),
    strategy: () => factory.create(params.data),
    risk: header.risk ? {limits: header.risk, ...(header.cooldowns ? {cooldowns: header.cooldowns} : {})} : undefined,
  })
}
