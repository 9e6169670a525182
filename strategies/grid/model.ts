/**
 * The grid's local model of one symbol: two legs (hedge mode), each with its position as the venue last reported
 * it, and at most one order per role (opening, take-profit, next averaging entry). Pure data and pure helpers.
 */
import {floorToStep, type Instrument, roundToStep} from '../../src/core/instrument.js'
import type {Role} from './order-ids.js'
import {QTY_EPS} from '../../src/core/quantity.js'

export type LegSide = 'long' | 'short'
export const SIDES: readonly LegSide[] = ['long', 'short']

/**
 * checking: the balance check of its operation is in flight, nothing sent yet; sending: tracked and sent, no
 * answer yet; open: live on the venue; amending / cancelling: a request about it is in flight; unknown: the
 * submission's outcome could not be learnt (resolved by the next sync); done: ended (filled, cancelled, refused).
 */
export type SlotStatus = 'checking' | 'sending' | 'open' | 'amending' | 'cancelling' | 'unknown' | 'done'

export interface Slot {
  readonly cid: string
  readonly role: Role
  readonly side: LegSide
  readonly level: number
  qty: number
  price: number
  status: SlotStatus
  filledQty: number
  avgFillPrice: number
  /** Engine time of the decision that made it. */
  readonly createdAt: number
  /** Market price when it was placed (GRID-07 measures moves from here). */
  readonly placedAtMarket: number
  /** The symbol's cycle it belongs to: a take-profit close starts a new cycle. */
  readonly cycle: number
  /** Take-profits: the leg's position version they were sized for. */
  forVersion: number
  venueOrderId: string | undefined
  cancelReason: string | undefined
  /** No new cancel or amend of it before this engine time (after one failed). */
  notBefore: number
}

export interface Leg {
  readonly side: LegSide
  /** Position as last reported by the venue (event or query), with the venue time of that report. */
  size: number
  avg: number
  version: number
  /** Reports at or before this venue time are already contained in a query answer that was adopted. */
  floor: number
  /** -1 while flat; 0 after the opening fill; k after the k-th averaging entry filled. */
  level: number
  lastEntryPrice: number
  /** The leg should be (re)opened once nothing forbids it. */
  wantOpen: boolean
  opening: Slot | undefined
  tp: Slot | undefined
  entry: Slot | undefined
  /** No new placement on this leg before this engine time (backoff after a refusal or failure). */
  blockedUntil: number
  tpBlockedUntil: number
  /** Venue time of the last take-profit fill: no new take-profit until the position report covers it. */
  tpFilledAt: number
  /** Venue time of the fill that last closed the leg (TP close → reopen latency). */
  closedAt: number | undefined
  /** After a recalculation (GRID-07) the next entry is anchored at this market price instead of the last fill. */
  recalcAnchor: number | undefined
}

export type Phase = 'idle' | 'running' | 'cycling'

export interface SymbolGrid {
  readonly symbol: string
  readonly inst: Instrument
  /** Last close seen. */
  mark: number
  readonly legs: Record<LegSide, Leg>
  /** Reference quantity per level, fixed when the level is first used; NaN = not set (GRID-08 clears them). */
  refs: number[]
  phase: Phase
  /** Take-profit closes so far. */
  cycle: number
  /** Deepest level any leg reached, and the largest margin the two legs tied up (report figures). */
  maxLevel: number
  maxMargin: number
}

export function newLeg(side: LegSide): Leg {
  return {side, size: 0, avg: 0, version: -Infinity, floor: -Infinity, level: -1, lastEntryPrice: 0, wantOpen: false, opening: undefined, tp: undefined, entry: undefined, blockedUntil: -Infinity, tpBlockedUntil: -Infinity, tpFilledAt: -Infinity, closedAt: undefined, recalcAnchor: undefined}
}

export function newGrid(inst: Instrument): SymbolGrid {
  return {symbol: inst.symbol, inst, mark: 0, legs: {long: newLeg('long'), short: newLeg('short')}, refs: [], phase: 'idle', cycle: 0, maxLevel: -1, maxMargin: 0}
}

export function other(side: LegSide): LegSide {
  return side === 'long' ? 'short' : 'long'
}

/** Long legs buy to open, short legs sell to open. */
export function openingSide(side: LegSide): 'buy' | 'sell' {
  return side === 'long' ? 'buy' : 'sell'
}

export function closingSide(side: LegSide): 'buy' | 'sell' {
  return side === 'long' ? 'sell' : 'buy'
}

/** Take-profit price: at least `tpPct` away from the average, on the tick grid. */
export function tpPrice(leg: Leg, tpPct: number, tick: number): number {
  const raw = leg.side === 'long' ? leg.avg * (1 + tpPct / 100) : leg.avg * (1 - tpPct / 100)
  return onTick(raw, tick, leg.side === 'long' ? 'up' : 'down')
}

/** Next averaging price: one grid step against the leg from `anchor`, on the tick grid. */
export function entryPrice(side: LegSide, anchor: number, stepPct: number, tick: number): number {
  const raw = side === 'long' ? anchor * (1 - stepPct / 100) : anchor * (1 + stepPct / 100)
  return onTick(raw, tick, side === 'long' ? 'down' : 'up')
}

function onTick(price: number, tick: number, dir: 'up' | 'down'): number {
  const k = dir === 'up' ? Math.ceil(price / tick - 1e-9) : Math.floor(price / tick + 1e-9)
  return roundToStep(Math.max(1, k) * tick, tick)
}

/** Quantity for `notional` at `price`, down to the lot, never below the minimum. */
export function qtyFor(notional: number, price: number, inst: Instrument): number {
  return Math.max(inst.minQty, floorToStep(notional / price, inst.lotSize))
}

/** Deepest level whose cumulative reference quantity the leg's size covers (a restart's best guess), or 0. */
export function levelForSize(size: number, refs: readonly number[]): number {
  let sum = 0
  let level = 0
  for (let i = 0; i < refs.length; i++) {
    if (!(refs[i] > 0)) break
    sum += refs[i]
    if (sum <= size + QTY_EPS) level = i
    else break
  }
  return level
}

/** Margin the two legs tie up at `mark`. */
export function marginOf(g: SymbolGrid, mark: number): number {
  return ((g.legs.long.size + g.legs.short.size) * mark) / g.inst.leverage
}
