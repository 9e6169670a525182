/**
 * The invariants of DESIGN.md, checked on a simulated run against the venue's OWN record (the simulated
 * exchange's orders, executions and ledger), not against what the engine or the strategy believes. Each checker is
 * small and separate, so a test can plant the violation it must catch. `StepChecks` runs at every bar instant
 * (through the backtest's `observe` hook); `finalChecks` once the run has drained.
 */
import type {Fill} from '../core/fill.js'
import {Ledger} from '../core/ledger.js'
import type {OrderSnapshot} from '../core/order.js'
import {isTerminal} from '../core/order-state.js'
import {PositionBook} from '../core/position.js'
import type {Violation as TrackerViolation} from '../broker/order-tracker.js'
import type {Instrument} from '../core/instrument.js'
import {parseGridId} from '../../strategies/grid/order-ids.js'

export interface SimViolation {
  /** The invariant broken (its class in the campaign report). */
  readonly rule: string
  readonly t: number
  readonly detail: string
}

/** What a tracked order looks like to the step checks (the engine's order tracker entries). */
export interface TrackedView {
  readonly request: {readonly clientOrderId: string; readonly qty: number}
  readonly filledQty: number
  readonly execQty: number
}

const EPS = 1e-9
const same = (a: number, b: number): boolean => Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b))

/** Filled never exceeds the quantity and never shrinks: on the engine's orders and on the venue's, at every step. */
export class FilledMonotonic {
  private readonly engine = new Map<string, number>()
  private readonly venue = new Map<string, number>()

  step(t: number, tracked: Iterable<TrackedView>, venueOrders: readonly OrderSnapshot[], out: SimViolation[]): void {
    for (const o of tracked) this.one(t, 'engine', this.engine, o.request.clientOrderId, o.filledQty, o.request.qty, out)
    for (const o of venueOrders) this.one(t, 'venue', this.venue, o.clientOrderId, o.filledQty, o.qty, out)
  }

  private one(t: number, who: string, seen: Map<string, number>, id: string, filled: number, qty: number, out: SimViolation[]): void {
    const before = seen.get(id) ?? 0
    if (filled < before && !same(filled, before)) out.push({rule: 'filled_shrank', t, detail: `${who} order ${id}: filled ${before} → ${filled}`})
    if (filled > qty && !same(filled, qty)) out.push({rule: 'fill_exceeds_qty', t, detail: `${who} order ${id}: filled ${filled} of ${qty}`})
    seen.set(id, Math.max(before, filled))
  }
}

/** Each execution applied once: the engine never counts more executed quantity on an order than the venue filled. */
export function executionsOnce(t: number, tracked: Iterable<TrackedView>, venueFilled: ReadonlyMap<string, number>, out: SimViolation[]): void {
  for (const o of tracked) {
    const v = venueFilled.get(o.request.clientOrderId) ?? 0
    if (o.execQty > v && !same(o.execQty, v)) out.push({rule: 'execution_applied_twice', t, detail: `order ${o.request.clientOrderId}: the engine applied ${o.execQty}, the venue executed ${v}`})
  }
}

/**
 * At most one venue order per signal and leg: client ids that differ only in their epoch are one decision. Only the
 * strategy's own orders count (`decided`: the client ids of its order intents), not orders placed by hand.
 */
export function onePerSignalLeg(orders: readonly OrderSnapshot[], decided: ReadonlySet<string>, t: number, out: SimViolation[]): void {
  const by = new Map<string, string[]>()
  for (const o of orders) {
    if (!decided.has(o.clientOrderId)) continue
    // Grid ids number every order (never reused), so the id without its epoch is the decision.
    const key = o.clientOrderId.replace(/-\d+$/, '')
    const list = by.get(key) ?? []
    list.push(o.clientOrderId)
    by.set(key, list)
  }
  for (const [key, ids] of by) if (ids.length > 1) out.push({rule: 'duplicate_order', t, detail: `signal and leg ${key}: ${ids.length} venue orders (${ids.join(', ')})`})
}

/**
 * No order left open for a grid side that closed: at the end, with the venue's legs from its own executions, a
 * flat leg has no grid order resting (entries and take-profits of a closed side are orphans).
 */
export function gridNoOrphans(orders: readonly OrderSnapshot[], fills: readonly Fill[], t: number, out: SimViolation[]): void {
  const legs = new PositionBook()
  for (const f of fills) legs.get(f.symbol, f.positionSide).apply(f.side, f.qty, f.price, f.ts)
  for (const o of orders) {
    const tag = parseGridId(o.clientOrderId)
    if (!tag || isTerminal(o.status) || tag.role === 'o' || tag.role === 'r') continue
    if (legs.qty(o.symbol, tag.side) === 0) out.push({rule: 'grid_orphan_open', t, detail: `${o.clientOrderId} (${tag.role === 't' ? 'take-profit' : 'entry'}) is open on the flat ${tag.side} leg of ${o.symbol}`})
  }
}

/**
 * Positions the engine holds equal the venue's, per symbol and side. `reported` (optional): the newest venue
 * position report the engine received, per `symbol side`; a position whose last change the venue never got to
 * report to the engine (the report was still in flight at the end, or lost with no later one) is not compared:
 * the engine cannot know it without asking.
 */
export function positionsMatch(engine: PositionBook, venue: PositionBook, t: number, out: SimViolation[], reported?: ReadonlyMap<string, number>): void {
  const keys = new Set<string>()
  for (const book of [engine, venue]) for (const p of book.list) keys.add(`${p.symbol}\u0000${'side' in p ? p.side : 'net'}`)
  for (const k of [...keys].sort()) {
    const [symbol, side] = k.split('\u0000') as [string, 'net' | 'long' | 'short']
    const last = venue.find(symbol, side)?.updatedAt ?? -Infinity
    if (reported && last > -Infinity && (reported.get(`${symbol} ${side}`) ?? -Infinity) < last) continue
    const e = engine.qty(symbol, side)
    const v = venue.qty(symbol, side)
    if (!same(e, v)) out.push({rule: 'position_mismatch', t, detail: `${symbol} ${side}: the engine holds ${e}, the venue ${v}`})
  }
}

/**
 * Cash + positions + fees conserved: the venue's executions and funding, booked into a fresh ledger from the
 * initial cash, give the venue's own cash, fees and positions.
 */
export function ledgerConserved(
  venue: {readonly ledger: Ledger; readonly executions: readonly Fill[]; readonly fundingPayments: readonly {symbol: string; amount: number}[]},
  instrumentOf: (symbol: string) => Instrument,
  t: number,
  out: SimViolation[],
): void {
  const fresh = new Ledger(venue.ledger.initialCash, instrumentOf)
  for (const f of venue.executions) fresh.applyFill(f)
  for (const p of venue.fundingPayments) fresh.applyFunding(p.symbol, p.amount)
  const tol = (x: number): number => 1e-6 * Math.max(1, Math.abs(x))
  if (Math.abs(fresh.cash - venue.ledger.cash) > tol(venue.ledger.cash)) out.push({rule: 'cash_not_conserved', t, detail: `the venue's cash is ${venue.ledger.cash}; its executions and funding give ${fresh.cash}`})
  if (Math.abs(fresh.fees - venue.ledger.fees) > tol(venue.ledger.fees)) out.push({rule: 'cash_not_conserved', t, detail: `the venue's fees are ${venue.ledger.fees}; its executions give ${fresh.fees}`})
  const legs: SimViolation[] = []
  positionsMatch(fresh.positions, venue.ledger.positions, t, legs)
  for (const v of legs) out.push({rule: 'cash_not_conserved', t, detail: `positions: ${v.detail.replace('the engine', 'the executions give')}`})
}

/**
 * No decision on stale data: an order intent for a symbol while its newest bar is older than `limitMs` (bars are
 * the run's data; after the last bar the run drains and nothing is decided on new data anyway).
 */
export function staleDecisions(
  intents: readonly {t: number; symbol: string; clientOrderId: string}[],
  barCloses: ReadonlyMap<string, readonly number[]>,
  lastClose: number,
  limitMs: number,
  out: SimViolation[],
): void {
  for (const i of intents) {
    if (i.t > lastClose) continue
    const closes = barCloses.get(i.symbol)
    if (!closes || closes.length === 0) continue
    const newest = latestAtOrBefore(closes, i.t)
    if (newest === undefined) out.push({rule: 'stale_decision', t: i.t, detail: `order ${i.clientOrderId} on ${i.symbol} before any bar of it`})
    else if (i.t - newest > limitMs) out.push({rule: 'stale_decision', t: i.t, detail: `order ${i.clientOrderId} on ${i.symbol} ${i.t - newest} ms after its newest bar (limit ${limitMs} ms)`})
  }
}

function latestAtOrBefore(sorted: readonly number[], t: number): number | undefined {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] <= t) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? undefined : sorted[lo - 1]
}

/** The order tracker's own findings (illegal transitions, fills over the quantity, ...), one class per rule. */
export function trackerViolations(list: readonly TrackerViolation[], out: SimViolation[]): void {
  for (const v of list) out.push({rule: v.rule, t: v.ts, detail: v.detail})
}
