/**
 * The backtest's in-process restart hook (ALP-02, ALP-13) and outside actions: at each restart time the running
 * strategy is snapshotted and stopped, the next instance is built from the snapshot and started on the next fencing
 * epoch, and from then on it alone receives bars and venue events.
 */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {BrokerEvent} from '../../src/core/events.js'
import type {Bar} from '../../src/core/market-data.js'
import {runBacktest} from '../../src/run/backtest.js'
import {Journal} from '../../src/engine/journal.js'
import {inlineStream} from '../../src/run/scenario.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {profileFor} from '../../src/sim/venue-profile.js'

const T0 = Date.UTC(2024, 0, 2)
const MIN = 60_000

class Probe implements Strategy {
  readonly name = 'probe'
  ctx!: StrategyContext
  readonly log: string[]
  bars = 0
  events = 0
  constructor(readonly n: number, readonly restored: unknown, log: string[]) {
    this.log = log
  }
  start(ctx: StrategyContext): void {
    this.ctx = ctx
    this.log.push(`start ${this.n} from ${JSON.stringify(this.restored ?? null)} at ${ctx.clock.now() - T0}`)
  }
  onBar(_bar: Bar): void {
    if (this.bars++ === 0) void this.ctx.orders.submit({clientOrderId: this.ctx.clientOrderId(`k${this.n}`, 'b'), symbol: 'XYZ', side: 'buy', type: 'market', qty: 1, tif: 'gtc'})
  }
  onEvent(_e: BrokerEvent): void {
    this.events++
  }
  snapshot(): unknown {
    this.log.push(`snapshot ${this.n}`)
    return {n: this.n, bars: this.bars}
  }
  stop(): void {
    this.log.push(`stop ${this.n}`)
  }
}

describe('runBacktest restarts', () => {
  it('snapshots, stops, rebuilds from the snapshot and starts the next instance on the next epoch', async () => {
    const bars = Array.from({length: 10}, (_, k) => ['XYZ', T0 + k * MIN, 100, 101, 99, 100, 1e6] as [string, number, number, number, number, number, number])
    const log: string[] = []
    const instances: Probe[] = []
    const make = (restored: unknown) => {
      const p = new Probe(instances.length + 1, restored, log)
      instances.push(p)
      return p
    }
    const journal = new Journal({keep: true})
    const result = await runBacktest({
      stream: inlineStream(bars, '1m'),
      instruments: [defaultInstrument('XYZ', 'crypto_spot', 'sim')],
      profile: profileFor('sim'),
      strategy: make(undefined),
      journal,
      restartAt: [T0 + 4.5 * MIN],
      rebuild: make,
      outside: [{at: T0 + 2 * MIN, label: 'by hand', run: (venue) => venue.submitOrder({clientOrderId: 'manual', symbol: 'XYZ', side: 'buy', type: 'market', qty: 2, tif: 'gtc'})}],
    })
    expect(log).toEqual(['start 1 from null at 0', 'snapshot 1', 'stop 1', `start 2 from {"n":1,"bars":4} at ${4.5 * MIN}`, 'stop 2'])
    // Bars before the restart went to the first instance, the rest to the second; so did the events.
    expect(instances[0].bars + instances[1].bars).toBe(10)
    expect(instances[1].bars).toBe(6)
    expect(instances[1].events).toBeGreaterThan(0)
    // Each instance's client order ids carry its own epoch.
    expect(result.orders.map((o) => o.clientOrderId)).toEqual(['probe-k1-b-1', 'manual', 'probe-k2-b-2'])
    expect(journal.records.filter((r) => r.type === 'restart').map((r) => r.data)).toEqual([{n: 1, epoch: 2}])
    expect(journal.records.filter((r) => r.type === 'outside').map((r) => r.data)).toEqual(['by hand'])
  })

  it('refuses restart times without a way to build the next instance', async () => {
    const bars: [string, number, number, number, number, number, number][] = [['XYZ', T0, 1, 1, 1, 1, 1]]
    await expect(
      runBacktest({stream: inlineStream(bars, '1m'), instruments: [defaultInstrument('XYZ', 'crypto_spot', 'sim')], profile: profileFor('sim'), strategy: {name: 'x'}, restartAt: [T0]}),
    ).rejects.toThrow(/restartAt needs rebuild/)
  })
})
