import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadScenario, runScenario, ScenarioSchema} from './scenario.js'

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/scenarios')

describe('scenario files', () => {
  it('runs a scenario with injected duplicates and a lost answer, and checks its expectations', async () => {
    const s = await loadScenario(join(FIXTURES, 'sim-duplicate-executions.json'))
    const out = await runScenario(s)
    expect(out.failures).toEqual([])
    // The faults really happened: duplicated execution frames were received and ignored once each.
    const events = out.journal.records.filter((r) => r.type === 'event' && (r.data as {kind: string}).kind === 'execution')
    const ids = events.map((r) => (r.data as {fill: {execId: string}}).fill.execId)
    expect(ids.length - new Set(ids).size).toBe(4)
    expect(out.journal.records.some((r) => r.type === 'response' && JSON.stringify(r.data).includes('RequestTimeoutError'))).toBe(true)
  })

  it('reports unmet expectations as failures', async () => {
    const s = await loadScenario(join(FIXTURES, 'sim-duplicate-executions.json'))
    const out = await runScenario({...s, expect: {...s.expect, trades: {max: 1}}})
    expect(out.failures.some((f) => f.startsWith('trades: '))).toBe(true)
  })

  it('rejects a malformed scenario with the field named', () => {
    const r = ScenarioSchema.safeParse({id: 'X', title: 't', strategy: 's', data: {inline: {timeframe: '2m', bars: []}}})
    expect(r.success).toBe(false)
  })
})
