/**
 * Amends go through the order gateway (ctx.orders.amend): a scenario with a tiny strategy that places a resting
 * order and amends it. The journal has each amend's `amend_intent` before its request; the pre-trade pipeline's
 * risk stage refuses the amend that would break the exposure cap (journaled, never sent); the replay of the
 * journal reproduces every record, amend intents included, and a recording without them does not replay.
 */
import {describe, expect, it, vi} from 'vitest'
import {z} from 'zod'
import type {Bar} from '../../src/core/market-data.js'
import type {JournalRecord} from '../../src/engine/journal.js'
import {AMEND_INTENT} from '../../src/engine/order-gateway.js'
import {replayJournal} from '../../src/run/replay.js'
import {runScenario, ScenarioSchema} from '../../src/run/scenario.js'
import type {Strategy, StrategyContext, StrategyFactory} from '../../src/engine/strategy.js'

/** Bar 1: a buy limit 10 % under the close. Bar 3: re-priced 5 % under. Bar 4: tripled (over the cap). Bar 6: cancelled. */
class Amender implements Strategy {
  readonly name = 'amender'
  private ctx!: StrategyContext
  private bars = 0
  start(ctx: StrategyContext): void {
    this.ctx = ctx
  }
  onBar(bar: Bar): void {
    const ctx = this.ctx
    const id = ctx.clientOrderId('rest', 'b')
    const n = ++this.bars
    const amend = (changes: {qty?: number; limitPrice?: number}): void => {
      ctx.orders.amend({clientOrderId: id}, changes).then(
        () => ctx.record('amend_done', changes),
        (err: {code?: string}) => ctx.record('amend_failed', {changes, code: err.code}),
      )
    }
    if (n === 1) void ctx.orders.submit({clientOrderId: id, symbol: bar.symbol, side: 'buy', type: 'limit', qty: 1, limitPrice: bar.close * 0.9, tif: 'gtc'})
    else if (n === 3) amend({limitPrice: bar.close * 0.95})
    else if (n === 4) amend({qty: 3})
    else if (n === 6) void ctx.orders.cancel({clientOrderId: id})
  }
}

const amender: StrategyFactory<Record<string, never>> = {
  name: 'amender',
  description: 'test: amends a resting order',
  params: z.object({}).strict(),
  create: () => new Amender(),
}

vi.mock('../../strategies/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../strategies/index.js')>()
  return {...original, findStrategy: (name: string) => (name === 'amender' ? amender : original.findStrategy(name))}
})

const T0 = Date.UTC(2024, 0, 2)
const scenario = ScenarioSchema.parse({
  id: 'AMEND-01',
  title: 'a resting order amended through the gateway',
  strategy: 'amender',
  data: {inline: {timeframe: '1m', bars: Array.from({length: 10}, (_, i) => ['BTCUSD', T0 + i * 60_000, 100, 101, 99, 100, 1_000])}},
  sim: {latency: {fixedMs: 50, jitterMs: 0}},
  // Cash 100,000 (the default): 1 × 95 working is within a 0.2 % cap, 3 × 95 is not.
  risk: {maxExposure: 0.002, minDataPoints: 0, minOrderSpacingMs: 0},
})

const op = (r: JournalRecord): string => (r.type === 'request' || r.type === 'response' ? `${r.type}:${(r.data as {op: string}).op}` : r.type)

describe('amends through the gateway, in a scenario and its replay', () => {
  it('journals amend_intent before the request; risk refuses the amend over the cap; the replay reproduces it', async () => {
    const {journal, failures} = await runScenario(scenario)
    expect(failures).toEqual([])
    const records = [...journal.records]
    const ops = records.map(op).filter((t) => /intent|amend|risk_rejected|cancel/.test(t))
    expect(ops).toEqual([
      'intent', AMEND_INTENT, 'request:amend', 'response:amend', 'amend_done', 'risk_rejected', 'amend_failed', 'cancel_intent', 'request:cancel', 'response:cancel',
    ])
    expect(records.find((r) => r.type === AMEND_INTENT)!.data).toEqual({ref: {clientOrderId: 'amender-rest-b-1'}, changes: {limitPrice: 95}})
    expect(records.find((r) => r.type === 'risk_rejected')!.data).toMatchObject({clientOrderId: 'amender-rest-b-1', code: 'exposure_cap', amend: {qty: 3}})
    expect(records.find((r) => r.type === 'amend_failed')!.data).toEqual({changes: {qty: 3}, code: 'risk:exposure_cap'})
    // The venue has the amended order (re-priced, size unchanged), then cancelled.
    const events = records.filter((r) => r.type === 'event').map((r) => r.data as {kind: string; order?: {limitPrice: number; qty: number; status: string}})
    expect(events.filter((e) => e.kind === 'order').map((e) => `${e.order!.status} ${e.order!.qty}@${e.order!.limitPrice}`)).toEqual(['accepted 1@90', 'accepted 1@95', 'canceled 1@95'])

    const report = await replayJournal(records)
    expect(report.divergences).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.replayedHash).toBe(report.recordedHash)

    // Replay verifies the amend intents: a recording without them diverges where they were.
    const without = await replayJournal(records.filter((r) => r.type !== AMEND_INTENT))
    expect(without.ok).toBe(false)
    expect(without.divergences[0]).toMatchObject({kind: 'record_extra', detail: expect.stringContaining(AMEND_INTENT)})
  })
})
