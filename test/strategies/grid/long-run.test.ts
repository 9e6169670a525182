/**
 * A long session (two weeks of synthetic minute bars, hundreds of take-profit cycles): nothing the grid keeps grows
 * with time, the venue never holds more than four grid orders, and the heap (sampled after a forced collection)
 * grows only by the simulator's own record of orders and fills, which the report needs. Not a timed test.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../../src/core/instrument.js'
import type {BarChunk, BarStream} from '../../../src/core/market-data.js'
import {isTerminal} from '../../../src/core/order-state.js'
import {Rng} from '../../../src/core/rng.js'
import {runBacktest} from '../../../src/run/backtest.js'
import type {StrategyContext} from '../../../src/engine/strategy.js'
import {BYBIT_HEDGE_PROFILE} from '../../../src/sim/venue-profile.js'
import {GridParamsSchema, GridStrategy, parseGridId} from '../../../strategies/grid/index.js'

const MINUTES = 14 * 1440
const T0 = Date.UTC(2024, 0, 1)

/** A mean-reverting random walk around 20 000, ±0.2 % a minute, in chunks of 10 000 bars. */
function walk(n: number, seed: number): BarStream {
  return {
    symbols: ['BTCUSDT'],
    timeframe: '1m',
    async *[Symbol.asyncIterator](): AsyncIterator<BarChunk> {
      const rng = new Rng(seed)
      let p = 20_000
      for (let at = 0; at < n; at += 10_000) {
        const len = Math.min(10_000, n - at)
        const c = {length: len, symbol: new Uint16Array(len), ts: new Float64Array(len), open: new Float64Array(len), high: new Float64Array(len), low: new Float64Array(len), close: new Float64Array(len), volume: new Float64Array(len)}
        for (let i = 0; i < len; i++) {
          const open = p
          p = Math.round(p * (1 + (rng.next() - 0.5) * 0.004 + ((20_000 - p) / 20_000) * 0.0005) * 10) / 10
          c.ts[i] = T0 + (at + i) * 60_000
          c.open[i] = open
          c.close[i] = p
          c.high[i] = Math.round(Math.max(open, p) * 1.0008 * 10) / 10
          c.low[i] = Math.round(Math.min(open, p) * 0.9992 * 10) / 10
          c.volume[i] = 100
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

describe('grid: a long session', () => {
  it('keeps memory and open orders flat over two weeks of minute bars', async () => {
    const gc = collector()
    const grid = new GridStrategy(GridParamsSchema.parse({}))
    let ctx: StrategyContext | undefined
    const start = grid.start.bind(grid)
    grid.start = (c) => {
      ctx = c
      return start(c)
    }
    const samples: {bars: number; heap: number; footprint: Record<string, number>; trackerOpen: number}[] = []
    let bars = 0
    const onBar = grid.onBar.bind(grid)
    grid.onBar = (b) => {
      onBar(b)
      if (++bars % (MINUTES / 4) === 0) {
        gc()
        samples.push({bars, heap: process.memoryUsage().heapUsed, footprint: grid.footprint(), trackerOpen: ctx!.account.orders.open})
      }
    }
    const r = await runBacktest({
      stream: walk(MINUTES, 42),
      instruments: [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')],
      profile: BYBIT_HEDGE_PROFILE,
      strategy: grid,
      sim: {seed: 1, latency: {fixedMs: 20, jitterMs: 10}, fees: {makerRate: 0.0002, takerRate: 0.00055}},
    })
    expect(r.bars).toBe(MINUTES)
    expect(r.violations).toEqual([])
    const cycles = r.metrics.find((m) => m.key === 'grid_tp_cycles_total')!.value
    expect(cycles).toBeGreaterThan(200)

    // Open orders on the venue: never more than a take-profit and an entry per leg.
    const points: [number, number][] = []
    for (const o of r.orders) {
      if (!parseGridId(o.clientOrderId)) continue
      points.push([o.createdAt, 1], [isTerminal(o.status) ? o.updatedAt : Infinity, -1])
    }
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    let open = 0
    let maxOpen = 0
    for (const [, d] of points) maxOpen = Math.max(maxOpen, (open += d))
    expect(maxOpen).toBeLessThanOrEqual(4)
    expect(r.orders.filter((o) => !isTerminal(o.status)).length).toBeLessThanOrEqual(4)

    // Everything the grid keeps is bounded, at every sample.
    expect(samples).toHaveLength(4)
    for (const s of samples) {
      expect(s.footprint.slots).toBeLessThanOrEqual(6)
      expect(s.footprint.finished).toBeLessThanOrEqual(512)
      expect(s.footprint.timers).toBeLessThanOrEqual(64)
      expect(s.footprint.inbox).toBe(0)
      expect(s.footprint.refs).toBeLessThanOrEqual(6)
      expect(s.trackerOpen).toBeLessThanOrEqual(6)
    }
    // Heap: from the first quarter on, it grows by less than the simulator's records of the orders and fills
    // made meanwhile (~1 KB each, kept for the report), plus 2 MB of slack — not with the number of bars.
    const first = samples[0]
    const last = samples[samples.length - 1]
    const ordersAfter = r.orders.filter((o) => o.createdAt > T0 + first.bars * 60_000).length + r.fills.filter((f) => f.ts > T0 + first.bars * 60_000).length
    const growth = last.heap - first.heap
    expect(growth).toBeLessThan(ordersAfter * 1_024 + 2 * 1024 * 1024)
  }, 60_000)
})
