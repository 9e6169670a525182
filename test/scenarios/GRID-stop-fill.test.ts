/**
 * GRID stop-fill: a clean stop of a paper session while the grid's market openings are working, and a restart.
 *
 * The live crash test once found the grid's state file, after the final clean stop, without a fill the venue held.
 * Two ways lead there, and only one is allowed:
 *  (a) the venue filled a working order AFTER the session stopped (the graceful shutdown waits only for orders the
 *      venue has not answered; an acknowledged one stays at the venue): the next start's reconciliation must take
 *      the fill in, so that the restored state equals the venue;
 *  (b) the session RECEIVED the fill (its execution and order reports are in the journal) but stopped before the
 *      position report, and the state it wrote at the stop lacks it: a lost acknowledged fill. Every fill the
 *      session received before it stopped must be in the state it leaves.
 *
 * Deterministic and in one process: the real `runLiveSession` (start-up reconciliation, graceful shutdown) and the
 * real grid with its stateDir, on a simulated Bybit venue that outlives the sessions (stop-fill-harness.ts).
 * Venue events travel with 5 ms latency, position reports with 40 ms: a stop 20 ms after a fill falls between the
 * fill's execution report and its position report, as a stop between two websocket frames does live.
 *
 * Bites: a grid that persists only on a timer (no final write at the stop) loses received fills; so did the grid
 * before this test (its persisted legs came only from position reports); a grid that trusts its state file at start
 * (no positions read from the venue) never learns the fill made after the stop.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {JournalRecord} from '../../src/engine/journal.js'
import type {Fill} from '../../src/core/fill.js'
import {type GridOptions, type GridParams, GridParamsSchema, GridStrategy} from '../../strategies/grid/index.js'
import {checkCleanStop, checkTakenInAtNextStart, loadState, type Positions, receivedBeforeStop} from '../crash/live-checks.js'
import type {TruthFill} from '../crash/venue-truth.js'
import {type SessionUnderTest, VenueHost} from './stop-fill-harness.js'

const T0 = Date.UTC(2024, 0, 2)
const MIN = 60_000
const SYMBOL = 'BTCUSDT'
const PRICE = 40_000
/** baseNotional / price: each opening is 0.5 BTC. */
const OPEN_QTY = 0.5

type Make = (p: GridParams) => GridStrategy

/** The seed bot's persistence: the state is written by a 5-minute timer, and nothing is written at the stop. */
class TimerPersistGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    let nextSave = -Infinity
    super(params, {
      ...opts,
      overrides: (rt) => ({
        persistence: {
          persist: () => {
            const now = rt.ctx.clock.now()
            if (now < nextSave) return
            nextSave = now + 5 * MIN
            rt.parts.store.persist()
          },
        },
      }),
    })
  }
}

/** The seed bot's start: it trusts its state file and reads neither positions nor orders from the venue. */
class TrustStateFileGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, {
      ...opts,
      overrides: (rt) => ({
        sync: {
          restore: (reason) => {
            if (reason === 'start') rt.hooks.sync.finishRestore('start')
            else rt.parts.sync.restore(reason)
          },
        },
      }),
    })
  }
}

/** The grid before this fix: its persisted legs came only from applied position reports. */
class PositionReportsOnlyGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, {...opts, overrides: () => ({persistence: {noteExecution: () => {}}})})
  }
}

const real: Make = (p) => new GridStrategy(p)

let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
  dirs = []
})

interface Setup {
  readonly host: VenueHost
  readonly stateDir: string
  readonly params: GridParams
}

function setup(): Setup {
  const stateDir = mkdtempSync(join(tmpdir(), 'grid-stop-fill-'))
  dirs.push(stateDir)
  const ms = (fixedMs: number) => ({fixedMs, jitterMs: 0})
  const host = new VenueHost(T0, [defaultInstrument(SYMBOL, 'crypto_perp', 'bybit')], {
    seed: 1,
    initialCash: 10_000_000,
    latencyByKind: {request: ms(5), response: ms(5), order: ms(5), execution: ms(5), account: ms(5), position: ms(40)},
  })
  // Flat bars: the market openings fill at the next bar's open; the averaging entries and take-profits a grid step
  // away never fill.
  for (let k = 0; k < 10; k++) host.bar(0, T0 + k * MIN, MIN, PRICE, PRICE, PRICE, PRICE, 1_000)
  const params = GridParamsSchema.parse({baseNotional: OPEN_QTY * PRICE, multiplier: 1.2, gridStepPct: 0.08, tpPct: 0.08, maxLevels: 4, stateDir})
  return {host, stateDir, params}
}

function start(s: Setup, make: Make, epoch: number): SessionUnderTest {
  return s.host.start(make(s.params), {venue: 'bybit', account: 'stop-fill', strategy: 'grid', params: s.params, symbols: [SYMBOL], timeframe: '1m', seed: 1, epoch, risk: null})
}

/** Graceful shutdown (the first signal) at `at`, then the session runs until it ended. */
async function shutdownAt(s: Setup, run: SessionUnderTest, at: number): Promise<void> {
  await s.host.runTo(at - 1)
  const h = run.handle()
  if (!h) throw new Error('the session is not trading yet')
  run.loop.schedule(at, () => h.shutdown('test'))
  await s.host.runTo(at + 5_000)
  // A guard against a hang only: the run itself is on virtual time.
  const ended = await Promise.race([run.done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2_000))])
  if (!ended) throw new Error('the session did not end after its shutdown')
  // General invariant: the engine's order tracker saw nothing illegal.
  expect(h.wiring.view.orders.violations).toEqual([])
}

function truthFills(fills: readonly Fill[]): TruthFill[] {
  return fills.map((f) => ({venueOrderId: f.venueOrderId, cid: f.clientOrderId, execId: f.execId, symbol: f.symbol, side: f.side, leg: f.positionSide, qty: f.qty, ts: f.ts}))
}

/** The venue's own book (its ledger), read directly: a query would wait for the venue's loop. */
function venuePositions(host: VenueHost): Positions {
  const out: Record<string, number> = {}
  for (const p of host.exchange.ledger.positions.snapshots()) if (p.qty !== 0) out[`${p.symbol}:${p.side}`] = Math.abs(p.qty)
  return out
}

const types = (records: readonly JournalRecord[]): string[] => records.map((r) => (r.type === 'event' ? `event:${(r.data as {kind: string}).kind}` : r.type))

/** What the clean stop left: the state file, the fills the journal saw before the stop, and the (b) check. */
function afterStop(s: Setup, run: SessionUnderTest) {
  const state = loadState('grid', s.stateDir).positions
  const fills = truthFills(s.host.exchange.executions)
  const received = receivedBeforeStop(run.records())
  return {state, fills, received, check: checkCleanStop(state, fills, [], received)}
}

/** Session 1 opens both legs at the first bar (T0+1m); the venue fills them at the next bar's open (T0+2m). */
async function stopDuringFill(make: Make, stopAt: number) {
  const s = setup()
  const run = start(s, make, 1)
  await shutdownAt(s, run, stopAt)
  return {s, run, ...afterStop(s, run)}
}

describe('GRID stop-fill: clean stop while orders work, then a restart', () => {
  it('(b) a fill the session received before it stopped is in the state it leaves, even before its position report', async () => {
    // Stop 20 ms after the fills: execution and order reports in (5 ms), position reports not yet (40 ms).
    const {s, run, state, received, check} = await stopDuringFill(real, T0 + 2 * MIN + 20)
    const t = types(run.records())
    const stop = t.indexOf('session_stop')
    // The situation: both executions and both filled order reports journaled before the stop, no position report.
    expect(t.slice(0, stop).filter((x) => x === 'event:execution')).toHaveLength(2)
    expect(t.slice(0, stop).filter((x) => x === 'event:position')).toHaveLength(0)
    expect(received.size).toBe(2)
    expect(check.violations).toEqual([])
    expect(check.missing).toEqual([])
    expect(state).toEqual({[`${SYMBOL}:long`]: OPEN_QTY, [`${SYMBOL}:short`]: OPEN_QTY})
    expect(state).toEqual(venuePositions(s.host))
  })

  it('(b) with every report in before the stop, the state equals the venue', async () => {
    const {s, state, check} = await stopDuringFill(real, T0 + 2 * MIN + 500)
    expect(check.violations).toEqual([])
    expect(state).toEqual(venuePositions(s.host))
  })

  it('(a) a fill the venue made after the stop is missing from the state only until the next start reconciles it', async () => {
    // Stop at T0+1m+30s: both market openings acknowledged and working (not in flight), nothing filled yet.
    const {s, run, state, fills, check} = await stopDuringFill(real, T0 + MIN + 30_000)
    const records = run.records()
    expect(records.find((r) => r.type === 'shutdown')?.data).toMatchObject({inFlight: 0})
    expect(s.host.exchange.orderSnapshots().filter((o) => o.status === 'accepted' && o.type === 'market')).toHaveLength(2)
    expect(state).toEqual({})
    expect(fills).toHaveLength(0)
    expect(check.violations).toEqual([])

    // The venue fills the working openings at the next bar, after the session is gone.
    await s.host.runTo(T0 + 2 * MIN + 1_000)
    const venue = venuePositions(s.host)
    expect(venue).toEqual({[`${SYMBOL}:long`]: OPEN_QTY, [`${SYMBOL}:short`]: OPEN_QTY})
    const after = checkCleanStop(state, truthFills(s.host.exchange.executions), [], receivedBeforeStop(records))
    expect(after.violations).toEqual([])
    expect(after.missing.map((f) => f.qty)).toEqual([OPEN_QTY, OPEN_QTY])

    // The next start: the restored state equals the venue before the first bar or sync.
    const run2 = start(s, real, 2)
    await s.host.runTo(T0 + 2 * MIN + 20_000)
    expect(types(run2.records())).toContain('grid_restored')
    expect(loadState('grid', s.stateDir).positions).toEqual(venue)
    await shutdownAt(s, run2, T0 + 2 * MIN + 30_000)
    expect(loadState('grid', s.stateDir).positions).toEqual(venuePositions(s.host))
    const next = checkCleanStop(loadState('grid', s.stateDir).positions, truthFills(s.host.exchange.executions), [], receivedBeforeStop(run2.records()))
    expect(next.violations).toEqual([])
    expect(checkTakenInAtNextStart(after.missing, next)).toEqual([])
  })

  it('(b) a fill that arrives while the start-up restore holds the queue is in the state of a stop before the answer', async () => {
    // Session 1 leaves both market openings working; session 2 starts 40 ms before the bar that fills them, so its
    // restore queries leave at the fill's instant and its queue waits for their answer when the executions arrive.
    const {s} = await stopDuringFill(real, T0 + MIN + 30_000)
    await s.host.runTo(T0 + 2 * MIN - 40)
    const run2 = start(s, real, 2)
    await shutdownAt(s, run2, T0 + 2 * MIN + 7)
    const t = types(run2.records())
    const stop = t.indexOf('session_stop')
    expect(t.slice(0, stop).filter((x) => x === 'event:execution')).toHaveLength(2)
    expect(t.slice(0, stop)).not.toContain('grid_restored')
    const check = checkCleanStop(loadState('grid', s.stateDir).positions, truthFills(s.host.exchange.executions), [], receivedBeforeStop(run2.records()))
    expect(check.violations).toEqual([])
    expect(loadState('grid', s.stateDir).positions).toEqual(venuePositions(s.host))
  })

  it('bites (b): a grid whose state takes sizes only from position reports loses fills received just before the stop', async () => {
    const {state, received, check} = await stopDuringFill((p) => new PositionReportsOnlyGrid(p), T0 + 2 * MIN + 20)
    expect(received.size).toBe(2)
    expect(state).toEqual({})
    expect(check.violations.join('\n')).toMatch(/a fill the session received before it stopped is not in its state/)
  })

  it('bites (b): a grid that persists on a timer, with no write at the stop, loses the fills it received', async () => {
    const {s, check, state} = await stopDuringFill((p) => new TimerPersistGrid(p), T0 + 2 * MIN + 500)
    expect(state).toEqual({})
    expect(venuePositions(s.host)).not.toEqual(state)
    expect(check.violations.join('\n')).toMatch(/received before it stopped/)
  })

  it('bites (a): a grid that trusts its state file at start never takes in the fill made after the stop', async () => {
    const {s, run} = await stopDuringFill(real, T0 + MIN + 30_000)
    await s.host.runTo(T0 + 2 * MIN + 1_000)
    const fills = truthFills(s.host.exchange.executions)
    const first = checkCleanStop(loadState('grid', s.stateDir).positions, fills, [], receivedBeforeStop(run.records()))
    expect(first.missing).toHaveLength(2)
    const run2 = start(s, (p) => new TrustStateFileGrid(p), 2)
    await s.host.runTo(T0 + 2 * MIN + 20_000)
    expect(types(run2.records())).toContain('grid_restored')
    // The restored state is not the venue's: the openings that filled after the stop are missing.
    expect(loadState('grid', s.stateDir).positions).not.toEqual(venuePositions(s.host))
    await shutdownAt(s, run2, T0 + 2 * MIN + 30_000)
    const next = checkCleanStop(loadState('grid', s.stateDir).positions, truthFills(s.host.exchange.executions), [], receivedBeforeStop(run2.records()))
    expect(checkTakenInAtNextStart(first.missing, next).join('\n')).toMatch(/still not in the state after the next start/)
  })
})
