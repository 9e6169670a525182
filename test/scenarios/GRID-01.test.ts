/**
 * GRID-01: one leg takes profit while both legs have pending averaging entries. Required: every pending entry on
 * BOTH legs is cancelled before the reopen reaches the venue; no orphan can fill later.
 *
 * Set-up (fixtures/scenarios/GRID-01.json, 20 ms latency on every message): both legs open at 20 000 with a
 * take-profit each (long 20 100, short 19 900) and a pending level-1 entry each (long buy 19 800, short sell
 * 20 200). Bar 3 trades up to 20 150: the long take-profit fills. Bar 5 trades up to 20 210: whatever short
 * entries are live at 20 200 fill.
 */
import {describe, expect, it} from 'vitest'
import {OneSideCancelGrid} from './grid-naive.js'
import {expectedSize, gridOrders, gridViolations, loadGrid, metric, runGrid, SYMBOL} from './grid-harness.js'

describe('GRID-01: take-profit with pending entries on both legs', () => {
  it('cancels every pending entry on both legs before the reopen; nothing orphaned fills later', async () => {
    const run = await runGrid(await loadGrid('GRID-01'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])

    const orders = gridOrders(run.result)
    const reopen = orders.find((o) => o.role === 'r')!
    expect(reopen).toBeDefined()
    // Both level-1 entries placed before the close ended (cancelled) before the reopen reached the venue.
    const before = orders.filter((o) => o.role === 'e' && o.createdAt < reopen.createdAt)
    expect(before.map((o) => [o.side2, o.level, o.status])).toEqual([
      ['long', 1, 'canceled'],
      ['short', 1, 'canceled'],
    ])
    for (const e of before) expect(e.updatedAt).toBeLessThanOrEqual(reopen.createdAt)
    // Averaging orders were placed again on both legs after the cycle.
    const after = orders.filter((o) => o.role === 'e' && o.createdAt > reopen.createdAt - 1_000)
    expect(after.map((o) => o.side2).sort()).toContain('short')
    // The short leg averaged exactly once at 20 200: 0.05 + 0.1, as its reference table says.
    const g = run.strategy.gridOf(SYMBOL)!
    const short = run.strategy.legOf(SYMBOL, 'short')!
    expect(short.level).toBe(1)
    expect(short.size).toBeCloseTo(expectedSize(g.refs, 1), 9)
    expect(short.size).toBeCloseTo(0.15, 9)
    expect(metric(run, 'grid_orphan_orders_total')).toBe(0)
    expect(metric(run, 'grid_tp_cycles_total')).toBe(1)
  })

  it('bites: the seed handler (cancel the closed leg only) leaves an orphan that fills, doubling the level', async () => {
    const run = await runGrid(await loadGrid('GRID-01'), (p, o) => new OneSideCancelGrid(p, o))
    const bad = gridViolations(run)
    expect(bad.some((l) => l.startsWith('orphan: entry') && l.includes('S_e1'))).toBe(true)
    expect(bad.some((l) => l.includes('short level 1: 2 entries open at once'))).toBe(true)
    // The orphan filled next to its replacement: the short leg holds 0.25 instead of 0.15.
    const short = run.strategy.legOf(SYMBOL, 'short')!
    expect(short.size).toBeCloseTo(0.25, 9)
    expect(short.size).not.toBeCloseTo(expectedSize(run.strategy.gridOf(SYMBOL)!.refs, short.level), 9)
  })
})
