/** Seed → plan: the same seed always draws the same plan; different seeds explore different ones, swarm style. */
import {describe, expect, it} from 'vitest'
import {TIMEFRAME_MS} from '../../src/core/market-data.js'
import {loadBases} from '../../src/simtest/bases.js'
import {drawPlan, FAULT_KINDS} from '../../src/simtest/plan.js'
import {ScenarioSchema} from '../../src/run/scenario.js'

describe('simtest plan drawing', () => {
  it('same seed, same plan (scenario, strategy, faults), byte for byte', async () => {
    const bases = await loadBases()
    for (const seed of [1, 2, 77, 4242, 1_000_003]) expect(JSON.stringify(drawPlan(seed, bases))).toBe(JSON.stringify(drawPlan(seed, bases)))
  })

  it('plans are valid scenarios, and 500 seeds cover every fault kind, several strategies and both kinds of data', async () => {
    const bases = await loadBases()
    const kinds = new Set<string>()
    const strategies = new Set<string>()
    const data = new Set<string>()
    const onPerSeed: number[] = []
    const distinct = new Set<string>()
    for (let seed = 1; seed <= 500; seed++) {
      const p = drawPlan(seed, bases)
      expect(ScenarioSchema.safeParse(p.scenario).success).toBe(true)
      for (const k of FAULT_KINDS) if (p.faults[k] > 0) kinds.add(k)
      onPerSeed.push(FAULT_KINDS.filter((k) => p.faults[k] > 0).length)
      strategies.add(p.strategy)
      data.add(p.base.startsWith('sample:') ? 'sample' : 'scenario')
      distinct.add(JSON.stringify(p.scenario.sim))
    }
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort())
    expect(strategies.size).toBeGreaterThanOrEqual(6)
    expect(data).toEqual(new Set(['sample', 'scenario']))
    expect(distinct.size).toBe(500)
    // Swarm: seeds differ in which kinds are on, not only in how often they fire.
    expect(Math.min(...onPerSeed)).toBe(0)
    expect(Math.max(...onPerSeed)).toBeGreaterThanOrEqual(6)
  })

  it('budgets go down to one request per window, and refusal bursts and outages end by the last bar', async () => {
    const bases = await loadBases()
    const budgets = new Set<number>()
    let checked = 0
    for (let seed = 1; seed <= 500; seed++) {
      const p = drawPlan(seed, bases)
      const sim = p.scenario.sim as {rateLimit?: {requests: number}; faults?: {action: string; probability: number; to?: number}[]}
      if (sim.rateLimit) budgets.add(sim.rateLimit.requests)
      if (!('inline' in p.scenario.data)) continue
      const {bars, timeframe} = p.scenario.data.inline
      const last = Math.max(...bars.map((b) => b[1])) + TIMEFRAME_MS[timeframe]
      checked++
      // Drawn bursts (rate limits with probability 1) and outages: the base scenarios' own rules are kept as they are.
      for (const f of sim.faults ?? []) if ((f.action === 'rate_limit' || f.action === 'disconnect') && f.probability === 1 && f.to !== undefined) expect(f.to).toBeLessThanOrEqual(last)
    }
    expect(checked).toBeGreaterThan(400)
    expect(Math.min(...budgets)).toBe(1)
    expect(budgets.has(2)).toBe(true)
  })
})
