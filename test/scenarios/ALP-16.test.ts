/**
 * ALP-16: a signal older than its maximum age (default 5 min). Required: ignored, and counted.
 *
 * Set-up (fixtures/scenarios/ALP-16.json): at 09:50:10 a feed delivers, late, five signals computed from bars that
 * closed 30 s (AAA), 6 min 10 s (BBB), 18 min (CCC) and 4 min (DDD) earlier, and EEE 90 s earlier with its own
 * max age of 60 s. AAA and DDD are fresh; BBB, CCC and EEE are stale. The old bot measures age from when a signal
 * was written to its list, so late signals look fresh to it.
 */
import {describe, expect, it} from 'vitest'
import type {Momentum} from '../../strategies/momentum/index.js'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  for (const s of ['AAA', 'DDD']) if (venueOrders(run, s, 'buy').length !== 1) failures.push(`fresh signal ${s} not traded once`)
  for (const s of ['BBB', 'CCC', 'EEE']) if (venueOrders(run, s).length > 0) failures.push(`stale signal ${s} traded`)
  const counted = recordsOf(run, 'signal_dropped:stale').length
  if (counted !== 3) failures.push(`${counted} stale signals counted, expected 3`)
  return failures
}

describe('ALP-16: stale signals', () => {
  it('ignores signals older than their max age and counts them', async () => {
    const run = await runPipeline(await loadAlp('ALP-16'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const details = recordsOf(run, 'signal_dropped:stale').map((r) => r.data as {id: string; detail: string})
    expect(details.map((d) => d.id.split(':')[1])).toEqual(['BBB', 'CCC', 'EEE'])
    expect(details[2].detail).toMatch(/max 60 s/)
    expect((run.out.strategy as Momentum).state!.snapshot().namespaces.counters).toMatchObject({'dropped.stale': 3})
  })

  it('bites: the old bot dates signals by when it read them and buys all five', async () => {
    const run = await runOldBot(await loadAlp('ALP-16'))
    const failures = checks(run)
    expect(failures).toEqual(expect.arrayContaining(['stale signal BBB traded', 'stale signal CCC traded', 'stale signal EEE traded', '0 stale signals counted, expected 3']))
  })
})
