/**
 * Runs one seed: draws its plan, runs it as a scenario through the backtest wiring (the same engine, simulator
 * and strategies as every other run), checks the invariants at every bar instant and at the end, and turns any
 * throw or unhandled rejection inside the run into a violation instead of letting it end the tester. A share of
 * the seeds runs twice and must give the same journal hash.
 */
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import type {Fill} from '../core/fill.js'
import type {Instrument} from '../core/instrument.js'
import {Journal, type JournalRecord} from '../engine/journal.js'
import {runScenario, type Scenario} from '../run/scenario.js'
import type {SessionWiring} from '../run/session-wiring.js'
import type {SimulatedExchange} from '../sim/exchange.js'
import {TIMEFRAME_MS} from '../core/market-data.js'
import {executionsOnce, FilledMonotonic, gridNoOrphans, ledgerConserved, onePerSignalLeg, positionsMatch, type SimViolation, staleDecisions, trackerViolations} from './checks.js'
import {type Base, drawPlan, type SeedPlan} from './plan.js'
import {qtyEq} from '../core/quantity.js'

export interface SeedOutcome {
  readonly plan: SeedPlan
  /** The scenario as run (the state directory filled in). */
  readonly scenario: Scenario
  readonly violations: readonly SimViolation[]
  readonly journalHash: string | undefined
  readonly records: readonly JournalRecord[]
  /** Whether this seed ran twice to compare journal hashes. */
  readonly determinismChecked: boolean
  readonly ms: number
}

export interface RunSeedOptions {
  /** Run twice and compare the journal hashes (default: one seed in `determinismEvery`). */
  readonly twice?: boolean
  readonly determinismEvery?: number
  /** Under which directory crash-restart seeds get their fresh state directories (default: /dev/shm where there is one). */
  readonly stateRoot?: string
}

/** One seed in ten runs twice (the determinism check). */
export const DETERMINISM_EVERY = 10

/** Longest time from a symbol's newest bar to an order on it that is not a decision on stale data. */
const staleLimit = (tfMs: number): number => 3 * tfMs + 60_000

export async function runSeed(seed: number, bases: readonly Base[], opts: RunSeedOptions = {}): Promise<SeedOutcome> {
  return runPlan(drawPlan(seed, bases), opts)
}

export async function runPlan(plan: SeedPlan, opts: RunSeedOptions = {}): Promise<SeedOutcome> {
  const started = performance.now()
  const twice = opts.twice ?? plan.seed % (opts.determinismEvery ?? DETERMINISM_EVERY) === 0
  // A crash-restart plan's stateDir is FRESH_STATE_DIR: runScenario gives each run its own empty directory.
  const scenario = plan.scenario
  const root = opts.stateRoot ?? defaultStateRoot()
  const first = await checkedRun(scenario, root)
  const violations = [...first.violations]
  if (twice && first.hash !== undefined) {
    const again = await checkedRun(scenario, root)
    if (again.hash !== first.hash) violations.push({rule: 'nondeterministic', t: 0, detail: `two runs of seed ${plan.seed} gave journal hashes ${first.hash.slice(0, 12)} and ${again.hash?.slice(0, 12)}`})
  }
  return {plan, scenario, violations, journalHash: first.hash, records: first.records, determinismChecked: twice, ms: performance.now() - started}
}

interface CheckedRun {
  readonly violations: SimViolation[]
  readonly hash: string | undefined
  readonly records: readonly JournalRecord[]
}

/** One run with the invariant checks; a throw or an unhandled rejection inside it is a violation. */
export async function checkedRun(scenario: Scenario, stateRoot?: string): Promise<CheckedRun> {
  const out: SimViolation[] = []
  const filled = new FilledMonotonic()
  let wiring: SessionWiring | undefined
  let venue: SimulatedExchange | undefined
  const venueFilled = new Map<string, number>()
  let counted = 0
  let now = 0
  const observe = (t: number, w: SessionWiring, v: SimulatedExchange): void => {
    now = t
    wiring = w
    venue = v
    for (const ex = v.executions; counted < ex.length; counted++) venueFilled.set(ex[counted].clientOrderId, (venueFilled.get(ex[counted].clientOrderId) ?? 0) + ex[counted].qty)
    filled.step(t, w.view.orders.all(), v.orderSnapshots(), out)
    executionsOnce(t, w.view.orders.all(), venueFilled, out)
  }
  const rejected: unknown[] = []
  const onRejection = (reason: unknown): void => void rejected.push(reason)
  process.on('unhandledRejection', onRejection)
  const journal = new Journal({keep: true})
  let hash: string | undefined
  try {
    const run = await runScenario(scenario, {observe, journal, stateRoot})
    hash = run.journal.digest()
    const r = run.result
    const end = r.to
    trackerViolations(r.violations, out)
    const decided = new Set(journal.records.filter((x) => x.type === 'intent').map((x) => (x.data as {request: {clientOrderId: string}}).request.clientOrderId))
    onePerSignalLeg(r.orders, decided, end, out)
    if (scenario.strategy === 'grid') gridNoOrphans(r.orders, r.fills, end, out)
    if (wiring && venue) {
      const reported = new Map<string, number>()
      for (const x of journal.records) {
        const e = x.data as {kind?: string; position?: {symbol: string; side: string; ts: number}}
        if (x.type !== 'event' || e.kind !== 'position' || !e.position) continue
        const k = `${e.position.symbol} ${e.position.side}`
        reported.set(k, Math.max(reported.get(k) ?? -Infinity, e.position.ts))
      }
      positionsMatch(wiring.view.positions, venue.ledger.positions, end, out, reported)
      const v = venue
      ledgerConserved(v, (s: string): Instrument => v.instrument(s), end, out)
    }
    strategyLegs(run.strategy, r.fills, end, out)
    stale(scenario, journal.records, out)
  } catch (err) {
    out.push({rule: 'uncaught_exception', t: now, detail: describe(err)})
  } finally {
    // An unhandled rejection is reported after the turn that made it: let that turn pass before looking.
    await new Promise((resolve) => setImmediate(resolve))
    process.off('unhandledRejection', onRejection)
  }
  for (const reason of rejected) out.push({rule: 'unhandled_rejection', t: now, detail: describe(reason)})
  return {violations: dedupe(out), hash, records: journal.records}
}

/** The grid's own legs equal the venue's at the end (it must have recovered whatever the faults took). */
function strategyLegs(strategy: unknown, fills: readonly Fill[], t: number, out: SimViolation[]): void {
  const s = strategy as {legOf?: (symbol: string, side: 'long' | 'short') => {size: number} | undefined}
  if (typeof s?.legOf !== 'function') return
  const venue = new Map<string, number>()
  for (const f of fills) {
    const k = `${f.symbol} ${f.positionSide}`
    const open = (f.positionSide === 'long') === (f.side === 'buy')
    venue.set(k, (venue.get(k) ?? 0) + (open ? f.qty : -f.qty))
  }
  for (const symbol of new Set(fills.map((f) => f.symbol))) {
    for (const side of ['long', 'short'] as const) {
      const v = Math.round((venue.get(`${symbol} ${side}`) ?? 0) * 1e9) / 1e9
      const mine = s.legOf(symbol, side)?.size ?? 0
      if (!qtyEq(mine, v)) out.push({rule: 'strategy_position_mismatch', t, detail: `${symbol} ${side}: the strategy holds ${mine}, the venue ${v}`})
    }
  }
}

function stale(scenario: Scenario, records: readonly JournalRecord[], out: SimViolation[]): void {
  if (!('inline' in scenario.data)) return
  const tf = TIMEFRAME_MS[scenario.data.inline.timeframe]
  const closes = new Map<string, number[]>()
  for (const b of scenario.data.inline.bars) {
    const list = closes.get(b[0]) ?? []
    list.push(b[1] + tf)
    closes.set(b[0], list)
  }
  let last = -Infinity
  for (const list of closes.values()) {
    list.sort((a, b) => a - b)
    last = Math.max(last, list[list.length - 1])
  }
  const intents = records
    .filter((r) => r.type === 'intent')
    .map((r) => {
      const req = (r.data as {request: {symbol: string; clientOrderId: string}}).request
      return {t: r.t, symbol: req.symbol, clientOrderId: req.clientOrderId}
    })
  staleDecisions(intents, closes, last, staleLimit(tf), out)
}

/** One line: the error's message (and class, for a throw: it names the failure class of the campaign). */
function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0]}`
  return String(err).split('\n')[0]
}

/** The same rule and detail once (a step check sees a lasting breach at every later step too). */
function dedupe(list: readonly SimViolation[]): SimViolation[] {
  const seen = new Set<string>()
  return list.filter((v) => {
    const k = `${v.rule}\u0000${v.detail}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/**
 * Durable state of crash-restart seeds lives in memory-backed storage where there is one (/dev/shm): the grid
 * fsyncs every change, which on a disk costs seconds per seed and tests nothing the crash tests do not.
 */
function defaultStateRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
}
