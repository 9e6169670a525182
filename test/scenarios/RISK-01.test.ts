/**
 * RISK-01: orders that would breach the limits are refused before the venue, with their reason: exposure by asset
 * class against a cap (0.8 of equity), at most N open orders, a minimum spacing between orders.
 * Bites: the same run without the risk engine (the old bot's way: limits only logged) ends 99 % exposed.
 */
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadScenario, runScenario} from '../../src/run/scenario.js'

const FILE = join(resolve(import.meta.dirname, '../..'), 'fixtures/scenarios/RISK-01.json')

describe('RISK-01: limits are enforced before the venue', () => {
  it('refuses the entry that would take exposure past the cap, with its reason, and never sends it', async () => {
    const out = await runScenario(await loadScenario(FILE))
    expect(out.failures).toEqual([])
    const refused = out.journal.records.filter((r) => r.type === 'risk_rejected').map((r) => r.data as {symbol: string; code: string; reason: string})
    expect(refused).toEqual([{clientOrderId: expect.any(String), symbol: 'BBB', code: 'exposure_cap', reason: expect.stringMatching(/^crypto_spot exposure would be 9\d\.\d% of equity, cap 80%$/)}])
    // Refused orders never reach the venue: one intent and one venue order (AAA), none for BBB.
    expect(out.result.orders.map((o) => o.symbol)).toEqual(['AAA'])
    expect(out.journal.records.filter((r) => r.type === 'request' && (r.data as {op: string}).op === 'submit')).toHaveLength(1)
    expect(Math.max(...out.result.equity.exposure)).toBeLessThanOrEqual(0.8)
  })

  it('caps open orders and spaces orders in time', async () => {
    const s = await loadScenario(FILE)
    const spaced = await runScenario({...s, risk: {...s.risk, maxExposure: 1, minOrderSpacingMs: 1000}, expect: {invariants: true}})
    expect(spaced.result.rejections).toEqual({'risk:order_spacing': 1})
    const capped = await runScenario({...s, risk: {...s.risk, maxExposure: 1, maxOpenOrders: 1}, expect: {invariants: true}})
    // The first order is still open (its fill comes at the next bar) when the second is decided.
    expect(capped.result.rejections).toEqual({'risk:max_open_orders': 1})
  })

  it('bites: without the risk engine the same run is 99 % exposed', async () => {
    const s = await loadScenario(FILE)
    const out = await runScenario({...s, risk: undefined})
    expect(out.failures.some((f) => f.startsWith('exposure: peak 0.99'))).toBe(true)
    expect(out.failures.some((f) => f.startsWith('rejections risk:exposure_cap: 0 < min 1'))).toBe(true)
  })
})
