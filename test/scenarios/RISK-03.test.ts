/**
 * RISK-03: market data goes stale. No decision on a symbol whose data is older than the limit (15 min); trading
 * halts while more than half the symbols are stale; fewer than the minimum data points (20) means no entry.
 * Set-up (fixtures/scenarios/RISK-03.json): AAA oscillates and crosses its averages every few minutes; BBB and CCC
 * go silent from minute 30 to 70. Bites: without the risk engine, AAA is traded through the outage and from its
 * third bar on.
 */
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadScenario, runScenario} from '../../src/run/scenario.js'

const FILE = join(resolve(import.meta.dirname, '../..'), 'fixtures/scenarios/RISK-03.json')
const T0 = 1_700_000_000_000
const MIN = 60_000

describe('RISK-03: stale data and too few data points', () => {
  it('refuses entries before 20 bars and while most symbols are stale, and trades otherwise', async () => {
    const out = await runScenario(await loadScenario(FILE))
    expect(out.failures).toEqual([])
    const refused = out.journal.records.filter((r) => r.type === 'risk_rejected').map((r) => ({t: r.t, ...(r.data as {code: string})}))
    // Too few bars: only before AAA's 20th bar (which arrives at T0 + 20 min).
    for (const r of refused.filter((x) => x.code === 'insufficient_data')) expect(r.t).toBeLessThan(T0 + 20 * MIN)
    // Halted: only while BBB and CCC have been silent for more than 15 minutes (from 29 + 15 min until they return).
    const halted = refused.filter((x) => x.code === 'stale_halt')
    for (const r of halted) {
      expect(r.t).toBeGreaterThan(T0 + 45 * MIN)
      expect(r.t).toBeLessThanOrEqual(T0 + 71 * MIN)
    }
    // No entry was sent inside the halt; entries were sent before and after it.
    const entries = out.journal.records.filter((r) => r.type === 'intent' && (r.data as {reason?: string}).reason === 'entry').map((r) => r.t)
    expect(entries.some((t) => t < T0 + 45 * MIN)).toBe(true)
    expect(entries.some((t) => t > T0 + 71 * MIN)).toBe(true)
    expect(entries.filter((t) => t > T0 + 45 * MIN && t <= T0 + 71 * MIN)).toEqual([])
  })

  it('bites: without the risk engine, entries are sent on 3 bars of history and through the outage', async () => {
    const s = await loadScenario(FILE)
    const out = await runScenario({...s, risk: undefined})
    const entries = out.journal.records.filter((r) => r.type === 'intent' && (r.data as {reason?: string}).reason === 'entry').map((r) => r.t)
    expect(entries.some((t) => t < T0 + 20 * MIN)).toBe(true)
    expect(entries.some((t) => t > T0 + 45 * MIN && t <= T0 + 71 * MIN)).toBe(true)
    expect(out.failures.some((f) => f.startsWith('rejections risk:stale_halt: 0 < min 1'))).toBe(true)
  })
})
