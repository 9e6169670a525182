/**
 * `replayJournal`: feeds a recorded session journal back through the same wiring (session-runner.ts), strategy
 * and decoding code on a virtual clock. The header (first record) rebuilds the run: strategy and parameters,
 * the same bars from the same data source, the seed and epoch; the venue is the recording (ReplayVenue). The
 * replayed journal is compared with the recording as it is written, so a replay of a simulated session that
 * reproduces it exactly ends with no divergence and the recording's hash.
 */
import {PositionModes} from '../sim/position-modes.js'
import {profileFor} from '../sim/venue-profile.js'
import {SimConfigSchema, withNeededPositionMode} from '../sim/config.js'
import {findStrategy} from '../../strategies/index.js'
import type {Violation} from '../broker/order-tracker.js'
import type {BarStream} from '../core/market-data.js'
import type {Instrument} from '../core/instrument.js'
import type {BrokerEvent} from '../core/events.js'
import {EventLoop} from '../engine/event-loop.js'
import {FillConsistency} from '../engine/fill-consistency.js'
import {Journal, type JournalRecord} from '../engine/journal.js'
import {type Divergence, JournalMatcher} from '../engine/journal-matcher.js'
import {PairedJournalHash} from '../engine/replay-hash.js'
import {ReplayVenue} from './replay-venue.js'
import {ReplayInputError, type SessionHeader, sessionHeaderOf} from '../engine/session-header.js'
import {barClockFor} from '../engine/bar-clock.js'
import {runSession, type SessionOutsideAction} from './session-runner.js'
import {captureStartState, recordedStartState, ReplayScratch, type StartState} from './start-state.js'
import type {StrategyFactory} from '../engine/strategy.js'

export interface ReplayReport {
  readonly header: SessionHeader
  /** The first divergences (at most 1,000 kept) and how many there were in all. */
  readonly divergences: readonly Divergence[]
  readonly divergenceCount: number
  readonly violations: readonly Violation[]
  readonly recordedHash: string
  readonly replayedHash: string
  readonly recordedRecords: number
  readonly replayedRecords: number
  readonly bars: number
  /** Recorded venue messages delivered. */
  readonly delivered: number
  /** Wall time of the replay: the session, both hashes and the checks (loading the file and the bars not included). */
  readonly seconds: number
  /** Journal records replayed per second of that wall time. */
  readonly eventsPerSecond: number
  /** Replay reproduced the recording: no divergence, no invariant violation, equal hashes. */
  readonly ok: boolean
}

/** Where the bars come from; by default the header's data source, read as `trader backtest` reads it. */
export interface ReplayData {
  readonly stream: BarStream
  readonly instruments: readonly Instrument[]
}

export interface ReplayOptions {
  /** Names the journal in messages. */
  readonly source?: string
  /** Overrides the header's data source (tests, or data moved elsewhere). */
  readonly data?: (header: SessionHeader) => Promise<ReplayData>
}

/** Replays a journal file (checksum-framed lines) or its records. */
export async function replayJournal(input: string | readonly JournalRecord[], opts: ReplayOptions = {}): Promise<ReplayReport> {
  let records: readonly JournalRecord[]
  let where = opts.source ?? 'journal'
  if (typeof input === 'string') {
    const {readJournal, assertJournal} = await import('../state/journal-file.js')
    assertJournal(input)
    const read = readJournal(input)
    if (read.tornTail) {
      throw new ReplayInputError(`${input}: ${read.tornTail.reason} at byte ${read.tornTail.offset}; the journal is torn or edited — replay needs every record intact`)
    }
    records = read.records
    where = input
  } else records = input
  const header = sessionHeaderOf(records, where)

  const factory = findStrategy(header.strategy)
  if (!factory) throw new ReplayInputError(`${where}: the recorded strategy '${header.strategy}' is not registered in this build`)
  const params = factory.params.safeParse(header.params)
  if (!params.success) throw new ReplayInputError(`${where}: the recorded parameters of ${header.strategy} no longer validate (${params.error.issues[0]?.message}); replay with the version that wrote it`)
  const sim = SimConfigSchema.parse(header.sim)
  const scenario = header.mode === 'scenario' ? await scenarioOf(header, where) : undefined
  const data = await (opts.data ?? (scenario ? scenario.data : headerData))(header)

  // The strategy's state on a private copy of what the recording started from: the live files are never touched.
  const start = recordedStartState(records, where)
  const scratch = new ReplayScratch(start)
  try {
    return await replayRecords(records, {header, factory, params: params.data, sim, scenario, data, start, scratch})
  } finally {
    scratch.dispose()
  }
}

interface ReplayRun {
  readonly header: SessionHeader
  readonly factory: StrategyFactory<any>
  readonly params: unknown
  readonly sim: ReturnType<typeof SimConfigSchema.parse>
  readonly scenario: Awaited<ReturnType<typeof scenarioOf>> | undefined
  readonly data: ReplayData
  readonly start: StartState | undefined
  readonly scratch: ReplayScratch
}

async function replayRecords(records: readonly JournalRecord[], x: ReplayRun): Promise<ReplayReport> {
  const {header, factory, sim, scenario, data, start, scratch} = x
  const started = performance.now()
  // Both hashes are taken as the replay runs: the matcher hashes each recorded record as its cursor passes it,
  // and while the two streams agree each record is hashed once for both.
  const hashes = new PairedJournalHash()
  const matcher = new JournalMatcher(records, {hash: hashes.recorded})
  const journal = new Journal({sinks: [matcher], hash: hashes.replayed})
  const loop = new EventLoop(0)
  // The venue's position modes as the recording's simulator had them: its settings, else the strategy's need.
  const base = profileFor(header.venue, data.instruments)
  const modes = new PositionModes(base.positionMode, data.instruments, withNeededPositionMode(sim, factory.positionMode).positionMode)
  const profile = {...base, positionMode: modes.account}
  const venue = new ReplayVenue(records, loop, matcher, profile, data.instruments, journal)
  venue.positionModeOf = (symbol) => modes.of(symbol)
  venue.start()
  const run = await runSession({
    stream: data.stream,
    instruments: data.instruments,
    venue,
    // The bars at the times the recording had them (the path points themselves are the recorded venue's affair).
    barClock: barClockFor(profile.marketHours, data.stream.timeframe),
    loop,
    strategy: factory.create(x.params),
    initialCash: sim.initialCash,
    seed: header.seed,
    epoch: header.epoch,
    journal,
    header: records[0].data,
    // Recorded again from the scratch copy: the replay shows it started from the same files.
    startState: captureStartState(factory.stateFiles?.(x.params), {where: scratch.stateDir, kill: header.risk ? start?.kill : undefined}),
    stateDir: scratch.stateDir,
    risk: header.risk ? {limits: header.risk, kill: start?.kill} : undefined,
    barMarks: false,
    restartAt: scenario?.restartAt,
    crashAt: scenario?.crashAt,
    rebuild: scenario ? (snapshot) => factory.create(x.params, snapshot) : undefined,
    outside: scenario?.outside,
  })
  matcher.finish()
  for (const index of venue.unmadeRequests()) {
    const r = records[index]
    matcher.report({kind: 'missing_request', t: r.t, index, detail: `the recording sent ${JSON.stringify(r.data)}; replay did not`})
  }
  const recordedHash = hashes.recorded.digest()
  const replayedHash = journal.digest()
  const fills = new FillConsistency()
  for (const r of records) if (r.type === 'event') fills.apply(r.data as BrokerEvent, r.t)
  const violations = [...run.view.orders.violations, ...fills.violations]
  const seconds = (performance.now() - started) / 1000
  return {
    header,
    divergences: matcher.divergences,
    divergenceCount: matcher.count,
    violations,
    recordedHash,
    replayedHash,
    recordedRecords: records.length,
    replayedRecords: journal.size,
    bars: run.bars,
    delivered: venue.delivered,
    seconds,
    eventsPerSecond: records.length / Math.max(seconds, 1e-9),
    ok: matcher.count === 0 && violations.length === 0 && recordedHash === replayedHash,
  }
}

/** The recording's hash, computed as the session computed it. */
export function hashOf(records: readonly JournalRecord[]): string {
  const j = new Journal()
  for (const r of records) j.append(r)
  return j.digest()
}

/**
 * What a scenario run's replay takes from its header: the scenario's bars, its restarts, and its outside actions
 * as labels only — what they did at the venue is in the recording (their events, and `outside_failed` when the
 * venue refused one, which the replay venue delivers), so replay must not act again.
 */
async function scenarioOf(header: SessionHeader, where: string): Promise<{data: () => Promise<ReplayData>; restartAt?: number[]; crashAt?: number[]; outside: SessionOutsideAction[]}> {
  const {ScenarioSchema, outsideLabel, scenarioBars} = await import('./scenario.js')
  const parsed = ScenarioSchema.safeParse(header.scenario)
  if (!parsed.success) throw new ReplayInputError(`${where}: the recorded scenario no longer validates (${parsed.error.issues[0]?.message}); replay with the version that wrote it`)
  const scenario = parsed.data
  return {
    data: () => scenarioBars(scenario),
    restartAt: scenario.restartAt,
    crashAt: scenario.crashAt,
    outside: (scenario.outside ?? []).map((a) => ({at: a.at, label: outsideLabel(a), run: () => new Promise<never>(() => {})})),
  }
}

/** The bars of the recorded run: the same store, symbols, timeframe and period as the header names. */
async function headerData(header: SessionHeader): Promise<ReplayData> {
  const {openBacktestData} = await import('./backtest-job.js')
  const data = await openBacktestData({
    strategy: header.strategy,
    params: header.params,
    symbols: header.symbols,
    from: header.from ?? undefined,
    to: header.to ?? undefined,
    timeframe: header.timeframe,
    db: header.source === 'sample' ? undefined : header.source.db,
    sim: header.sim,
    risk: header.risk,
  })
  if (data.totalRows !== header.rows) {
    throw new ReplayInputError(`the data source has ${data.totalRows} bars for the recorded symbols and period, the recording read ${header.rows}; the store changed since — replay against the data it was recorded on`)
  }
  return data
}
