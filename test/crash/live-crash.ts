/**
 * The crash test of REAL sessions: `trader paper` with the real strategies (the grid on Bybit in hedge mode, the
 * momentum pipeline on Alpaca) and their durable state on disk, against `trader exchange serve` — a separate
 * process that survives the client's death, so the venue keeps the truth. The session is SIGKILLed at seeded
 * random moments (most after it is ready, some during start-up), restarted with the same account, state and
 * journal directories, and the last run ends cleanly (--duration). Checks after every kill, after every restart
 * and at the end are in `live-checks.ts`; `runLiveCrash` returns what it found rather than throwing, so a test can
 * assert that the real product passes and that a naive variant fails.
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Rng} from '../../src/core/rng.js'
import {
  changedFiles, checkCleanStop, checkGridOrders, checkMomentumEntries, checkNoResend, checkTakenInAtNextStart, duplicateRefusals, fileHashes, filesWithSecrets, intentIds,
  loadState, type Positions, positionsFromFills, receivedBeforeStop, runJournals, samePositions, scanJournal, showPositions,
} from './live-checks.js'
import {type Emulator, kill9, replayJournals, type Session, startEmulator, startSession, until, waitReady} from './live-procs.js'
import {readVenuePositions, readVenueTruth, TEST_KEYS, type TruthFill} from './venue-truth.js'

export type LiveCase = 'grid' | 'momentum'

export interface LiveCrashOptions {
  readonly strategy: LiveCase
  /** Kills before the final clean run. */
  readonly kills: number
  readonly seed: number
  /** Emulator --speed and session --time-scale. */
  readonly speed?: number
  /** Longest wait after ready before a kill, wall ms. */
  readonly maxDelayMs?: number
  /** Share of kills during start-up (before /ready). */
  readonly startupKillShare?: number
  /** Share of trading kills that first wait (bounded) until the venue shows a position: a crash while holding. */
  readonly holdingShare?: number
  /** How long a holding kill waits for a position before it comes anyway (default 8 s). */
  readonly holdingWaitMs?: number
  /** Session time of the last, clean run. */
  readonly finalDuration?: string
  /** Naive variant: the same strategy WITHOUT its stateDir (state in memory only). */
  readonly withoutStateDir?: boolean
  /** Extra strategy parameters (merged over the case's). */
  readonly params?: Record<string, unknown>
  /** Keep the directory (for a look after a failure). */
  readonly keep?: boolean
  /** Replay every life's journal with `trader replay` at the end (default true). */
  readonly replay?: boolean
}

export interface KillPoint {
  readonly run: number
  readonly phase: 'startup' | 'trading' | 'holding'
  /** Wall ms after spawn (startup), after ready (trading) or after a position was seen (holding). */
  readonly afterMs: number
}

export interface LiveCrashReport {
  readonly strategy: LiveCase
  readonly seed: number
  readonly killPoints: readonly KillPoint[]
  readonly runs: number
  readonly epochs: readonly number[]
  /** Restarts whose positions were compared with the venue's while they ran (the kill may come first). */
  readonly positionChecks: number
  /** Momentum: start-up reconciliations read from the journals, and how many found a difference. */
  readonly startupReconciles: number
  readonly orders: number
  readonly fills: number
  /** Fills the venue made after the last, clean stop (missing from its state; the extra start took them in). */
  readonly fillsAfterStop: number
  readonly tornTails: readonly string[]
  /** `trader replay` of every life's journal: how many, how many passed, how many were killed lives (no end record). */
  readonly replays: {readonly journals: number; readonly passed: number; readonly killed: number; readonly inFlightOrders: number; readonly empty: number}
  readonly violations: readonly string[]
  readonly wallMs: number
  readonly dir: string
}

const CASES = {
  grid: {
    venue: 'bybit' as const,
    symbols: ['BTCUSDT'],
    // A large notional and cash: level sizes of ~1 BTC, so the 0.001 lot step cannot hide a re-sized level.
    emulator: ['--venue', 'bybit', '--symbols', 'BTCUSDT', '--cash', '10000000'],
    params: {baseNotional: 20_000, multiplier: 1.2, gridStepPct: 0.08, tpPct: 0.08, maxLevels: 4},
    keys: TEST_KEYS.bybit,
    flags: [] as string[],
  },
  momentum: {
    venue: 'alpaca' as const,
    symbols: ['IBM', 'SPY'],
    emulator: ['--venue', 'alpaca', '--symbols', 'SPY,IBM', '--from', '2013-10-07T13:30:00Z'],
    params: {
      scanner: {intervalMs: 60_000, threshold: 20, velocityWindow: 3, accelerationWindow: 2, volumeWindow: 5},
      buyer: {intervalMs: 15_000},
      monitor: {intervalMs: 15_000, stopLossPct: 0.1, trailingStopPct: 0.05},
      seller: {intervalMs: 5_000, cooldownMs: 60_000},
    },
    keys: TEST_KEYS.alpaca,
    // Each life is a few session minutes: the pre-trade check's 20-bar warm-up would refuse every entry.
    flags: ['--no-risk'],
  },
}

export async function runLiveCrash(o: LiveCrashOptions): Promise<LiveCrashReport> {
  const started = performance.now()
  const c = CASES[o.strategy]
  const speed = o.speed ?? 600
  const maxDelayMs = o.maxDelayMs ?? 2_500
  const startupShare = o.startupKillShare ?? 0.2
  const rng = new Rng(o.seed)
  const dir = mkdtempSync(join(tmpdir(), `live-crash-${o.strategy}-`))
  const home = join(dir, 'home')
  mkdirSync(home, {recursive: true})
  const stateRoot = join(home, 'state')
  const journalDir = join(home, 'journals')
  const stateDir = join(dir, 'strategy-state')
  const account = `crash-${o.strategy}`
  const violations: string[] = []
  const killPoints: KillPoint[] = []
  const epochs: number[] = []
  const tornTails: string[] = []
  const outputs: string[] = []
  let positionChecks = 0
  const trace = (what: string): void => {
    if (process.env.LIVE_CRASH_TRACE) process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(2)} s] ${o.strategy}: ${what}\n`)
  }
  let emu: Emulator | undefined
  let live: Session | undefined
  try {
    emu = await startEmulator(home, [...c.emulator, '--speed', String(speed)], c.venue === 'alpaca')
    const params = {...c.params, ...o.params, ...(o.withoutStateDir ? {} : {stateDir})}
    const args = (extra: string[]) => [
      '--venue', c.venue, '--strategy', o.strategy, '--symbols', c.symbols.join(','), '--account', account, '--params', JSON.stringify(params),
      '--base-url', emu!.url, '--ws-url', emu!.wsUrl, '--time-scale', String(speed), '--health-port', '0', '--health-details',
      '--state-dir', stateRoot, '--journal-dir', journalDir, ...c.flags, ...extra,
    ]
    const truth = () => readVenueTruth(c.venue, emu!.url, c.symbols)
    const lockOf = (): {pid: number; epoch: number} | undefined => {
      const p = join(stateRoot, `${account}.lock`)
      try {
        return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as {pid: number; epoch: number}) : undefined
      } catch {
        return undefined
      }
    }

    /** After a restart: the engine's state on disk comes to equal the venue's positions while it runs. */
    const comparePositions = async (s: Session, deadline: Promise<unknown>): Promise<void> => {
      if (o.withoutStateDir) return
      let done = false
      void deadline.then(() => (done = true))
      let last = ''
      while (!done) {
        const before = await readVenuePositions(c.venue, emu!.url, c.symbols)
        let state: Positions
        try {
          state = loadState(o.strategy, stateDir).positions
        } catch (err) {
          violations.push(`run ${epochs.length}: the state in ${stateDir} did not load while the session ran: ${(err as Error).message}`)
          return
        }
        const after = await readVenuePositions(c.venue, emu!.url, c.symbols)
        if (done) return
        if (samePositions(before, after)) {
          if (samePositions(state, after)) {
            positionChecks++
            return
          }
          last = `state ${showPositions(state)} vs venue ${showPositions(after)}`
        }
        // Gently: the test reads with the session's key, inside its rate budget.
        await new Promise((r) => setTimeout(r, 400))
        if (s.proc.exitCode !== null) return
      }
      void last
    }

    const checkRestart = async (s: Session, info: {epoch: number; pid: number}): Promise<void> => {
      const prev = epochs.at(-1) ?? 0
      if (!(info.epoch > prev)) violations.push(`run ${epochs.length + 1}: epoch ${info.epoch} does not follow ${prev}`)
      epochs.push(info.epoch)
      const lock = lockOf()
      if (!lock || lock.pid !== s.pid || lock.epoch !== info.epoch) violations.push(`run ${epochs.length}: the lock file names ${JSON.stringify(lock)}, not pid ${s.pid} epoch ${info.epoch}`)
    }

    const checkAfterKill = (s: Session, wasReady: boolean): void => {
      outputs.push(s.output().stdout, s.output().stderr)
      // SIGKILL leaves the lock behind, naming the dead pid; the next start must reclaim it.
      const lock = lockOf()
      if (wasReady && lock?.pid !== s.pid) violations.push(`after killing pid ${s.pid}: the lock names ${JSON.stringify(lock)}`)
      if (o.withoutStateDir) return
      try {
        const st = loadState(o.strategy, stateDir)
        if (st.tornTail) tornTails.push(`state journal after kill ${killPoints.length}: ${st.tornTail}`)
      } catch (err) {
        violations.push(`after kill ${killPoints.length}: the state in ${stateDir} does not load: ${(err as Error).message}`)
      }
    }

    for (let i = 0; i < o.kills; i++) {
      const s = startSession(home, args([]), c.keys)
      live = s
      if (rng.next() < startupShare) {
        const afterMs = Math.round(rng.uniform(0, 1_500))
        await new Promise((r) => setTimeout(r, afterMs))
        const wasReady = lockOf()?.pid === s.pid
        await kill9(s)
        killPoints.push({run: i + 1, phase: 'startup', afterMs})
        checkAfterKill(s, wasReady)
        continue
      }
      trace(`run ${i + 1} started`)
      const info = await waitReady(s, 60_000)
      trace(`run ${i + 1} ready (epoch ${info.epoch})`)
      await checkRestart(s, info)
      const holding = rng.next() < (o.holdingShare ?? 0.5)
      const afterMs = Math.round(rng.uniform(0, maxDelayMs))
      if (holding) {
        // Bounded: when nothing is held in time, the kill comes anyway.
        await until(async () => Object.keys(await readVenuePositions(c.venue, emu!.url, c.symbols)).length > 0, 'a position', o.holdingWaitMs ?? 8_000, 300).catch(() => undefined)
      }
      const deadline = new Promise((r) => setTimeout(r, afterMs))
      await Promise.all([comparePositions(s, deadline), deadline])
      await kill9(s)
      killPoints.push({run: i + 1, phase: holding ? 'holding' : 'trading', afterMs})
      trace(`run ${i + 1} killed ${afterMs} ms after ready`)
      checkAfterKill(s, true)
    }

    // The last run ends cleanly; its state must then equal the venue exactly.
    const s = startSession(home, args(['--duration', o.finalDuration ?? '20m']), c.keys)
    live = s
    const info = await waitReady(s, 60_000)
    await checkRestart(s, info)
    trace('last run ready')
    let timer: NodeJS.Timeout | undefined
    const exit = await Promise.race([s.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 120_000)))])
    clearTimeout(timer)
    outputs.push(s.output().stdout, s.output().stderr)
    if (!exit || exit.code !== 0) violations.push(`the last run did not end cleanly: ${JSON.stringify(exit)} ${s.output().stderr.slice(-500)}`)
    // Orders still working at the end may fill after the stop; read the truth once it is still.
    let t = await truth()
    await until(async () => {
      const again = await truth()
      const still = samePositions(again.positions, t.positions) && again.fills.length === t.fills.length
      t = again
      return still
    }, 'the venue to be still', 10_000, 600).catch(() => undefined)

    trace('last run ended; venue still')
    let missingAfterStop: readonly TruthFill[] = []
    // ---- final checks
    if (!samePositions(positionsFromFills(t.fills, t.orders), t.positions)) violations.push(`venue fills add up to ${showPositions(positionsFromFills(t.fills, t.orders))} but it reports ${showPositions(t.positions)}`)
    if (!o.withoutStateDir) {
      try {
        const st = loadState(o.strategy, stateDir)
        if (st.tornTail) violations.push(`the state journal still has a torn tail after a clean stop: ${st.tornTail}`)
        // Every fill the last session received before it stopped must be in its state. Orders it left working may
        // fill after the stop: only those fills — ones its journal never saw — may be missing, and the next start
        // must take them in (checked below).
        const last = runJournals(journalDir, account).at(-1)
        const stop = checkCleanStop(st.positions, t.fills, t.orders, receivedBeforeStop(last ? scanJournal(last).records : []))
        violations.push(...stop.violations)
        missingAfterStop = stop.missing
      } catch (err) {
        violations.push(`after the clean stop the state does not load: ${(err as Error).message}`)
      }
    }
    const journals = runJournals(journalDir, account)
    if (journals.length !== o.kills + 1) {
      const startupKills = killPoints.filter((k) => k.phase === 'startup').length
      if (journals.length < o.kills + 1 - startupKills) violations.push(`${journals.length} run journals for ${o.kills + 1} runs`)
    }
    const refusals: string[] = []
    let otherRefusals = 0
    let startupReconciles = 0
    const intentRuns = new Map<string, number>()
    for (const path of journals) {
      const scan = scanJournal(path)
      violations.push(...scan.violations)
      if (scan.tornTail) tornTails.push(`${path.slice(path.lastIndexOf('/') + 1)}: ${scan.tornTail}`)
      refusals.push(...duplicateRefusals(scan.records))
      for (const r of scan.records) {
        if (r.type === 'venue_response') {
          const d = JSON.stringify(r.data)
          if (/"path":"\/v5\/order\/create"|"POST \/v5\/order\/create"/.test(d) && /"retCode":(?!0[,}])\d+/.test(d) && !d.includes('110072')) otherRefusals++
        }
        // The journal of a killed run may have lost its last buffered records: either record is evidence.
        if (r.type === 'reconciled' && (r.data as {kind?: string}).kind === 'startup') {
          startupReconciles++
          const diffs = (r.data as {differences: number}).differences
          if (diffs > 0) violations.push(`${path.slice(path.lastIndexOf('/') + 1)}: start-up reconciliation found ${diffs} difference(s) between the restored state and the venue: a fill the venue reported was not in the state`)
        } else if (r.type === 'reconcile_diff' && (r.data as {reconcile?: string}).reconcile === 'startup' && !scan.records.some((x) => x.type === 'reconciled' && (x.data as {kind?: string}).kind === 'startup')) {
          violations.push(`${path.slice(path.lastIndexOf('/') + 1)}: start-up reconciliation found a difference between the restored state and the venue (${JSON.stringify(r.data).slice(0, 200)})`)
        }
      }
      for (const id of new Set(intentIds(scan.records))) intentRuns.set(id, (intentRuns.get(id) ?? 0) + 1)
    }
    const stats = await emu.stats()
    const createKey = c.venue === 'bybit' ? 'POST /v5/order/create' : 'POST /v2/orders'
    violations.push(...checkNoResend(t, stats.byEndpoint[createKey] ?? 0, refusals, otherRefusals))
    for (const [id, runs] of intentRuns) if (runs > 1) violations.push(`client order id ${id} has an intent in ${runs} runs (a resend with the same id; the venue must know it once)`)
    violations.push(...(o.strategy === 'grid' ? checkGridOrders(t) : checkMomentumEntries(t)))
    const secrets = Object.values(c.keys)
    violations.push(...filesWithSecrets([home, stateDir], secrets))
    for (const out of outputs) for (const sec of secrets) if (out.includes(sec)) violations.push(`a session printed ${sec.slice(0, 6)}…`)

    // The venue filled orders after the clean stop: one more start, which must reconcile them into its state.
    if (missingAfterStop.length > 0 && !o.withoutStateDir) {
      trace(`${missingAfterStop.length} fill(s) after the clean stop; one more start`)
      const n = startSession(home, args(['--duration', '5m']), c.keys)
      live = n
      let timer2: NodeJS.Timeout | undefined
      const exit2 = await Promise.race([n.exited, new Promise<undefined>((r) => (timer2 = setTimeout(() => r(undefined), 120_000)))])
      clearTimeout(timer2)
      if (!exit2 || exit2.code !== 0) violations.push(`the start after the clean stop did not end cleanly: ${JSON.stringify(exit2)} ${n.output().stderr.slice(-500)}`)
      const t2 = await truth()
      const last2 = runJournals(journalDir, account).at(-1)
      const next = checkCleanStop(loadState(o.strategy, stateDir).positions, t2.fills, t2.orders, receivedBeforeStop(last2 ? scanJournal(last2).records : []))
      violations.push(...next.violations.map((v) => `the start after the clean stop: ${v}`), ...checkTakenInAtNextStart(missingAfterStop, next))
    }

    // Every life's journal replays with `trader replay` — a killed life's up to its last intact record — and the
    // replays leave the account's files (lock, epoch, the strategy's state) byte for byte as they were.
    const replays = {journals: 0, passed: 0, killed: 0, inFlightOrders: 0, empty: 0}
    if (o.replay ?? true) {
      const all = runJournals(journalDir, account)
      // Killed before anything reached the disk: nothing to replay (the header is fsync'd as the session begins).
      const lives = all.filter((f) => statSync(f).size > 0)
      replays.empty = all.length - lives.length
      const before = fileHashes([stateRoot, stateDir])
      const out = await replayJournals(home, lives)
      const changed = changedFiles(before, fileHashes([stateRoot, stateDir]))
      if (changed.length > 0) violations.push(`trader replay changed the account's files: ${changed.join(', ')}`)
      if (out.results.length !== lives.length) violations.push(`trader replay of ${lives.length} journals gave ${out.results.length} results (exit ${out.code}): ${out.stderr.slice(-500)}`)
      for (const r of out.results) {
        replays.journals++
        if (r.replay?.end) {
          replays.killed++
          replays.inFlightOrders += r.replay.end.orders.length
        }
        if (r.ok) replays.passed++
        else violations.push(`trader replay ${r.file.slice(r.file.lastIndexOf('/') + 1)}: ${r.failures.slice(0, 3).join('; ')}`)
      }
      if (replays.killed < killPoints.length - killPoints.filter((k) => k.phase === 'startup').length) violations.push(`only ${replays.killed} replayed journals end without their end record, for ${killPoints.length} kills`)
    }

    return {
      strategy: o.strategy, seed: o.seed, killPoints, runs: o.kills + 1, epochs, positionChecks, startupReconciles,
      orders: t.orders.length, fills: t.fills.length, fillsAfterStop: missingAfterStop.length, tornTails, replays, violations, wallMs: Math.round(performance.now() - started), dir,
    }
  } finally {
    if (live && live.proc.exitCode === null && live.proc.signalCode === null) live.proc.kill('SIGKILL')
    await emu?.stop()
    if (!o.keep) rmSync(dir, {recursive: true, force: true})
  }
}
