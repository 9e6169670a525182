/**
 * GRID-06: an entry, an averaging order and a reopen each need margin. Required: one balance check per
 * operation, with its context in the log; insufficient balance skips with a clear line.
 *
 * Set-up (fixtures/scenarios/GRID-06.json): 1 000 USDT of cash, leverage 10. The price falls from 20 000 to
 * 19 600: the long leg averages into level 2, the short leg takes profit twice and is reopened twice; level 3 of
 * the long leg (0.404 BTC at the mark where it is first sized, ~784 USDT of margin) does not fit.
 */
import {describe, expect, it} from 'vitest'
import {DoubleBalanceGrid} from './grid-naive.js'
import {gridOrders, gridViolations, loadGrid, metric, runGrid} from './grid-harness.js'

interface Check {
  readonly context: string
  readonly ok: boolean
}

describe('GRID-06: one balance check per operation', () => {
  it('checks once per entry, averaging order and reopen, logs the context, and skips what does not fit', async () => {
    const run = await runGrid(await loadGrid('GRID-06'))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    const recs = run.out.journal.records
    const accountQueries = recs.filter((r) => r.type === 'request' && (r.data as {op: string}).op === 'account').length
    const checks = recs.filter((r) => r.type === 'grid_balance_check').map((r) => r.data as Check)
    // One venue query per check, and the metric counts exactly those.
    expect(accountQueries).toBe(checks.length)
    expect(metric(run, 'grid_balance_api_calls_total')).toBe(accountQueries)
    expect(new Set(checks.map((c) => c.context))).toEqual(new Set(['entry', 'averaging', 'reopen']))
    // One check per operation: each passed check placed exactly its operation's orders, nothing went out unchecked.
    const orders = gridOrders(run.result)
    const passed = (context: string): number => checks.filter((c) => c.context === context && c.ok).length
    expect(orders.filter((o) => o.role === 'o').length).toBe(2 * passed('entry'))
    expect(orders.filter((o) => o.role === 'r').length).toBe(passed('reopen'))
    expect(orders.filter((o) => o.role === 'e').length).toBe(passed('averaging'))
    // Every balance line names its operation and symbol.
    const lines = run.log.lines.filter((l) => /balance|margin/.test(l.msg))
    expect(lines.length).toBe(checks.length)
    for (const l of lines) {
      expect(l.msg).toMatch(/ for (entry|averaging|reopen) BTCUSDT /)
      expect(l.fields).toMatchObject({symbol: 'BTCUSDT'})
    }
    // Level 3 did not fit: skipped with one clear line, never sent.
    const skipped = run.log.lines.filter((l) => l.level === 'warn' && l.msg.includes('long level 3'))
    expect(skipped.length).toBeGreaterThan(0)
    expect(skipped[0].msg).toMatch(/^grid: insufficient margin for averaging BTCUSDT long level 3: 0\.404 at 19405\.9: need 784\.00 USDT, available \d+\.\d\d USDT; skipped$/)
    expect(orders.some((o) => o.side2 === 'long' && o.role === 'e' && o.level === 3)).toBe(false)
    expect(run.result.rejections).toEqual({})
  })

  it('bites: the seed handler (two overlapping balance checks) queries twice per averaging order, without context', async () => {
    const run = await runGrid(await loadGrid('GRID-06'), (p, o) => new DoubleBalanceGrid(p, o))
    const recs = run.out.journal.records
    const accountQueries = recs.filter((r) => r.type === 'request' && (r.data as {op: string}).op === 'account').length
    // Operations: the checks it recorded (entry, reopen) plus its averaging attempts (placed or refused).
    const recorded = recs.filter((r) => r.type === 'grid_balance_check').length
    const averaging = gridOrders(run.result).filter((o) => o.role === 'e').length + run.log.lines.filter((l) => l.msg.startsWith('Insufficient balance')).length
    expect(averaging).toBeGreaterThan(0)
    expect(accountQueries).toBe(recorded + 2 * averaging)
    expect(accountQueries).not.toBe(recorded + averaging)
    expect(run.log.lines.filter((l) => l.msg.startsWith('Insufficient balance')).every((l) => !/averaging|entry|reopen/.test(l.msg))).toBe(true)
  })
})
