/**
 * GRID-08: both legs become flat. Required: the per-level reference quantities are cleared.
 *
 * Set-up (fixtures/scenarios/GRID-08.json): no averaging (maxLevels 0), 1 000 USDT per opening level. Both legs
 * open at 20 000 (reference quantity 0.05). The long leg takes profit at a gap to 22 000 (T0+240 s) and is reopened
 * there, still with 0.05 (one leg open: the table stays). Bar 6 (T0+360 s) goes down to 19 850 (+20 s: the short's
 * take-profit) and up to 22 150 (+40 s: the long's). The short's reopen, sent at once, is held on the wire for 60 s
 * (a delay fault on submits in that window), so when the long's take-profit fills both legs are flat; the next use
 * of the table sizes from the market then (1 000 / 22 000 → 0.045). The short's reopen was sized before that, with
 * 0.05.
 */
import {describe, expect, it} from 'vitest'
import {KeepRefsGrid} from './grid-naive.js'
import {gridOrders, gridViolations, loadGrid, metric, runGrid, SYMBOL, T0} from './grid-harness.js'

const BOTH_FLAT = T0 + 400_000

describe('GRID-08: both legs flat', () => {
  it('clears the reference quantities, so the next cycle sizes at the current market', async () => {
    const run = await runGrid(await loadGrid('GRID-08'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const cleared = run.strategy.noted.filter((n) => n.what === 'refs_cleared')
    expect(cleared.map((n) => [n.t, n.data.had])).toEqual([[BOTH_FLAT + 20, 1]])
    const reopens = gridOrders(run.result).filter((o) => o.role === 'r').map((o) => [o.side2, o.qty, o.createdAt > BOTH_FLAT])
    expect(reopens).toEqual([
      ['long', 0.05, false],
      ['long', 0.045, true],
      // Decided at the short's take-profit (before both were flat), reaching the venue 60 s later.
      ['short', 0.05, true],
    ])
    expect(run.strategy.gridOf(SYMBOL)!.refs).toEqual([0.045])
    expect(metric(run, 'grid_reference_qty_clears_total')).toBe(1)
  })

  it('bites: the seed handler (the table is never cleared) reopens with the stale 20 000-era quantity', async () => {
    const run = await runGrid(await loadGrid('GRID-08'), (p, o) => new KeepRefsGrid(p, o))
    expect(run.out.failures.length).toBeGreaterThan(0)
    const after = gridOrders(run.result).filter((o) => o.role === 'r' && o.createdAt > BOTH_FLAT)
    expect(after.map((o) => o.qty)).toEqual([0.05, 0.05])
    expect(run.strategy.gridOf(SYMBOL)!.refs).toEqual([0.05])
  })
})
