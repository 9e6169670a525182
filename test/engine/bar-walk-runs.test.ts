/**
 * The bar walk's two timing rules (src/engine/bar-walk.ts: settle turns after a bar that made a call, the stop at
 * the drain's end) seen through both of its users, a session and a multi-account run. The walk's own contract is
 * tested beside it (src/engine/bar-walk.test.ts).
 */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar, BarStream} from '../../src/core/market-data.js'
import {DRAIN_MS} from '../../src/engine/bar-walk.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {runBacktest} from '../../src/run/backtest.js'
import {runMultiAccount} from '../../src/run/multi-account.js'
import {BYBIT_HEDGE_PROFILE} from '../../src/sim/venue-profile.js'
import {chunks, streamOf} from '../support/bar-chunks.js'

/** Two symbols, bars at the same instants: two bars per instant with no venue work due between them. */
function twoSymbolStream(instants: number): BarStream {
  const [c] = chunks(instants, 2, instants * 2)
  const price = (p: number): Float64Array => new Float64Array(c.length).fill(p)
  return streamOf([{...c, open: price(20_000), high: price(20_010), low: price(19_990), close: price(20_000)}], ['BTCUSDT', 'ETHUSDT'])
}

/** Sends an order, sends the same id again (refused at once), notes when it learns so; records when it stops. */
class Probe implements Strategy {
  readonly name = 'walk-probe'
  private ctx!: StrategyContext
  private bars = 0
  /** Bars seen when the duplicate's refusal was known. */
  refusedAfter = -1

  /** `log` is shared by the accounts of one run: it shows whose bar came when. */
  constructor(private readonly id = 'solo', private readonly log: string[] = []) {}

  start(ctx: StrategyContext): void {
    this.ctx = ctx
  }

  onBar(bar: Bar): void {
    const k = this.bars++
    this.log.push(`${this.id} bar ${k}`)
    const req = {clientOrderId: 'probe-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.01, tif: 'gtc', positionSide: 'long'} as const
    if (k === 0 && bar.symbol === 'BTCUSDT') void this.ctx.orders.submit(req)
    // Bar 4 is BTCUSDT at the third instant; bar 5 is ETHUSDT at that same instant.
    if (k === 4) {
      void this.ctx.orders.submit(req).then((r) => {
        if (r.ok) return
        this.refusedAfter = this.bars
        this.log.push(`${this.id} refused`)
      })
    }
  }

  stop(): void {
    this.ctx.record('stopped', this.bars)
  }
}

const instruments = ['BTCUSDT', 'ETHUSDT'].map((s) => defaultInstrument(s, 'crypto_perp', 'bybit'))
const sim = {seed: 1, latency: {fixedMs: 20, jitterMs: 0}}
const stoppedAt = (records: readonly JournalRecord[]): number | undefined => records.find((r) => r.type === 'stopped')?.t

describe('a session and a multi-account run walk alike', () => {
  it('a single-account session: the refusal is known before the next bar, the strategy stops at the drain\'s end', async () => {
    const probe = new Probe()
    const journal = new Journal({keep: true})
    const r = await runBacktest({stream: twoSymbolStream(6), instruments, profile: BYBIT_HEDGE_PROFILE, strategy: probe, sim, journal})
    expect(probe.refusedAfter).toBe(5)
    expect(stoppedAt(journal.records)).toBe(r.to + DRAIN_MS)
  })

  it('every account of a multi-account run: the same settle turns and the same stop time', async () => {
    const log: string[] = []
    const probes = [new Probe('a0', log), new Probe('a1', log)]
    const journals = probes.map(() => new Journal({keep: true}))
    const out = await runMultiAccount({
      stream: twoSymbolStream(6),
      instruments,
      profile: BYBIT_HEDGE_PROFILE,
      accounts: probes.map((strategy, k) => ({id: `a${k}`, strategy, sim, journal: journals[k]})),
    })
    for (let k = 0; k < probes.length; k++) {
      // Account a0's refusal is settled before a1's bar, not after the next bars (its own or the other account's).
      expect(probes[k].refusedAfter).toBe(5)
      expect(stoppedAt(journals[k].records)).toBe(out.accounts[k].result.to + DRAIN_MS)
    }
    // Settled per account: a0's refusal lands before a1 sees the same bar.
    expect(log.slice(8, 14)).toEqual(['a0 bar 4', 'a0 refused', 'a1 bar 4', 'a1 refused', 'a0 bar 5', 'a1 bar 5'])
  })
})
