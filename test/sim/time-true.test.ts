/**
 * Time-true bars (ARCHITECTURE.md, "Simulator conventions"): the venue sees each bar as its price path at its own
 * times — the open at the bar's open time, the extremes a third and two thirds of the way, the close at the close
 * time — and the strategy gets the bar at its close. Each case runs a backtest with a probe strategy that places
 * one order and records what it saw, when.
 */
import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../../src/core/events.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import type {OrderRequest} from '../../src/core/order.js'
import {runBacktest} from '../../src/run/backtest.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {ALPACA_PROFILE, profileFor} from '../../src/sim/venue-profile.js'
import {memoryStream, type Row} from '../support/memory-stream.js'

const MIN = 60_000
const T0 = Date.UTC(2024, 0, 3, 15, 0) // a Wednesday, 10:00 New York: inside the regular session

type Order = Omit<OrderRequest, 'clientOrderId' | 'symbol'>

/** Places `order` at the close of bar `at` (0-based); logs bars (clock, position) and executions (their times). */
class Probe implements Strategy {
  readonly name = 'probe'
  ctx!: StrategyContext
  readonly bars: {clock: number; ts: number; position: number}[] = []
  readonly fills: {ts: number; price: number; qty: number; seenAt: number}[] = []
  private n = 0
  constructor(private readonly order: Order, private readonly at = 0, private readonly extra?: (bar: Bar, n: number, ctx: StrategyContext) => void) {}
  start(ctx: StrategyContext): void {
    this.ctx = ctx
  }
  onBar(bar: Bar): void {
    this.bars.push({clock: this.ctx.clock.now(), ts: bar.ts, position: this.ctx.account.position(bar.symbol)})
    if (this.n === this.at) void this.ctx.orders.submit({...this.order, clientOrderId: this.ctx.clientOrderId(`p${this.n}`, 'x'), symbol: bar.symbol} as OrderRequest)
    this.extra?.(bar, this.n, this.ctx)
    this.n++
  }
  onEvent(e: BrokerEvent): void {
    if (e.kind === 'execution') this.fills.push({ts: e.fill.ts, price: e.fill.price, qty: e.fill.qty, seenAt: this.ctx.clock.now()})
  }
}

function bars(symbol: string, start: number, tf: number, ohlc: readonly (readonly [number, number, number, number])[]): Row[] {
  return ohlc.map(([open, high, low, close], i) => ({symbol, ts: start + i * tf, open, high, low, close, volume: 1_000_000}))
}

const crypto = [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')]

async function run(probe: Probe, rows: Row[], latencyMs: number, opts: {timeframe?: '1m' | '1d'; stocks?: boolean} = {}) {
  const symbol = rows[0].symbol
  return runBacktest({
    stream: memoryStream(rows, opts.timeframe ?? '1m'),
    instruments: opts.stocks ? [defaultInstrument(symbol, 'us_equity', 'alpaca')] : crypto,
    profile: opts.stocks ? ALPACA_PROFILE : profileFor('bybit'),
    strategy: probe,
    sim: {seed: 1, latency: {fixedMs: latencyMs, jitterMs: 0}, participation: 'none'},
  })
}

// Bar 1 rises (open 100 → low 99 → high 110 → close 108); bar 2 falls (108 → high 109 → low 95 → close 96).
const PATH = [
  [100, 101, 99, 100],
  [100, 110, 99, 108],
  [108, 109, 95, 96],
  [96, 97, 95, 96],
] as const

describe('time-true bars', () => {
  it('a market order decided at a close fills at the next bar\'s open, at its open time, and is known before that bar\'s close', async () => {
    for (const latency of [0, 20]) {
      const probe = new Probe({side: 'buy', type: 'market', qty: 1, tif: 'gtc'})
      const r = await run(probe, bars('BTCUSDT', T0, MIN, PATH), latency)
      expect(r.fills).toHaveLength(1)
      // Decided at bar 0's close (T0 + 1m) = bar 1's open: filled there, at the open price.
      expect(r.fills[0].ts, `latency ${latency}`).toBe(T0 + MIN + latency)
      expect(r.fills[0].price).toBe(100)
      // The strategy knows it before it decides on bar 1's close.
      expect(probe.bars[1]).toEqual({clock: T0 + 2 * MIN, ts: T0 + MIN, position: 1})
      expect(probe.fills[0].seenAt).toBeLessThan(T0 + 2 * MIN)
    }
  })

  it('stops and limits fill where the path reaches them, at that point\'s time', async () => {
    // Buy stop at 105 placed at bar 0's close: bar 1 goes 100 → 99 (at +20 s) → 110 (at +40 s): crossed on the way to the high.
    const stop = new Probe({side: 'buy', type: 'stop', stopPrice: 105, qty: 1, tif: 'gtc'})
    const a = await run(stop, bars('BTCUSDT', T0, MIN, PATH), 0)
    expect(a.fills.map((f) => [f.ts, f.price])).toEqual([[T0 + MIN + 40_000, 105]])
    // A sell limit at 96 placed at bar 1's close (108) is marketable when bar 2 opens at 108: filled there, at once.
    const limit = new Probe({side: 'sell', type: 'limit', limitPrice: 96, qty: 1, tif: 'gtc'}, 1)
    const b = await run(limit, bars('BTCUSDT', T0, MIN, PATH), 0)
    expect(b.fills.map((f) => [f.ts, f.price])).toEqual([[T0 + 2 * MIN, 108]])
    // A buy limit at 96 placed at bar 1's close: not reached until bar 2's low (95) at +40 s, filled at its limit.
    const buyLimit = new Probe({side: 'buy', type: 'limit', limitPrice: 96, qty: 1, tif: 'gtc'}, 1)
    const c = await run(buyLimit, bars('BTCUSDT', T0, MIN, PATH), 0)
    expect(c.fills.map((f) => [f.ts, f.price])).toEqual([[T0 + 2 * MIN + 40_000, 96]])
    // A sell limit at 109 placed at bar 1's close is reached at bar 2's high (109, the first extreme) at +20 s.
    const sellHigh = new Probe({side: 'sell', type: 'limit', limitPrice: 109, qty: 1, tif: 'gtc'}, 1)
    const d = await run(sellHigh, bars('BTCUSDT', T0, MIN, PATH), 0)
    expect(d.fills.map((f) => [f.ts, f.price])).toEqual([[T0 + 2 * MIN + 20_000, 109]])
  })

  it('an order arriving during a bar (latency) meets the price of the last path point passed, at its arrival time', async () => {
    // Placed at bar 0's close, 30 s of latency: it reaches bar 1 after its low (+20 s), before its high (+40 s).
    const probe = new Probe({side: 'buy', type: 'market', qty: 1, tif: 'gtc'})
    const r = await run(probe, bars('BTCUSDT', T0, MIN, PATH), 30_000)
    expect(r.fills.map((f) => [f.ts, f.price])).toEqual([[T0 + MIN + 30_000, 99]])
    // Latency longer than a bar: 70 s reaches bar 2 after its open (108), before its first extreme.
    const late = new Probe({side: 'buy', type: 'market', qty: 1, tif: 'gtc'})
    const l = await run(late, bars('BTCUSDT', T0, MIN, PATH), 70_000)
    expect(l.fills.map((f) => [f.ts, f.price])).toEqual([[T0 + 2 * MIN + 10_000, 108]])
  })

  it('a sell at the open is seen before the close, so a re-entry at that close is possible (backtrader\'s convention)', async () => {
    // Buys at bar 0's close, sells at bar 1's close; at bar 2's close the sell (filled at bar 2's open) is known.
    const probe = new Probe({side: 'buy', type: 'market', qty: 1, tif: 'gtc'}, 0, (bar, n, ctx) => {
      if (n === 1) void ctx.orders.submit({clientOrderId: ctx.clientOrderId('s', 'x'), symbol: bar.symbol, side: 'sell', type: 'market', qty: 1, tif: 'gtc'})
    })
    await run(probe, bars('BTCUSDT', T0, MIN, PATH), 0)
    expect(probe.bars.map((b) => b.position)).toEqual([0, 1, 0, 0])
  })

  it('a daily stock bar is the session: filled at 09:30 New York, decided on at 16:00 (13:00 on an early close)', async () => {
    // 2003-11-25 .. 2003-12-01: Thanksgiving (11-27) has no bar; 11-28 closes at 13:00.
    const days = ['2003-11-25', '2003-11-26', '2003-11-28', '2003-12-01'].map((d) => Date.parse(`${d}T00:00:00Z`))
    const rows = days.map((ts, i) => ({symbol: 'SPY', ts, open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 1e6}))
    // A DAY market order placed at 11-26's close waits over the holiday and fills at 11-28's open.
    const probe = new Probe({side: 'buy', type: 'market', qty: 10, tif: 'day'}, 1)
    const r = await run(probe, rows, 0, {timeframe: '1d', stocks: true})
    expect(probe.bars.map((b) => new Date(b.clock).toISOString())).toEqual([
      '2003-11-25T21:00:00.000Z', // 16:00 EST
      '2003-11-26T21:00:00.000Z',
      '2003-11-28T18:00:00.000Z', // the 13:00 early close
      '2003-12-01T21:00:00.000Z',
    ])
    expect(r.orders[0].status).toBe('filled')
    expect(r.fills.map((f) => [new Date(f.ts).toISOString(), f.price])).toEqual([['2003-11-28T14:30:00.000Z', 102]])
    expect(probe.bars[2].position).toBe(10)
  })

  it('a DAY limit that never trades expires after the close of the session it was live in, not before its close print', async () => {
    const days = ['2013-12-23', '2013-12-24', '2013-12-26'].map((d) => Date.parse(`${d}T00:00:00Z`))
    // 12-24 (early close) closes at 95: a buy limit at 95 placed on 12-23 trades on the close print only.
    const rows = [
      {symbol: 'SPY', ts: days[0], open: 100, high: 101, low: 99, close: 100, volume: 1e6},
      {symbol: 'SPY', ts: days[1], open: 100, high: 101, low: 96, close: 95, volume: 1e6},
      {symbol: 'SPY', ts: days[2], open: 90, high: 91, low: 89, close: 90, volume: 1e6},
    ]
    const probe = new Probe({side: 'buy', type: 'limit', limitPrice: 95, qty: 10, tif: 'day'})
    const r = await run(probe, rows, 0, {timeframe: '1d', stocks: true})
    expect(r.fills.map((f) => [new Date(f.ts).toISOString(), f.price])).toEqual([['2013-12-24T18:00:00.000Z', 95]])
    // The same at 94 never trades on 12-24 and is expired before 12-26's open (90), which it would have taken.
    const missed = new Probe({side: 'buy', type: 'limit', limitPrice: 94, qty: 10, tif: 'day'})
    const m = await run(missed, rows, 0, {timeframe: '1d', stocks: true})
    expect(m.fills).toEqual([])
    expect(m.orders[0].status).toBe('expired')
    expect(new Date(m.orders[0].updatedAt).toISOString()).toBe('2013-12-24T18:00:00.001Z')
  })
})
