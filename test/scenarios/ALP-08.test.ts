/**
 * ALP-08: a long session (a simulated week of minute data: 5 symbols × 7 days × 1440 bars) through the momentum
 * pipeline keeps memory flat. The heap is sampled after a forced collection at each quarter of the run, with the
 * sizes of what the pipeline's store, the engine's tracker and account view keep; the journal is not kept.
 * Bite: the same run with the seed's unbounded price-history cache (every bar kept per symbol) grows with the bars.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar, BarChunk, BarStream} from '../../src/core/market-data.js'
import {Rng} from '../../src/core/rng.js'
import {runBacktest} from '../../src/run/backtest.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {momentum} from '../../strategies/momentum/index.js'

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE']
const MINUTES = 7 * 1440
const T0 = Date.UTC(2024, 0, 1)

/** Random walks with bursts of momentum (so the pipeline trades), in chunks of 5 000 rows. */
function week(seed: number): BarStream {
  return {
    symbols: SYMBOLS,
    timeframe: '1m',
    async *[Symbol.asyncIterator](): AsyncIterator<BarChunk> {
      const rng = new Rng(seed)
      const p = SYMBOLS.map(() => 50 + rng.int(50))
      const n = MINUTES * SYMBOLS.length
      for (let at = 0; at < n; at += 5_000) {
        const len = Math.min(5_000, n - at)
        const c = {length: len, symbol: new Uint16Array(len), ts: new Float64Array(len), open: new Float64Array(len), high: new Float64Array(len), low: new Float64Array(len), close: new Float64Array(len), volume: new Float64Array(len)}
        for (let i = 0; i < len; i++) {
          const row = at + i
          const s = row % SYMBOLS.length
          const minute = Math.floor(row / SYMBOLS.length)
          const drift = Math.floor(minute / 90) % 4 === s % 4 ? 0.0015 : -0.0002
          const open = p[s]
          p[s] = Math.max(5, Math.round(open * (1 + drift + (rng.next() - 0.5) * 0.003) * 100) / 100)
          c.symbol[i] = s
          c.ts[i] = T0 + minute * 60_000
          c.open[i] = open
          c.close[i] = p[s]
          c.high[i] = Math.max(open, p[s]) + 0.02
          c.low[i] = Math.min(open, p[s]) - 0.02
          c.volume[i] = 1_000 + rng.int(20_000)
        }
        yield c
      }
    },
  }
}

function collector(): () => void {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

interface Sample {
  bars: number
  heap: number
  store: number
  tracked: number
  positions: number
}

/** Runs the week, sampling at each quarter; `cache` adds the seed's unbounded per-symbol price history. */
async function runWeek(cache: boolean) {
  const gc = collector()
  const inner = momentum.create(momentum.params.parse({}))
  let ctx: StrategyContext | undefined
  const history = new Map<string, {ts: number; close: number; volume: number}[]>()
  const samples: Sample[] = []
  let bars = 0
  const total = MINUTES * SYMBOLS.length
  const strategy: Strategy = {
    name: inner.name,
    start: (c) => {
      ctx = c
      return inner.start?.(c)
    },
    onEvent: (e) => inner.onEvent?.(e),
    stop: () => inner.stop?.(),
    onBar: (b: Bar) => {
      if (cache) {
        const h = history.get(b.symbol) ?? []
        h.push({ts: b.ts, close: b.close, volume: b.volume})
        history.set(b.symbol, h)
      }
      const r = inner.onBar?.(b)
      if (++bars % (total / 4) === 0) {
        gc()
        const st = (inner as unknown as {state?: {size(ns: {name: string}): number}}).state
        const storeSize = ['cooldowns', 'processed', 'inbox', 'sell_signals', 'orders', 'positions', 'trades', 'flags', 'counters'].reduce((a, name) => a + (st?.size({name}) ?? 0), 0)
        let tracked = 0
        for (const _ of ctx!.account.orders.all()) tracked++
        samples.push({bars, heap: process.memoryUsage().heapUsed, store: storeSize, tracked, positions: ctx!.account.positions.list.length})
      }
      return r
    },
  }
  const r = await runBacktest({
    stream: week(7),
    instruments: SYMBOLS.map((s) => defaultInstrument(s, 'crypto_spot', 'sim')),
    profile: profileFor('sim'),
    strategy,
    sim: {seed: 1, latency: {fixedMs: 30, jitterMs: 10}},
  })
  return {r, samples}
}

describe('ALP-08: a week of minute bars through the momentum pipeline', () => {
  it('keeps the heap and every cache flat', async () => {
    const {r, samples} = await runWeek(false)
    expect(r.bars).toBe(MINUTES * SYMBOLS.length)
    expect(r.violations).toEqual([])
    expect(samples).toHaveLength(4)
    const first = samples[0]
    const last = samples[3]
    // Growth is bounded by the records of orders and fills made meanwhile (kept for the report), not by bars.
    expect(last.heap - first.heap).toBeLessThan(heapBound(r, first.bars))
    for (const x of samples) {
      expect(x.positions).toBeLessThanOrEqual(SYMBOLS.length)
      expect(x.tracked).toBeLessThanOrEqual(r.orders.length)
    }
  }, 120_000)

  it('bites: the seed\'s unbounded price-history cache grows with the bars', async () => {
    const {r, samples} = await runWeek(true)
    expect(samples[3].heap - samples[0].heap).toBeGreaterThan(heapBound(r, samples[0].bars))
  }, 120_000)
})

/** ~1 KB per order and fill made after the first sample, plus 1 MB of slack. */
function heapBound(r: Awaited<ReturnType<typeof runWeek>>['r'], firstBars: number): number {
  const after = T0 + (firstBars / SYMBOLS.length) * 60_000
  const n = r.orders.filter((o) => o.createdAt > after).length + r.fills.filter((f) => f.ts > after).length
  return n * 1_024 + 1024 * 1024
}
