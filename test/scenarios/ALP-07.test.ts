/**
 * ALP-07: a signal is malformed (missing field, wrong type, NaN price, an id that does not match its content,
 * null, a negative max age). Required: each is rejected with a clear reason naming the field; the valid signals in
 * the same batch still run.
 *
 * Set-up (fixtures/scenarios/ALP-07.json): one feed batch of eight signals at 09:35:10 — valid AAA, a signal with
 * no symbol, valid BBB, then five broken CCC signals. The old bot reads the batch in one try block: the signal
 * without a symbol throws, and BBB (after it) is never bought.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  for (const s of ['AAA', 'BBB']) {
    const n = venueOrders(run, s, 'buy').length
    if (n !== 1) failures.push(`valid signal ${s}: ${n} orders, expected 1`)
  }
  if (venueOrders(run, 'CCC').length + venueOrders(run, 'DDD').length > 0) failures.push('a malformed signal was traded')
  const dropped = recordsOf(run, 'signal_dropped:malformed').map((r) => (r.data as {detail: string}).detail)
  if (dropped.length !== 6) failures.push(`${dropped.length} malformed signals rejected with a reason, expected 6`)
  return failures
}

describe('ALP-07: malformed signals in a batch', () => {
  it('rejects each malformed signal with its reason and still runs the valid ones', async () => {
    const run = await runPipeline(await loadAlp('ALP-07'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    const reasons = recordsOf(run, 'signal_dropped:malformed').map((r) => (r.data as {detail: string}).detail)
    // Each reason names what is wrong, field first.
    expect(reasons).toEqual([
      expect.stringMatching(/^symbol: /),
      expect.stringMatching(/^score: .*number/),
      expect.stringMatching(/^referencePrice: .*number/),
      'id: does not match strategy:symbol:time',
      expect.stringMatching(/^\(signal\): .*object/),
      expect.stringMatching(/^maxAgeMs: /),
    ])
    // Counted in the store as well as journaled.
    expect(run.out.strategy).toBeDefined()
    const counters = (run.out.strategy as import('../../strategies/momentum/index.js').Momentum).state!.snapshot().namespaces.counters
    expect(counters).toMatchObject({'dropped.malformed': 6})
  })

  it('bites: the old bot stops the batch at the first bad signal, so a valid one after it is never bought', async () => {
    const run = await runOldBot(await loadAlp('ALP-07'))
    const failures = checks(run)
    expect(failures).toContain('valid signal BBB: 0 orders, expected 1')
    expect(failures).toContain('0 malformed signals rejected with a reason, expected 6')
  })
})
