/**
 * RISK-05: equity falls by more than the configured drawdown. Kill switch: flatten or freeze by policy, persisted
 * until cleared. Set-up (fixtures/scenarios/RISK-05.json): half the cash in AAA, which falls 30 % over two hours;
 * the limit is a 5 % drawdown of equity. Bites: without the risk engine the position rides the whole fall.
 */
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {inlineStream, loadScenario, runScenario} from '../../src/run/scenario.js'
import {runBacktest} from '../../src/run/backtest.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {buyAndHold} from '../../strategies/buy-and-hold/index.js'

const FILE = join(resolve(import.meta.dirname, '../..'), 'fixtures/scenarios/RISK-05.json')

describe('RISK-05: the kill switch on drawdown', () => {
  it('flatten: engages past the drawdown, closes the position, and the loss stops near the limit', async () => {
    const out = await runScenario(await loadScenario(FILE))
    expect(out.failures).toEqual([])
    const kill = out.journal.records.find((r) => r.type === 'kill_switch')!
    expect((kill.data as {reason: string}).reason).toMatch(/^drawdown 5\.\d\d% from peak/)
    // The flattening order is an exit (it passes the switch), sent at the instant the switch engaged.
    const flatten = out.journal.records.find((r) => r.type === 'intent' && (r.data as {reason?: string}).reason === 'kill_switch')!
    expect(flatten.t).toBe(kill.t)
    expect(out.result.trades.map((t) => t.exitReason)).toEqual(['kill_switch'])
    const finalDrawdown = 1 - out.result.finalEquity / out.result.initialCash
    expect(finalDrawdown).toBeGreaterThan(0.05)
    expect(finalDrawdown).toBeLessThan(0.06)
  })

  it('freeze: engages and sends nothing at all, exits included; the state carries over a restart until cleared', async () => {
    const s = await loadScenario(FILE)
    const out = await runScenario({...s, risk: {...s.risk, killPolicy: 'freeze'}})
    expect(out.result.killSwitch?.engaged).toBe(true)
    expect(out.journal.records.filter((r) => r.type === 'intent' && (r.data as {reason?: string}).reason === 'kill_switch')).toEqual([])
    expect(out.result.trades.map((t) => t.exitReason)).toEqual(['end_of_data'])
    // A new session started with the persisted state refuses entries until the switch is cleared.
    const data = s.data as {inline: {bars: [string, number, number, number, number, number, number][]}}
    const stream = inlineStream(data.inline.bars, '1m')
    const next = await runBacktest({
      stream,
      instruments: stream.symbols.map((x) => defaultInstrument(x, 'crypto_spot', 'sim')),
      profile: profileFor('sim'),
      strategy: buyAndHold.create({fraction: 0.5}),
      sim: {participation: 1},
      risk: {limits: s.risk!, kill: JSON.parse(JSON.stringify(out.result.killSwitch))},
    })
    expect(next.rejections).toEqual({'risk:kill_switch': 1})
    expect(next.orders).toEqual([])
  })

  it('bites: without the risk engine the position rides the whole 30 % fall', async () => {
    const s = await loadScenario(FILE)
    const out = await runScenario({...s, risk: undefined})
    expect(out.failures.some((f) => f.startsWith('kill switch: not engaged'))).toBe(true)
    expect(1 - out.result.finalEquity / out.result.initialCash).toBeGreaterThan(0.14)
  })
})
