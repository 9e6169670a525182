/**
 * Shared checks of the ALP scenario tests: run a fixture with the pipeline (`momentum`) or with the old bot, and
 * the general invariants every run must keep — no order-state violation, the strategy's positions equal the
 * venue's after settling, nothing non-finite in an order.
 */
import {join, resolve} from 'node:path'
import type {JournalRecord} from '../../src/engine/journal.js'
import {loadScenario, runScenario, type Scenario, type ScenarioOutcome} from '../../src/run/scenario.js'
import {type PipelineConfig, PipelineConfigSchema} from '../../src/services/config.js'
import {Momentum} from '../../strategies/momentum/index.js'
import {OldBot} from './alp-naive.js'

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/scenarios')

export function loadAlp(id: string): Promise<Scenario> {
  return loadScenario(join(FIXTURES, `${id}.json`))
}

export interface LoggedTrade {
  readonly symbol: string
  readonly qty: number
  readonly entryPrice: number
  readonly exitPrice: number
  readonly pnl: number
  readonly fees: number
  readonly exitReason: string
}

export interface AlpRun {
  readonly out: ScenarioOutcome
  readonly variant: 'pipeline' | 'old bot'
  /** Positions as the strategy records them at the end. */
  readonly positions: Record<string, number>
  /** Trades as the strategy logged them. */
  readonly trades: readonly LoggedTrade[]
  readonly records: readonly JournalRecord[]
}

/** The pipeline on the scenario (params may be overridden for a variant of the set-up). */
export async function runPipeline(s: Scenario, params: Record<string, unknown> = {}): Promise<AlpRun> {
  const out = await runScenario({...s, params: {...s.params, ...params}})
  const m = out.strategy as Momentum
  if (!(m instanceof Momentum)) throw new Error(`scenario ${s.id} does not run the momentum strategy`)
  return {out, variant: 'pipeline', positions: m.positions(), trades: m.trades(), records: out.journal.records}
}

/** The old bot on the same scenario, with the same thresholds. A restart builds a new one with empty memory. */
export async function runOldBot(s: Scenario): Promise<AlpRun> {
  const p: PipelineConfig = PipelineConfigSchema.parse(s.params)
  const out = await runScenario(s, {strategy: new OldBot(p), rebuild: () => new OldBot(p)})
  const bot = out.strategy as OldBot
  return {out, variant: 'old bot', positions: bot.positionsHeld(), trades: bot.trades, records: out.journal.records}
}

/** Net position per symbol from the venue's own executions. */
export function venuePositions(run: AlpRun): Record<string, number> {
  const out: Record<string, number> = {}
  for (const f of run.out.result.fills) out[f.symbol] = round((out[f.symbol] ?? 0) + (f.side === 'buy' ? f.qty : -f.qty))
  for (const k of Object.keys(out)) if (out[k] === 0) delete out[k]
  return out
}

/** The general invariants, one line per breach (empty when all hold). */
export function invariantFailures(run: AlpRun): string[] {
  const failures: string[] = []
  for (const v of run.out.result.violations) failures.push(`tracker: ${v.rule} ${v.detail}`)
  const venue = venuePositions(run)
  const mine = Object.fromEntries(Object.entries(run.positions).filter(([, q]) => q !== 0))
  for (const s of new Set([...Object.keys(venue), ...Object.keys(mine)])) {
    if ((venue[s] ?? 0) !== (mine[s] ?? 0)) failures.push(`position ${s}: ${run.variant} records ${mine[s] ?? 0}, the venue holds ${venue[s] ?? 0}`)
  }
  for (const o of run.out.result.orders) if (!Number.isFinite(o.qty) || o.qty <= 0) failures.push(`order ${o.clientOrderId}: quantity ${o.qty}`)
  for (const r of run.out.result.refused) if (!Number.isFinite(r.request.qty)) failures.push(`refused order ${r.request.clientOrderId}: quantity ${r.request.qty}`)
  return failures
}

export function recordsOf(run: AlpRun, type: string): JournalRecord[] {
  return run.records.filter((r) => r.type === type)
}

/** Venue orders of a symbol and side (what reached the venue's book). */
export function venueOrders(run: AlpRun, symbol: string, side?: 'buy' | 'sell') {
  return run.out.result.orders.filter((o) => o.symbol === symbol && (side === undefined || o.side === side))
}

/** Requests the strategy sent (journal), optionally of one operation. */
export function requests(run: AlpRun, op?: string): JournalRecord[] {
  return run.records.filter((r) => r.type === 'request' && (op === undefined || (r.data as {op: string}).op === op))
}

function round(q: number): number {
  return Math.round(q * 1e9) / 1e9
}
