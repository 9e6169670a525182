import {describe, expect, it} from 'vitest'
import {defaultInstrument, type AssetClass} from '../../../src/core/instrument.js'
import type {Bar} from '../../../src/core/market-data.js'
import type {OrderRequest} from '../../../src/core/order.js'
import {runBacktest} from '../../../src/run/backtest.js'
import {Journal} from '../../../src/engine/journal.js'
import type {SimConfigInput} from '../../../src/sim/config.js'
import {profileFor} from '../../../src/sim/venue-profile.js'
import {memoryStream, type Row} from '../../support/memory-stream.js'
import type {Stance, SymbolSignal} from '../../../strategies/consensus/signal-source.js'
import {SignalTrader, TradingParams} from '../../../strategies/consensus/signal-trader.js'

/** Plays a fixed list of stances, one per bar (0 after the end); the reason names the bar that changed it. */
class Scripted implements SymbolSignal {
  reason = ''
  private i = 0
  private last: Stance = 0
  constructor(private readonly script: readonly Stance[]) {}
  update(_bar: Bar): Stance {
    const s = this.script[this.i++] ?? 0
    if (s !== this.last) this.reason = s === 0 ? `flat_at_${this.i - 1}` : `${s === 1 ? 'up' : 'down'}_at_${this.i - 1}`
    this.last = s
    return s
  }
}

/** Tuesday 2023-11-14 10:00 New York: inside the regular session, so stock entries are allowed. */
const T0 = Date.UTC(2023, 10, 14, 15, 0)

function flatBars(symbol: string, n: number, price = 100, volume = 1_000_000): Row[] {
  return Array.from({length: n}, (_, i) => ({symbol, ts: T0 + i * 60_000, open: price, high: price + 0.5, low: price - 0.5, close: price, volume}))
}

async function run(opts: {
  rows: Row[]
  script: Record<string, readonly Stance[]>
  params?: Partial<TradingParams>
  venue?: string
  assetClass?: AssetClass
  sim?: SimConfigInput
}) {
  const stream = memoryStream(opts.rows)
  const venue = opts.venue ?? 'sim'
  const assetClass = opts.assetClass ?? 'crypto_spot'
  const journal = new Journal({keep: true})
  const p = TradingParams.parse(opts.params ?? {})
  const symbols = [...stream.symbols]
  let next = 0
  // start() builds one signal per symbol, in the stream's symbol order.
  const strategy = new SignalTrader('t', () => new Scripted(opts.script[symbols[next++]] ?? []), p)
  const result = await runBacktest({
    stream,
    instruments: stream.symbols.map((s) => defaultInstrument(s, assetClass, venue)),
    profile: profileFor(venue),
    strategy,
    sim: opts.sim,
    journal,
  })
  const intents = journal.records.filter((r) => r.type === 'intent').map((r) => r.data as {request: OrderRequest; reason?: string})
  return {result, journal, intents}
}

describe('SignalTrader', () => {
  it('enters on a fresh stance and exits with the signal reason', async () => {
    const {result, intents} = await run({rows: flatBars('X', 12), script: {X: [0, 0, 1, 1, 1, 0, 0, 0]}})
    expect(intents.map((i) => [i.request.side, i.reason])).toEqual([
      ['buy', 'up_at_2'],
      ['sell', 'flat_at_5'],
    ])
    // Sized to 20 % of the 100 000 cash at the close of 100, on the lot of 0.000001.
    expect(intents[0].request.qty).toBeCloseTo(200, 6)
    expect(intents[1].request.qty).toBe(intents[0].request.qty)
    expect(result.trades).toHaveLength(1)
    expect(result.trades[0].exitReason).toBe('flat_at_5')
    expect(result.violations).toEqual([])
  })

  it('does not chase a stance whose entry could not be sent, but takes the next fresh one', async () => {
    // 50 of cash at a price of 100 on whole shares: never a single share, so each fresh stance is refused once.
    const {result, intents} = await run({
      rows: flatBars('X', 12),
      script: {X: [1, 1, 1, 1, 0, 1, 1, 1]},
      assetClass: 'us_equity',
      venue: 'sim',
      sim: {initialCash: 50},
    })
    expect(intents).toEqual([])
    expect(result.rejections).toEqual({size_below_minimum: 2})
  })

  it('stocks: a stance that begins outside the regular session is not entered at the next open', async () => {
    // 09:20-09:39 New York: the stance begins at 09:22 (pre-market) and holds through the open.
    const preOpen = Date.UTC(2023, 10, 14, 14, 20)
    const rows = flatBars('X', 20).map((r, i) => ({...r, ts: preOpen + i * 60_000}))
    const {intents} = await run({rows, script: {X: [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}, assetClass: 'us_equity'})
    expect(intents).toEqual([])
    // The same stance beginning after the open is entered.
    const late = await run({rows, script: {X: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]}, assetClass: 'us_equity'})
    expect(late.intents.map((i) => i.request.side)).toEqual(['buy', 'sell'])
  })

  it('long only: a short stance only closes the long', async () => {
    const {result, intents} = await run({rows: flatBars('X', 12), script: {X: [1, 1, -1, -1, -1, -1]}})
    expect(intents.map((i) => i.request.side)).toEqual(['buy', 'sell'])
    expect(result.trades.map((t) => t.direction)).toEqual(['long'])
  })

  it('hedge mode with shorts: opens and closes each leg, exits reduce-only', async () => {
    const {result, intents} = await run({
      rows: flatBars('BTCUSDT', 14, 20_000),
      script: {BTCUSDT: [1, 1, -1, -1, -1, -1, 0]},
      params: {allowShort: true},
      venue: 'bybit',
      assetClass: 'crypto_perp',
      sim: {positionMode: 'hedge'},
    })
    expect(intents.map((i) => [i.request.side, i.request.positionSide, i.request.reduceOnly ?? false, i.request.tif])).toEqual([
      ['buy', 'long', false, 'gtc'],
      ['sell', 'long', true, 'gtc'],
      ['sell', 'short', false, 'gtc'],
      ['buy', 'short', true, 'gtc'],
    ])
    expect(result.trades.map((t) => t.direction)).toEqual(['long', 'short'])
    expect(result.refused).toEqual([])
  })

  it("one-way mode (Bybit's default) with shorts: one netted position (positionIdx 0), exits reduce-only", async () => {
    const {result, intents} = await run({
      rows: flatBars('BTCUSDT', 14, 20_000),
      script: {BTCUSDT: [1, 1, -1, -1, -1, -1, 0]},
      params: {allowShort: true},
      venue: 'bybit',
      assetClass: 'crypto_perp',
    })
    expect(intents.map((i) => [i.request.side, i.request.positionSide ?? 'net', i.request.reduceOnly ?? false, i.request.tif])).toEqual([
      ['buy', 'net', false, 'gtc'],
      ['sell', 'net', true, 'gtc'],
      ['sell', 'net', false, 'gtc'],
      ['buy', 'net', true, 'gtc'],
    ])
    expect(result.trades.map((t) => t.direction)).toEqual(['long', 'short'])
    expect(result.refused).toEqual([])
  })

  it('entries on the same bar share the buying power instead of overspending it', async () => {
    const rows = [...flatBars('A', 8), ...flatBars('B', 8), ...flatBars('C', 8)]
    const {result, intents} = await run({rows, script: {A: [1, 1, 1, 1, 1, 1, 1, 1], B: [1, 1, 1, 1, 1, 1, 1, 1], C: [1, 1, 1, 1, 1, 1, 1, 1]}, params: {fraction: 0.6}})
    const notional = intents.map((i) => i.request.qty * 100)
    expect(notional[0]).toBeCloseTo(60_000, 2)
    expect(notional[1]).toBeCloseTo(24_000, 2)
    expect(notional[2]).toBeCloseTo(9_600, 2)
    expect(result.rejections).toEqual({})
    expect(result.fills.length).toBe(3)
  })

  it('cancels a partly filled entry when the stance turns, then closes what was bought', async () => {
    // 10 % of 200 shares per bar: the 200-share entry fills 20 a bar, so it is still working when the stance drops.
    const {result, journal} = await run({
      rows: flatBars('X', 20, 100, 200),
      script: {X: [1, 1, 1, 0]},
      params: {fraction: 0.2},
      assetClass: 'us_equity',
      sim: {initialCash: 100_000},
    })
    const cancels = journal.records.filter((r) => r.type === 'cancel_intent')
    expect(cancels).toHaveLength(1)
    const entry = result.orders[0]
    expect(entry.status).toBe('canceled')
    expect(entry.filledQty).toBeGreaterThan(0)
    expect(entry.filledQty).toBeLessThan(entry.qty)
    const exit = result.orders[1]
    expect(exit.side).toBe('sell')
    expect(exit.qty).toBe(entry.filledQty)
    expect(result.trades).toHaveLength(1)
    expect(result.violations).toEqual([])
  })
})
