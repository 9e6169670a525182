/** The multi-account wiring on its own: one read of the bars, per-account venues, errors kept inside an account. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../core/instrument.js'
import type {Bar} from '../core/market-data.js'
import {BYBIT_HEDGE_PROFILE} from '../sim/venue-profile.js'
import {memoryStream, zigzag} from '../../test/support/memory-stream.js'
import {AuditTrail} from '../risk/audit-trail.js'
import {Journal} from '../engine/journal.js'
import {MetricsRegistry} from '../engine/metrics.js'
import {MultiAccountError, runMultiAccount} from './multi-account.js'
import type {Strategy, StrategyContext} from '../engine/strategy.js'

const T0 = Date.UTC(2024, 0, 1)
const instruments = [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')]

/** Buys once on the first bar, counts bars and a timer; throws where told to. */
class Probe implements Strategy {
  readonly name = 'probe'
  bars = 0
  ticks = 0
  ctx!: StrategyContext
  constructor(private readonly throwIn?: 'timer' | 'onBar' | 'onEvent') {}
  start(ctx: StrategyContext): void {
    this.ctx = ctx
    ctx.scheduler.every(60_000, () => {
      this.ticks++
      if (this.throwIn === 'timer' && this.ticks === 3) throw new Error('timer bug')
    })
  }
  onBar(bar: Bar): void {
    if (++this.bars === 1) {
      void this.ctx.orders.submit({clientOrderId: this.ctx.clientOrderId('b', 'l'), symbol: bar.symbol, side: 'buy', type: 'market', qty: 0.01, tif: 'gtc', positionSide: 'long'})
    }
    if (this.throwIn === 'onBar' && this.bars === 5) throw new Error('bar bug')
    this.ctx.metrics?.counter('probe_bars_total', 'bars').inc()
  }
  onEvent(): void {
    if (this.throwIn === 'onEvent') throw new Error('event bug')
  }
}

describe('multi-account wiring', () => {
  it('shares one read of the bars and keeps venues, errors and metrics per account', async () => {
    let reads = 0
    const base = memoryStream(zigzag('BTCUSDT', T0, 30, {base: 20_000, amp: 50}))
    const stream = {...base, [Symbol.asyncIterator]: () => (reads++, base[Symbol.asyncIterator]())}
    const probes = {a: new Probe(), b: new Probe('timer'), c: new Probe('onEvent'), d: new Probe('onBar')}
    const metrics = new MetricsRegistry()
    const out = await runMultiAccount({stream, instruments, profile: BYBIT_HEDGE_PROFILE, metrics, accounts: Object.entries(probes).map(([id, strategy]) => ({id, strategy}))})
    expect(reads).toBe(1)
    const by = Object.fromEntries(out.accounts.map((a) => [a.id, a]))
    expect(by.a.halted).toBe(false)
    expect(probes.a.bars).toBe(30)
    expect(by.b.errors).toEqual([expect.objectContaining({where: 'timer', message: 'timer bug'})])
    expect(by.c.errors[0]).toMatchObject({where: 'onEvent', message: 'event bug'})
    expect(by.d.errors[0]).toMatchObject({where: 'onBar', message: 'bar bug'})
    expect(probes.d.bars).toBe(5)
    // Each account's own venue: its own order ids and its own fill.
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(by[id].result.fills).toHaveLength(1)
      expect(by[id].result.orders[0].venueOrderId).toBe(`B${id}-1`)
    }
    expect(metrics.value('probe_bars_total{account="a"}')).toBe(30)
    expect(metrics.value('probe_bars_total{account="d"}')).toBe(4)
    expect(by.a.result.metrics.map((m) => m.key)).toEqual(['probe_bars_total'])
  })

  it('gives each account the risk engine and the audit trail of a single-account run', async () => {
    const stream = memoryStream(zigzag('BTCUSDT', T0, 30, {base: 20_000, amp: 50}))
    const lines: string[] = []
    const audit = new AuditTrail({dir: 'memory', writer: {append: (_file, text) => void lines.push(text)}})
    const journal = new Journal({keep: true})
    const probes = {a: new Probe(), b: new Probe()}
    // A's limit: 10 of position per symbol; its one buy (0.01 × 20,000 = 200) is over it. B runs without risk.
    const out = await runMultiAccount({
      stream, instruments, profile: BYBIT_HEDGE_PROFILE,
      accounts: [
        {id: 'a', strategy: probes.a, journal, risk: {limits: {maxPositionPerSymbol: 10, minDataPoints: 0}}, audit},
        {id: 'b', strategy: probes.b},
      ],
    })
    const [a, b] = out.accounts
    expect(a.result.rejections).toEqual({'risk:symbol_position_limit': 1})
    expect(a.result.fills).toHaveLength(0)
    expect(journal.records.filter((r) => r.type === 'risk_rejected').map((r) => r.data)).toEqual([
      expect.objectContaining({clientOrderId: probes.a.ctx.clientOrderId('b', 'l'), code: 'symbol_position_limit'}),
    ])
    expect(journal.records.some((r) => r.type === 'intent')).toBe(false)
    // The audit trail has the refused order, and is complete at the end.
    expect(lines).toEqual([expect.stringMatching(/,refused,probe-b-l-1,.*,symbol_position_limit\n$/)])
    expect(a.result.audit).toEqual({dir: 'memory', outages: 0, retries: 0, unwritten: 0})
    expect(b.result.fills).toHaveLength(1)
    expect(b.result.audit).toBeUndefined()
  })

  it('refuses a bad or repeated account id with a clear error', async () => {
    const stream = memoryStream(zigzag('BTCUSDT', T0, 3))
    await expect(runMultiAccount({stream, instruments, profile: BYBIT_HEDGE_PROFILE, accounts: [{id: 'a b', strategy: new Probe()}]})).rejects.toThrow(MultiAccountError)
    await expect(runMultiAccount({stream, instruments, profile: BYBIT_HEDGE_PROFILE, accounts: [{id: 'a', strategy: new Probe()}, {id: 'a', strategy: new Probe()}]})).rejects.toThrow(/given twice/)
    await expect(runMultiAccount({stream, instruments, profile: BYBIT_HEDGE_PROFILE, accounts: []})).rejects.toThrow(/no accounts/)
  })
})
