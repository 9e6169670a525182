/**
 * ALP restart-fill: the pipeline is killed (SIGKILL) between two state writes that one venue report causes, and
 * restarts from the disk as the kill left it. Found by the crash test of the real momentum pipeline
 * (test/crash/strategy-crash.test.ts, seeds 4, 5 and 8): a fill report makes the order follower write the order
 * record, and then the buyer / seller write the position derived from it — two fsync'd writes, with a kill possible
 * between them. Three kill points, each the exact disk a crash there leaves:
 *  - exit: the exit's "filled" order report (it overtook its execution report) is on disk as a final record with no
 *    execution; the position still holds its old, cached quantity. The old Reconciler followed only non-final
 *    records, so the record never settled, the trade never closed, and the pipeline held 200 the venue did not.
 *  - entry-position: the entry's fill is on disk and the position record was just opened (quantity 0, refreshed by
 *    the next write, which the kill prevented). Nothing re-derived it: the pipeline held nothing where the venue held
 *    200, and the monitor, which skips empty positions, never exited.
 *  - entry-record: the entry's "filled" report is on disk without its execution, the position not opened yet. The
 *    old start-up adopted the venue's position as a foreign one and left the entry record unsettled for ever.
 * The start-up rule (issue 5): every record from a previous life that is not provably complete (final AND its
 * executions sum to its filled quantity) is looked up at the venue by client order id, with the executions since,
 * before the first decision; positions are re-derived from the records and compared with the venue's.
 *
 * Deterministic and in one process: the durable pipeline's own commit hook copies the state directory right after
 * the chosen write (what a SIGKILL just after that write leaves), and the in-process restart starts the next
 * instance on that copy. Order reports travel in 20 ms, execution reports in 200 ms, so the order report overtakes.
 */
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {runScenario, type Scenario, ScenarioSchema} from '../../src/run/scenario.js'
import {NS, type OrderRecord, type PositionRecord} from '../../src/state/pipeline-state.js'
import type {StateChange} from '../../src/state/store.js'
import {Momentum, MomentumParams} from '../../strategies/momentum/index.js'
import {type AlpRun, invariantFailures, recordsOf} from './alp-harness.js'

const T0 = Date.UTC(2024, 0, 2, 14, 30) // 09:30 New York
const MIN = 60_000
/** The entry fills at the close of bar 1 (its open, 50); the stop loss sells at the close of bar 5 (49). */
const ENTRY_FILL = T0 + 2 * MIN
const EXIT_FILL = T0 + 6 * MIN
const QTY = 200

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function scenario(restartAt: number): Scenario {
  const bars: [string, number, number, number, number, number, number][] = []
  for (let i = 0; i < 12; i++) {
    const p = i < 4 ? 50 : 49
    bars.push(['AAA', T0 + i * MIN, p, p, p, p, 100_000])
  }
  return ScenarioSchema.parse({
    id: 'ALP-restart-fill',
    title: 'a kill between a fill report and the position it changes; the restart completes the record from the venue',
    strategy: 'momentum',
    params: {
      scan: false,
      buyer: {sizing: {mode: 'notional', notional: QTY * 50}},
      monitor: {decelerationChecks: 0},
      seller: {cooldownMs: 0},
      feed: [{at: T0 + MIN + 5_000, signals: [{id: `momentum:AAA:${T0 + MIN}`, strategy: 'momentum', symbol: 'AAA', time: T0 + MIN, score: 150, components: {velocity: 0.4, acceleration: 0.2, relativeVolume: 1.5}, referencePrice: 50, maxAgeMs: 300_000}]}],
    },
    data: {inline: {timeframe: '1m', venue: 'alpaca', assetClass: 'us_equity', bars}},
    sim: {seed: 1, latency: {fixedMs: 20, jitterMs: 0}, latencyByKind: {execution: {fixedMs: 200, jitterMs: 0}}, fees: {takerRate: 0.0005}},
    restartAt: [restartAt],
  })
}

type KillPoint = (c: StateChange) => boolean
const isOrder = (c: StateChange): c is StateChange & {value: OrderRecord} => c.op === 'set' && c.ns === NS.orders.name
const isPosition = (c: StateChange): c is StateChange & {value: PositionRecord} => c.op === 'set' && c.ns === NS.positions.name

const KILLS: Record<string, {at: KillPoint; restartAt: number}> = {
  // The exit's final order report is written, its execution is not: the position still says 200.
  exit: {at: (c) => isOrder(c) && c.value.side === 'sell' && c.value.status === 'filled' && Object.keys(c.value.execs).length === 0, restartAt: EXIT_FILL + 300},
  // The position was opened at quantity 0; the write that sets it to the fill did not happen.
  'entry-position': {at: (c) => isPosition(c) && c.value.qty === 0 && c.value.orderIds.length === 1, restartAt: ENTRY_FILL + 300},
  // The entry's final order report is written without its execution; no position yet.
  'entry-record': {at: (c) => isOrder(c) && c.value.side === 'buy' && c.value.status === 'filled' && Object.keys(c.value.execs).length === 0, restartAt: ENTRY_FILL + 300},
}

interface KilledRun extends AlpRun {
  /** The state directory the second instance ran on (the disk as the kill left it). */
  readonly killedDir: string
  readonly killed: boolean
  readonly store: Momentum['state']
}

/** Runs the pipeline; at the chosen write the disk is frozen (copied), and the restart runs on the copy. */
async function runKilled(kill: {at: KillPoint; restartAt: number}): Promise<KilledRun> {
  const root = mkdtempSync(join(tmpdir(), 'trader-alp-restart-fill-'))
  dirs.push(root)
  const live = join(root, 'state')
  const killedDir = join(root, 'killed')
  let killed = false
  const s = scenario(kill.restartAt)
  const p = MomentumParams.parse({...s.params, stateDir: live})
  const first = new Momentum(p, undefined, {
    onCommit: (r) => {
      if (killed || r.type !== 'state' || !kill.at(r.data as StateChange)) return
      killed = true
      cpSync(live, killedDir, {recursive: true})
    },
  })
  const out = await runScenario(s, {strategy: first, rebuild: () => new Momentum({...p, stateDir: killedDir})})
  const m = out.strategy as Momentum
  return {out, variant: 'pipeline', positions: m.positions(), trades: m.trades(), records: out.journal.records, killedDir, killed, store: m.state}
}

/** What must hold after any of the kills: the venue's fills are the pipeline's, and nothing is left half-done. */
function checks(run: KilledRun): string[] {
  const failures = [...run.out.failures, ...invariantFailures(run)]
  const fills = run.out.result.fills
  if (fills.length !== 2) failures.push(`the venue made ${fills.length} fills, expected the entry and the stop-loss exit`)
  if (run.trades.length !== 1) failures.push(`${run.trades.length} trades logged, expected 1`)
  else {
    const t = run.trades[0]
    const fees = fills.reduce((a, f) => a + f.fee, 0)
    if (t.qty !== QTY || t.exitReason !== 'stop_loss') failures.push(`trade ${t.qty} ${t.exitReason}`)
    if (Math.abs(t.fees - fees) > 1e-9) failures.push(`trade fees ${t.fees}, the venue charged ${fees}`)
    if (Math.abs(t.entryPrice - 50) > 1e-9 || Math.abs(t.exitPrice - 49) > 1e-9) failures.push(`trade prices ${t.entryPrice} → ${t.exitPrice}`)
  }
  const left = run.store?.values(NS.orders) ?? []
  if (left.length > 0) failures.push(`order records left: ${left.map((o) => `${o.clientOrderId} ${o.status} settled=${o.settled}`).join(', ')}`)
  if ((run.store?.size(NS.positions) ?? 0) > 0) failures.push(`position records left: ${run.store!.values(NS.positions).map((x) => `${x.symbol} ${x.qty}`).join(', ')}`)
  // The pipeline's own position (its entry, its signal), not one adopted from the venue as unknown.
  const adopted = recordsOf(run, 'reconcile_diff').filter((r) => (r.data as {kind: string}).kind === 'unknown_position')
  if (adopted.length > 0) failures.push(`the pipeline's own position was adopted as unknown ${adopted.length} times`)
  return failures
}

describe('ALP restart-fill: a kill between a fill report and the position it changes', () => {
  for (const [name, kill] of Object.entries(KILLS)) {
    it(`${name}: the restart takes the missing execution from the venue and the position matches it`, async () => {
      const run = await runKilled(kill)
      expect(run.killed).toBe(true)
      expect(recordsOf(run, 'restart')).toHaveLength(1)
      expect(checks(run)).toEqual([])
      // The record was completed from the venue's reports before the first decision of the new instance.
      const after = run.records.slice(run.records.findIndex((r) => r.type === 'restart'))
      const caught = after.findIndex((r) => r.type === 'reconcile_orders')
      const ready = after.findIndex((r) => r.type === 'pipeline_ready')
      expect(caught).toBeGreaterThan(0)
      expect(ready).toBeGreaterThan(caught)
    })
  }
})
