import {describe, expect, it} from 'vitest'
import {ManualScheduler} from '../../../test/support/manual-scheduler.js'
import {BudgetConfigError, PortBudget} from './port-budget.js'

describe('PortBudget', () => {
  it('never grants more than `limit` in any sliding window, and keeps the callers in order', async () => {
    const loop = new ManualScheduler(0)
    const budget = new PortBudget(loop, loop.clock, 3, 1_000)
    const granted: [number, number][] = []
    for (let i = 0; i < 8; i++) budget.take(() => granted.push([i, loop.clock.now()]))
    await loop.runAll()
    expect(granted.map((g) => g[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(granted.map((g) => g[1])).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000, 2_000])
    expect(budget.delayed).toBe(5)
  })

  it('sends nothing before a venue reset time, then resumes', async () => {
    const loop = new ManualScheduler(0)
    const budget = new PortBudget(loop, loop.clock, 100, 1_000)
    budget.blockUntil(5_000)
    const at: number[] = []
    budget.take(() => at.push(loop.clock.now()))
    budget.take(() => at.push(loop.clock.now()))
    await loop.runAll()
    expect(at).toEqual([5_000, 5_000])
  })

  it('rejects a nonsense configuration', () => {
    const loop = new ManualScheduler(0)
    expect(() => new PortBudget(loop, loop.clock, 0, 1_000)).toThrow(BudgetConfigError)
    expect(() => new PortBudget(loop, loop.clock, 1, 0)).toThrow(BudgetConfigError)
  })
})
