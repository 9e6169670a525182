/** Each invariant checker catches a violation planted for it, and stays quiet on the healthy case. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Fill} from '../../src/core/fill.js'
import {Ledger} from '../../src/core/ledger.js'
import type {OrderSnapshot} from '../../src/core/order.js'
import {PositionBook} from '../../src/core/position.js'
import {executionsOnce, FilledMonotonic, gridNoOrphans, ledgerConserved, onePerSignalLeg, positionsMatch, type SimViolation, staleDecisions, trackerViolations} from '../../src/simtest/checks.js'

const order = (cid: string, qty: number, filledQty: number, status: OrderSnapshot['status'] = 'accepted', symbol = 'BTCUSDT'): OrderSnapshot =>
  ({clientOrderId: cid, venueOrderId: `v-${cid}`, symbol, side: 'buy', type: 'limit', qty, filledQty, avgFillPrice: 100, status, limitPrice: 100, createdAt: 0, updatedAt: 0}) as unknown as OrderSnapshot
const tracked = (cid: string, qty: number, filledQty: number, execQty = filledQty) => ({request: {clientOrderId: cid, qty}, filledQty, execQty})
const fill = (cid: string, side: 'buy' | 'sell', qty: number, positionSide: Fill['positionSide'] = 'long', fee = 0): Fill =>
  ({execId: `${cid}-${side}-${qty}`, clientOrderId: cid, venueOrderId: `v-${cid}`, symbol: 'BTCUSDT', side, qty, price: 100, fee, ts: 1, positionSide, liquidity: 'maker'}) as unknown as Fill
const rules = (out: SimViolation[]): string[] => out.map((v) => v.rule)

describe('simtest invariant checkers', () => {
  it('filled never shrinks and never exceeds the quantity (engine and venue orders)', () => {
    const ok: SimViolation[] = []
    const m = new FilledMonotonic()
    m.step(1, [tracked('a', 1, 0.5)], [order('a', 1, 0.5)], ok)
    m.step(2, [tracked('a', 1, 1)], [order('a', 1, 1)], ok)
    expect(ok).toEqual([])
    const bad: SimViolation[] = []
    const n = new FilledMonotonic()
    n.step(1, [tracked('a', 1, 0.5)], [], bad)
    n.step(2, [tracked('a', 1, 0.25)], [order('b', 0.05, 0.15)], bad)
    expect(rules(bad)).toEqual(['filled_shrank', 'fill_exceeds_qty'])
  })

  it('each execution applied once: the engine never executes more of an order than the venue did', () => {
    const out: SimViolation[] = []
    executionsOnce(1, [tracked('a', 1, 1, 1)], new Map([['a', 1]]), out)
    expect(out).toEqual([])
    executionsOnce(1, [tracked('a', 1, 1, 2)], new Map([['a', 1]]), out)
    expect(rules(out)).toEqual(['execution_applied_twice'])
  })

  it('at most one venue order per signal and leg (ids differing only in epoch); orders placed by hand do not count', () => {
    const out: SimViolation[] = []
    onePerSignalLeg([order('s-BTC1-b-1', 1, 0), order('s-BTC2-b-1', 1, 0), order('manual-1', 1, 0), order('manual-2', 1, 0)], new Set(['s-BTC1-b-1', 's-BTC2-b-1']), 0, out)
    expect(out).toEqual([])
    onePerSignalLeg([order('s-BTC1-b-1', 1, 0), order('s-BTC1-b-2', 1, 0)], new Set(['s-BTC1-b-1', 's-BTC1-b-2']), 0, out)
    expect(rules(out)).toEqual(['duplicate_order'])
  })

  it('no grid order left open on a flat leg', () => {
    const out: SimViolation[] = []
    const tp = 'grid-BTCUSDT_3-L_t0-1'
    gridNoOrphans([order(tp, 0.05, 0)], [fill('o', 'buy', 0.05)], 0, out)
    expect(out).toEqual([])
    gridNoOrphans([order(tp, 0.05, 0)], [fill('o', 'buy', 0.05), fill('x', 'sell', 0.05)], 0, out)
    expect(rules(out)).toEqual(['grid_orphan_open'])
    gridNoOrphans([order(tp, 0.05, 0, 'canceled')], [], 0, out)
    expect(out).toHaveLength(1)
  })

  it('positions equal the venue\'s', () => {
    const a = new PositionBook()
    const b = new PositionBook()
    a.get('BTCUSDT', 'short').apply('sell', 0.05, 100, 1)
    b.get('BTCUSDT', 'short').apply('sell', 0.05, 100, 1)
    const out: SimViolation[] = []
    positionsMatch(a, b, 0, out)
    expect(out).toEqual([])
    a.get('BTCUSDT', 'short').apply('sell', 0.05, 100, 2)
    positionsMatch(a, b, 0, out)
    expect(out.map((v) => v.detail)).toEqual(['BTCUSDT short: the engine holds 0.1, the venue 0.05'])
  })

  it('cash + positions + fees conserved against the venue\'s ledger', () => {
    const inst = defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')
    const ledger = new Ledger(1000, () => inst)
    const executions = [fill('a', 'buy', 1, 'long', 0.1), fill('b', 'sell', 1, 'long', 0.1)]
    for (const f of executions) ledger.applyFill(f)
    const out: SimViolation[] = []
    ledgerConserved({ledger, executions, fundingPayments: []}, () => inst, 0, out)
    expect(out).toEqual([])
    ledger.cash += 5 // money from nowhere
    ledgerConserved({ledger, executions, fundingPayments: []}, () => inst, 0, out)
    expect(rules(out)).toEqual(['cash_not_conserved'])
  })

  it('no decision on stale data', () => {
    const closes = new Map([['AAA', [60_000, 120_000, 600_000]]])
    const out: SimViolation[] = []
    staleDecisions([{t: 130_000, symbol: 'AAA', clientOrderId: 'x'}], closes, 600_000, 240_000, out)
    expect(out).toEqual([])
    staleDecisions([{t: 500_000, symbol: 'AAA', clientOrderId: 'y'}, {t: 30_000, symbol: 'AAA', clientOrderId: 'z'}], closes, 600_000, 240_000, out)
    expect(rules(out)).toEqual(['stale_decision', 'stale_decision'])
  })

  it('the order tracker\'s own findings keep their rule as class', () => {
    const out: SimViolation[] = []
    trackerViolations([{ts: 5, rule: 'illegal_transition', detail: 'a: filled → new'}], out)
    expect(out).toEqual([{rule: 'illegal_transition', t: 5, detail: 'a: filled → new'}])
  })
})
