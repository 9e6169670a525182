/**
 * Runs GRID scenario files and checks the grid's invariants against the venue's OWN record (the simulated
 * exchange's order snapshots and executions), not against what the strategy believes:
 * - at most one take-profit open per leg at any instant, at most one averaging entry per leg (and per level);
 * - no orphan: when a reopen reaches the venue, no entry placed before it is still open;
 * - at the end, no order open on a flat leg;
 * - the strategy's legs and the engine's view equal the venue's positions after settling;
 * - the order tracker recorded no invariant violation.
 */
import {join, resolve} from 'node:path'
import {PositionBook} from '../../src/core/position.js'
import type {OrderSnapshot} from '../../src/core/order.js'
import {isTerminal} from '../../src/core/order-state.js'
import type {BacktestResult} from '../../src/run/backtest.js'
import {MemoryLog} from '../../src/engine/engine-log.js'
import {MetricsRegistry} from '../../src/engine/metrics.js'
import {loadScenario, runScenario, type Scenario, type ScenarioOutcome} from '../../src/run/scenario.js'
import type {StrategyContext} from '../../src/engine/strategy.js'
import {type GridOptions, type GridParams, GridParamsSchema, GridStateSchema, GridStrategy, parseGridId} from '../../strategies/grid/index.js'

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/scenarios')
export const T0 = Date.UTC(2024, 0, 1)
export const MINUTE = 60_000
export const SYMBOL = 'BTCUSDT'

export type GridMaker = (params: GridParams, opts: GridOptions) => GridStrategy

export interface GridRun {
  readonly scenario: Scenario
  readonly out: ScenarioOutcome
  /** The instance running at the end (the last one built when the scenario restarts the strategy). */
  readonly strategy: GridStrategy
  /** Every instance, in the order started. */
  readonly instances: readonly GridStrategy[]
  readonly ctx: StrategyContext
  readonly log: MemoryLog
  readonly metrics: MetricsRegistry
  readonly result: BacktestResult
}

export async function loadGrid(id: string): Promise<Scenario> {
  return loadScenario(join(FIXTURES, `${id}.json`))
}

/**
 * Runs the scenario with the real grid (or a variant built by `make`), tracing decisions. When the scenario
 * restarts the strategy (`restartAt`), each new instance is built by `make` from the previous one's snapshot, with
 * the params `restartParams` gives for the n-th restart (1-based).
 */
export async function runGrid(
  scenario: Scenario,
  make: GridMaker = (p, o) => new GridStrategy(p, o),
  opts: GridOptions = {},
  restartParams: (params: GridParams, n: number) => GridParams = (p) => p,
): Promise<GridRun> {
  const params = GridParamsSchema.parse(scenario.params)
  let ctx: StrategyContext | undefined
  const instances: GridStrategy[] = []
  const build = (p: GridParams, o: GridOptions): GridStrategy => {
    const s = make(p, {trace: true, ...opts, ...o})
    const start = s.start.bind(s)
    s.start = (c: StrategyContext) => {
      ctx ??= c
      return start(c)
    }
    instances.push(s)
    return s
  }
  const strategy = build(params, {})
  const rebuild = (snapshot: unknown) => build(restartParams(params, instances.length), {restoreFrom: snapshot === undefined ? undefined : GridStateSchema.parse(snapshot)})
  const log = new MemoryLog(100_000)
  const metrics = new MetricsRegistry()
  const out = await runScenario(scenario, {strategy, log, metrics, rebuild})
  return {scenario, out, strategy: instances[instances.length - 1], instances, ctx: ctx!, log, metrics, result: out.result}
}

interface Interval {
  readonly o: OrderSnapshot
  readonly side: string
  readonly role: string
  readonly level: number
  readonly from: number
  readonly to: number
}

function intervals(orders: readonly OrderSnapshot[]): Interval[] {
  const out: Interval[] = []
  for (const o of orders) {
    const tag = parseGridId(o.clientOrderId)
    if (!tag) continue
    out.push({o, side: tag.side, role: tag.role, level: tag.level, from: o.createdAt, to: isTerminal(o.status) ? o.updatedAt : Infinity})
  }
  return out
}

/** Largest number of intervals open at once (an end and a start at the same instant do not overlap). */
function maxOverlap(list: readonly Interval[]): number {
  const points: [number, number][] = []
  for (const i of list) points.push([i.from, 1], [i.to, -1])
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let open = 0
  let max = 0
  for (const [, d] of points) {
    open += d
    if (open > max) max = open
  }
  return max
}

/** Venue legs at the end, from the venue's own executions. */
export function venueLegs(result: BacktestResult): PositionBook {
  const book = new PositionBook()
  for (const f of result.fills) book.get(f.symbol, f.positionSide).apply(f.side, f.qty, f.price, f.ts)
  return book
}

/** Every grid invariant that fails, one line each (empty: all hold). */
export function gridViolations(run: Pick<GridRun, 'result' | 'strategy' | 'ctx'>): string[] {
  const {result, strategy, ctx} = run
  const bad: string[] = []
  for (const v of result.violations) bad.push(`tracker ${v.rule}: ${v.detail}`)
  const all = intervals(result.orders)
  for (const side of ['long', 'short']) {
    const tps = all.filter((i) => i.side === side && i.role === 't')
    if (maxOverlap(tps) > 1) bad.push(`${side}: ${maxOverlap(tps)} take-profits open at once`)
    const entries = all.filter((i) => i.side === side && i.role === 'e')
    if (maxOverlap(entries) > 1) bad.push(`${side}: ${maxOverlap(entries)} averaging entries open at once`)
    for (const level of new Set(entries.map((e) => e.level))) {
      const n = maxOverlap(entries.filter((e) => e.level === level))
      if (n > 1) bad.push(`${side} level ${level}: ${n} entries open at once (duplicate order per level)`)
    }
  }
  for (const r of all.filter((i) => i.role === 'r')) {
    for (const e of all.filter((i) => i.role === 'e' && i.from < r.from && i.to > r.from)) {
      bad.push(`orphan: entry ${e.o.clientOrderId} (placed ${e.from - T0} ms) still open when reopen ${r.o.clientOrderId} reached the venue (${r.from - T0} ms)`)
    }
  }
  const venue = venueLegs(result)
  for (const side of ['long', 'short'] as const) {
    const v = venue.qty(SYMBOL, side)
    if (v === 0) {
      for (const i of all.filter((x) => x.side === side && x.to === Infinity)) bad.push(`at the end ${i.o.clientOrderId} is open on the flat ${side} leg`)
    }
    const local = strategy.legOf(SYMBOL, side)?.size ?? 0
    if (Math.abs(local - v) > 1e-9) bad.push(`${side}: the grid holds ${local}, the venue ${v}`)
    const view = ctx.account.position(SYMBOL, side)
    if (Math.abs(view - v) > 1e-9) bad.push(`${side}: the engine view holds ${view}, the venue ${v}`)
  }
  return bad
}

/** Metric value by key (0 when absent). */
export function metric(run: Pick<GridRun, 'metrics'>, key: string): number {
  return run.metrics.value(key) ?? 0
}

/** Orders the grid sent, from the venue's record, with their tags. */
export function gridOrders(result: BacktestResult): (OrderSnapshot & {readonly side2: string; readonly role: string; readonly level: number})[] {
  return result.orders.flatMap((o) => {
    const tag = parseGridId(o.clientOrderId)
    return tag ? [{...o, side2: tag.side, role: tag.role, level: tag.level}] : []
  })
}

/** Sum of the grid's reference quantities for levels 0..level (what a leg at that level should hold). */
export function expectedSize(refs: readonly number[], level: number): number {
  let sum = 0
  for (let i = 0; i <= level; i++) sum += refs[i]
  return Math.round(sum * 1e9) / 1e9
}
