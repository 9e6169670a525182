/**
 * ALP-02: the process restarts mid-session. Required: positions, open orders, cooldowns and processed-signal ids
 * are restored before the first decision.
 *
 * Set-up (fixtures/scenarios/ALP-02.json): AAA is held; BBB's 250-share entry fills 30 shares a bar (10 % of 300)
 * and is still working at the restart (09:39:30; remainder policy 'keep'); CCC was stopped out at 09:37 (30-minute
 * cooldown). Five seconds after the restart a feed re-delivers AAA's signal and sends a new CCC signal, while the
 * new instance's first position query is held up for 40 s (fault `delay`): no decision may come before it is
 * answered. Everything the old bot knew was in memory: it buys AAA and CCC again and never learns how BBB's entry
 * ended.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders, venuePositions} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  const restart = recordsOf(run, 'restart')[0].t
  for (const s of ['AAA', 'CCC']) {
    const again = venueOrders(run, s, 'buy').filter((o) => o.createdAt > restart)
    if (again.length > 0) failures.push(`${s} bought again after the restart`)
  }
  const bbb = venueOrders(run, 'BBB', 'buy')
  if (bbb.length !== 1 || bbb[0].filledQty !== 250) failures.push(`BBB entry: ${bbb.map((o) => `${o.status} ${o.filledQty}`).join(', ')}`)
  if ((run.positions.BBB ?? 0) !== venuePositions(run).BBB) failures.push(`BBB: recorded ${run.positions.BBB ?? 0} after the restart, the venue holds ${venuePositions(run).BBB}`)
  return failures
}

describe('ALP-02: restart mid-session', () => {
  it('restores positions, the working order, cooldowns and processed ids before the first decision', async () => {
    const run = await runPipeline(await loadAlp('ALP-02'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const records = run.records
    const restartIdx = records.findIndex((r) => r.type === 'restart')
    const after = records.slice(restartIdx)
    // What the new instance started from: the snapshot's orders and positions.
    const start = after.find((r) => r.type === 'reconcile_start')!.data as {orders: number; positions: number}
    expect(start.positions).toBe(2)
    expect(start.orders).toBeGreaterThanOrEqual(1)
    // BBB's entry was still working at the restart, partly filled.
    const bbbAtRestart = records.slice(0, restartIdx).filter((r) => r.type === 'event' && (r.data as {kind: string; order?: {symbol: string}}).order?.symbol === 'BBB')
    const lastBefore = bbbAtRestart.at(-1)!.data as {order: {status: string; filledQty: number}}
    expect(lastBefore.order.status).toBe('partially_filled')
    expect(lastBefore.order.filledQty).toBeLessThan(250)
    // No decision before the reconciliation: the first decision record after the restart follows 'pipeline_ready'.
    const ready = after.findIndex((r) => r.type === 'pipeline_ready')
    const firstDecision = after.findIndex((r) => r.type.startsWith('signal_dropped') || r.type === 'entry' || r.type === 'intent' || r.type === 'exit_signal')
    expect(ready).toBeGreaterThan(0)
    expect(firstDecision).toBeGreaterThan(ready)
    // The signals waited for the slow reconciliation rather than being decided on the restored state alone.
    expect(after[ready].t - recordsOf(run, 'restart')[0].t).toBeGreaterThanOrEqual(40_000)
    expect(after.filter((r) => r.type === 'signal_dropped:duplicate')).toHaveLength(1)
    expect(after.filter((r) => r.type === 'signal_dropped:cooldown')).toHaveLength(1)
  })

  it('bites: the old bot forgets everything, buys AAA and CCC again, and loses track of BBB', async () => {
    const run = await runOldBot(await loadAlp('ALP-02'))
    const failures = [...checks(run), ...invariantFailures(run)]
    expect(failures).toEqual(expect.arrayContaining(['AAA bought again after the restart', 'CCC bought again after the restart', 'BBB: recorded 0 after the restart, the venue holds 250']))
  })
})
