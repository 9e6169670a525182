/**
 * GRID-10: loss over 5 %, repeated emergency stops, over 5 websocket disconnects an hour, over 2 failed TP closes
 * in a row. Required: emergency stop — no new orders, a persisted flag, a clear alert; a restart keeps it until
 * cleared.
 *
 * fixtures/scenarios/GRID-10.json: 10 000 USDT; the price falls from 20 000 to 18 600, the long leg averages to
 * level 3 and equity drops more than 5 % below the baseline. The scenario restarts the strategy in process twice
 * (T0+12.5 min, from the last state record written; T0+16.5 min, this time with clearEmergencyStop).
 * fixtures/scenarios/GRID-10-disconnects.json: six 10 s stream outages five minutes apart.
 * fixtures/scenarios/GRID-10-tp-failures.json: every order request fails for five seconds after the legs open.
 * "Repeated stops" (clearing refused after more than 3 stops within an hour) is in strategies/grid/emergency.test.ts.
 */
import {describe, expect, it} from 'vitest'
import {gridStates} from '../../strategies/grid/index.js'
import {MemoryFlagGrid, NoEmergencyGrid} from './grid-naive.js'
import {type GridRun, gridOrders, gridViolations, loadGrid, metric, runGrid, T0} from './grid-harness.js'

const RESTART = T0 + 12 * 60_000 + 30_000
const CLEAR = T0 + 16 * 60_000 + 30_000
const clearOnSecond = (p: Parameters<Parameters<typeof runGrid>[3] & object>[0], n: number) => (n === 2 ? {...p, clearEmergencyStop: true} : p)

function stopOf(run: GridRun): {t: number; reason: string} {
  const all = run.instances.flatMap((s) => s.noted).filter((n) => n.what === 'emergency')
  expect(all).toHaveLength(1)
  return {t: all[0].t, reason: String(all[0].data.reason)}
}

/** Orders the grid created on the venue in (from, to]. */
function ordersBetween(run: GridRun, from: number, to: number) {
  return gridOrders(run.result).filter((o) => o.createdAt > from && o.createdAt <= to)
}

/** What added exposure after `t` (+1 s for the cancels to land) and before `to`: new orders, entries left live. */
function activityAfter(run: GridRun, t: number, to = Infinity): string[] {
  const at = t + 1_000
  const created = ordersBetween(run, at, to).map((o) => `new ${o.clientOrderId}`)
  const live = gridOrders(run.result)
    .filter((o) => o.role === 'e' && o.createdAt <= at && (o.status === 'accepted' || o.status === 'partially_filled' || o.updatedAt > at))
    .map((o) => `live ${o.clientOrderId}`)
  return [...created, ...live]
}

describe('GRID-10: emergency stop', () => {
  it('on a loss over 5 %: alerts, cancels pending entries, places nothing, and a restart keeps it until cleared', async () => {
    const run = await runGrid(await loadGrid('GRID-10'), undefined, {}, clearOnSecond)
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const stop = stopOf(run)
    expect(stop.reason).toMatch(/^loss 5\.\d\d % of the baseline equity 10000\.00 is over the 5 % limit$/)
    expect(run.log.lines.some((l) => l.level === 'error' && l.msg.startsWith('grid: EMERGENCY STOP: loss'))).toBe(true)
    // Pending entries went; nothing new until the stop was cleared — across the restart.
    expect(activityAfter(run, stop.t, CLEAR)).toEqual([])
    // The flag was persisted with the state and the restarted instance started under it.
    const states = gridStates(run.out.journal.records).filter((r) => r.t > stop.t && r.t < CLEAR)
    expect(states.length).toBeGreaterThan(0)
    for (const r of states) expect(r.state.emergency.active).toBe(true)
    expect(run.out.journal.records.filter((r) => r.type === 'restart').map((r) => r.t)).toEqual([RESTART, CLEAR])
    expect(run.log.lines.filter((l) => l.msg.startsWith('grid: starting under a persisted EMERGENCY STOP')).length).toBe(1)
    expect(run.instances[1].emergencyActive).toBe(true)
    // Cleared at the second restart: trading resumes.
    expect(run.log.lines.some((l) => l.msg.startsWith('grid: emergency stop cleared by the clearEmergencyStop parameter'))).toBe(true)
    expect(run.strategy.emergencyActive).toBe(false)
    expect(ordersBetween(run, CLEAR, Infinity).length).toBeGreaterThan(0)
    expect(metric(run, 'grid_emergency_stops_total')).toBe(1)
    expect(metric(run, 'grid_emergency_stop_active')).toBe(0)
  })

  it('bites: with the flag kept in memory only (the seed), the restarted bot trades again at once', async () => {
    const run = await runGrid(await loadGrid('GRID-10'), (p, o) => new MemoryFlagGrid(p, o), {}, clearOnSecond)
    expect(run.instances[1].emergencyActive).toBe(false)
    expect(ordersBetween(run, RESTART, CLEAR).length).toBeGreaterThan(0)
  })

  it('on more than 5 stream disconnects within an hour', async () => {
    const run = await runGrid(await loadGrid('GRID-10-disconnects'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const stop = stopOf(run)
    expect(stop.reason).toBe('6 event-stream disconnects within an hour (limit 5)')
    // The sixth outage (from T0+30 min 10 s) tripped it, not the fifth.
    expect(stop.t).toBe(T0 + 30 * 60_000 + 10_000)
    expect(activityAfter(run, stop.t)).toEqual([])
    expect(metric(run, 'grid_restores_total')).toBe(7)
  })

  it('on more than 2 failed take-profit placements in a row', async () => {
    const run = await runGrid(await loadGrid('GRID-10-tp-failures'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const stop = stopOf(run)
    expect(stop.reason).toBe('3 take-profit placements failed in a row (limit 2)')
    const failed = run.log.lines.filter((l) => /take-profit .* not placed/.test(l.msg) && l.msg.includes('injected fault'))
    expect(failed.length).toBeGreaterThanOrEqual(3)
    expect(activityAfter(run, stop.t)).toEqual([])
  })

  it('bites: a bot that only notes the criteria (the seed) keeps its entries and keeps placing orders', async () => {
    for (const id of ['GRID-10', 'GRID-10-disconnects', 'GRID-10-tp-failures']) {
      const ours = stopOf(await runGrid(await loadGrid(id)))
      const run = await runGrid(await loadGrid(id), (p, o) => new NoEmergencyGrid(p, o))
      expect(run.log.lines.some((l) => l.msg.startsWith('criterion met, no action'))).toBe(true)
      expect(activityAfter(run, ours.t).length).toBeGreaterThan(0)
    }
  })
})
