/**
 * GRID-07: the price moves more than 5 % from where pending orders were placed. Required: pending orders are
 * recalculated and replaced near the market.
 *
 * Set-up (fixtures/scenarios/GRID-07.json): take-profits 6 % away, grid step 1 %. Both legs open at 20 000; the
 * long leg's level-1 entry rests at 19 800, placed with the market at 20 000. The price climbs bar by bar to
 * 21 000 (exactly +5 %: not more) and then 21 100 (+5.5 %), and stays there; the short leg averages on the way.
 */
import {describe, expect, it} from 'vitest'
import {NoRecalcGrid} from './grid-naive.js'
import {gridOrders, gridViolations, loadGrid, metric, runGrid, SYMBOL, T0} from './grid-harness.js'

describe('GRID-07: pending entries far from the market', () => {
  it('are recalculated once the market moved more than 5 % from where they were placed, and replaced near it', async () => {
    const run = await runGrid(await loadGrid('GRID-07'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const notes = run.strategy.noted.filter((n) => n.what === 'recalculate')
    // Not at 21 000 (+5.0 %), but at the first close above the threshold (21 100, +5.5 %); once.
    expect(notes.map((n) => [n.data.side, n.data.from, n.data.mark])).toEqual([['long', 19_800, 21_100]])
    expect(notes[0].t).toBe(T0 + 9 * 60_000)
    const longEntries = gridOrders(run.result).filter((o) => o.side2 === 'long' && o.role === 'e')
    expect(longEntries.map((o) => [o.limitPrice, o.status])).toEqual([
      [19_800, 'canceled'],
      [20_889, 'accepted'],
    ])
    // The replacement sits one grid step under the market, anchored where the market was when it was placed.
    const entry = run.strategy.legOf(SYMBOL, 'long')!.entry!
    expect(entry).toMatchObject({level: 1, price: 20_889, placedAtMarket: 21_100})
    expect((21_100 - entry.price) / 21_100).toBeLessThanOrEqual(0.01)
    expect(metric(run, 'grid_pending_recalculations_total')).toBe(1)
  })

  it('bites: the seed handler (no adjustment on price updates) leaves the entry 6 % under the market', async () => {
    const run = await runGrid(await loadGrid('GRID-07'), (p, o) => new NoRecalcGrid(p, o))
    expect(run.out.failures.length).toBeGreaterThan(0)
    const entry = run.strategy.legOf(SYMBOL, 'long')!.entry!
    expect(entry.price).toBe(19_800)
    expect((21_100 - entry.price) / 21_100).toBeGreaterThan(0.05)
  })
})
