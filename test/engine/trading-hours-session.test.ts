/**
 * Trading hours in a backtest session over New York's spring DST change (2024-03-10): a 24/7 symbol, a window of
 * 09:45–15:30 America/New_York. Entries go out only inside the window (which starts an hour earlier in UTC on the
 * change day), are refused outside it with `risk:schedule`, working entry orders are cancelled at the window's end
 * (exactly then, not at the next signal), and an exit outside the window still goes out. The UTC windows below are
 * written out by hand, not computed by the code under test.
 */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import type {OrderRequest} from '../../src/core/order.js'
import {runBacktest} from '../../src/run/backtest.js'
import {Journal} from '../../src/engine/journal.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {memoryStream, type Row} from '../support/memory-stream.js'

const TF = 60_000
const T0 = Date.parse('2024-03-09T12:00:00Z')
const T1 = Date.parse('2024-03-10T23:00:00Z')
/** 09:45–15:30 New York: EST (UTC-5) on Saturday, EDT (UTC-4) on Sunday, the change day. */
const WINDOWS = [
  [Date.parse('2024-03-09T14:45:00Z'), Date.parse('2024-03-09T20:30:00Z')],
  [Date.parse('2024-03-10T13:45:00Z'), Date.parse('2024-03-10T19:30:00Z')],
] as const
const inWindow = (t: number): boolean => WINDOWS.some(([a, b]) => t >= a && t < b)
const BUY_AT = Date.parse('2024-03-09T15:00:00Z')
const SELL_AT = Date.parse('2024-03-09T21:00:00Z')

/** A resting limit buy far below the market every 30 minutes; one market round trip whose exit falls after hours. */
function strategy(): Strategy {
  let ctx!: StrategyContext
  return {
    name: 'hours',
    start(c) {
      ctx = c
    },
    onBar(bar: Bar) {
      const at = bar.ts + TF // the decision instant: the bar's close
      let req: OrderRequest | undefined
      if (at === BUY_AT) req = {clientOrderId: ctx.clientOrderId(`m${at}`, 'e'), symbol: bar.symbol, side: 'buy', type: 'market', qty: 1, tif: 'gtc'}
      else if (at === SELL_AT) req = {clientOrderId: ctx.clientOrderId(`m${at}`, 'x'), symbol: bar.symbol, side: 'sell', type: 'market', qty: 1, tif: 'gtc'}
      else if ((at - T0) % (30 * TF) === 0) req = {clientOrderId: ctx.clientOrderId(`l${at}`, 'e'), symbol: bar.symbol, side: 'buy', type: 'limit', qty: 1, limitPrice: 50, tif: 'gtc'}
      if (req) void ctx.orders.submit(req, {reason: req.side === 'sell' ? 'exit' : 'entry'})
    },
  }
}

function rows(): Row[] {
  const out: Row[] = []
  for (let ts = T0; ts < T1; ts += TF) out.push({symbol: 'XYZ', ts, open: 100, high: 100.5, low: 99.5, close: 100, volume: 1000})
  return out
}

describe('trading hours in a backtest, over a DST change', () => {
  it('entries only inside the window, refused outside (risk:schedule), working entries cancelled at its end, exits always', async () => {
    const journal = new Journal({keep: true})
    const result = await runBacktest({
      stream: memoryStream(rows()),
      instruments: [defaultInstrument('XYZ', 'crypto_spot', 'sim')],
      profile: profileFor('sim'),
      strategy: strategy(),
      sim: {participation: 1, latency: {fixedMs: 20, jitterMs: 0}},
      journal,
      risk: {limits: {minDataPoints: 0, schedule: {start: '09:45', end: '15:30', timezone: 'America/New_York'}}},
    })
    const intents = journal.records.filter((r) => r.type === 'intent').map((r) => ({t: r.t, req: (r.data as {request: OrderRequest}).request}))
    const entries = intents.filter((i) => i.req.side === 'buy')
    expect(entries.length).toBeGreaterThan(10)
    for (const e of entries) expect(inWindow(e.t), new Date(e.t).toISOString()).toBe(true)
    // Both days' windows traded: Sunday's from 13:45Z (EDT), an hour earlier in UTC than Saturday's.
    expect(entries.some((e) => e.t === Date.parse('2024-03-10T14:00:00Z'))).toBe(true)
    expect(entries.some((e) => e.t === Date.parse('2024-03-09T14:30:00Z'))).toBe(false)

    const refused = journal.records.filter((r) => r.type === 'risk_rejected')
    expect(refused.length).toBeGreaterThan(10)
    for (const r of refused) {
      expect((r.data as {code: string}).code).toBe('schedule')
      expect(inWindow(r.t)).toBe(false)
    }
    expect(result.rejections['risk:schedule']).toBe(refused.length)
    // The exit after hours went out and filled.
    expect(intents.some((i) => i.req.side === 'sell' && i.t === SELL_AT)).toBe(true)
    expect(result.fills.filter((f) => f.side === 'sell')).toHaveLength(1)

    // At each window's end, exactly then, the working entries are cancelled; none is left working overnight.
    const closes = journal.records.filter((r) => r.type === 'schedule_close')
    expect(closes.map((r) => r.t)).toEqual(WINDOWS.map(([, end]) => end))
    const cancelled = closes.flatMap((r) => (r.data as {cancel: string[]}).cancel)
    const limits = result.orders.filter((o) => o.type === 'limit')
    expect(new Set(cancelled)).toEqual(new Set(limits.map((o) => o.clientOrderId)))
    for (const o of limits) expect(o.status).toBe('canceled')
  })
})
