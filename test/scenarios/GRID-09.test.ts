/**
 * GRID-09: three or more accounts in one process. Required: public market data shared; state, errors and rate
 * limits isolated per account.
 *
 * fixtures/scenarios/GRID-09.json: four grid accounts on one bar stream. B trades half the size on a venue
 * request budget of 2 requests per second (it is refused again and again); in this test D's strategy throws on
 * its sixth bar. Isolation is shown byte for byte: A's and C's journals (every request, answer, event and
 * decision) are identical to runs of A and C alone.
 */
import {afterEach, describe, expect, it} from 'vitest'
import type {BarStream} from '../../src/core/market-data.js'
import {runMultiAccountScenario} from '../../src/run/multi-account-scenario.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {type GridParams, GridStrategy} from '../../strategies/grid/index.js'
import {SharedStateGrid} from './grid-naive.js'
import {gridViolations, loadGrid} from './grid-harness.js'

type Make = (params: GridParams) => GridStrategy

/** D's strategy: a grid that throws on its sixth bar. */
class FailingGrid extends GridStrategy {
  private bars = 0
  override onBar(bar: Parameters<GridStrategy['onBar']>[0]): void {
    if (++this.bars === 6) throw new Error('bug in account D')
    super.onBar(bar)
  }
}

async function runAccounts(ids: readonly string[] | undefined, make: Make = (p) => new GridStrategy(p)) {
  const scenario = await loadGrid('GRID-09')
  const s = ids ? {...scenario, accounts: scenario.accounts!.filter((a) => ids.includes(a.id))} : scenario
  const grids = new Map<string, {strategy: GridStrategy; ctx?: StrategyContext}>()
  let reads = 0
  const out = await runMultiAccountScenario(s, {
    strategyFor: (id, params): Strategy => {
      const strategy = id === 'D' ? new FailingGrid(params as GridParams) : make(params as GridParams)
      const entry: {strategy: GridStrategy; ctx?: StrategyContext} = {strategy}
      const start = strategy.start.bind(strategy)
      strategy.start = (ctx) => {
        entry.ctx = ctx
        return start(ctx)
      }
      grids.set(id, entry)
      return strategy
    },
    wrapStream: (stream): BarStream => ({
      symbols: stream.symbols,
      timeframe: stream.timeframe,
      [Symbol.asyncIterator]: () => {
        reads++
        return stream[Symbol.asyncIterator]()
      },
    }),
  })
  const account = (id: string) => {
    const a = out.accounts.find((x) => x.id === id)!
    const g = grids.get(id)!
    return {...a, strategy: g.strategy, ctx: g.ctx!, result: a.outcome.result}
  }
  return {out, reads, account}
}

afterEach(() => SharedStateGrid.shared.clear())

describe('GRID-09: several accounts in one process', () => {
  it('reads the bars once for all; keeps state, errors and request budgets apart', async () => {
    const {out, reads, account} = await runAccounts(undefined)
    // Public data: one read of the stream, every live account saw every bar.
    expect(reads).toBe(1)
    expect(out.result.chunks).toBe(1)
    for (const id of ['A', 'B', 'C']) expect(account(id).outcome.barsSeen).toBe(out.result.bars)
    // Errors: D's strategy threw; D alone was halted, the run and the others went on.
    const d = account('D')
    expect(d.outcome.halted).toBe(true)
    expect(d.outcome.errors).toEqual([expect.objectContaining({where: 'onBar', message: 'bug in account D'})])
    for (const id of ['A', 'B', 'C']) {
      expect(account(id).outcome.halted).toBe(false)
      expect(account(id).outcome.errors).toEqual([])
      expect(account(id).failures).toEqual([])
      expect(gridViolations(account(id))).toEqual([])
    }
    // Rate budgets: B was refused many times and still traded its grid; A and C were never refused.
    expect(account('B').outcome.rateLimited).toBeGreaterThan(10)
    expect(account('A').outcome.rateLimited).toBe(0)
    expect(account('C').outcome.rateLimited).toBe(0)
    expect(account('B').result.metrics.find((m) => m.key === 'grid_tp_cycles_total')!.value).toBeGreaterThan(0)
    // State: B trades half the size; each account's legs are its own.
    expect(account('B').strategy.legOf('BTCUSDT', 'long')!.size).toBeCloseTo(account('A').strategy.legOf('BTCUSDT', 'long')!.size / 2, 9)
    // Metrics carry the account.
    expect(out.result.metrics.some((m) => m.key === 'grid_tp_cycles_total{account="B"}')).toBe(true)
    // Byte for byte: A and C behave exactly as when they run alone.
    for (const id of ['A', 'C']) {
      const solo = await runAccounts([id])
      expect(account(id).result.journalHash).toBe(solo.account(id).result.journalHash)
    }
  })

  it('bites: grid state kept per symbol for the whole process (shared) mixes the accounts up', async () => {
    const {account} = await runAccounts(['A', 'B', 'C'], (p) => new SharedStateGrid(p))
    const solo = await (async () => {
      SharedStateGrid.shared.clear()
      return runAccounts(['A'])
    })()
    expect(account('A').result.journalHash).not.toBe(solo.account('A').result.journalHash)
    const bad = ['A', 'B', 'C'].flatMap((id) => gridViolations(account(id)))
    expect(bad.some((l) => /the grid holds .*, the venue/.test(l))).toBe(true)
  })
})
