/**
 * ALP-13 on disk: the pipeline's store lives in a state directory and the restarted instance recovers it from
 * there (no in-memory hand-over). On the broker it finds a hand-placed AAA limit order and a BBB position it never
 * made; it must reconcile (cancel the order, adopt the position) before its first new order (DDD).
 *
 * Bites: the same durable pipeline allowed to decide before its start-up reconciliation is answered sends the DDD
 * order first, while the unknown order is still working.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import type {StrategyContext} from '../../src/engine/strategy.js'
import {runScenario, type Scenario} from '../../src/run/scenario.js'
import {Momentum, MomentumParams} from '../../strategies/momentum/index.js'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, venuePositions} from './alp-harness.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

/** Trades at once after recovering from disk, without waiting for the broker's answer. */
class NoReconcileFirst extends Momentum {
  override start(ctx: StrategyContext): void {
    super.start(ctx)
    this.pipeline!.reconciler.ready = true
  }
}

async function runDurable(s: Scenario, build: (p: MomentumParams) => Momentum): Promise<AlpRun> {
  const root = mkdtempSync(join(tmpdir(), 'trader-alp13-'))
  dirs.push(root)
  const p = MomentumParams.parse({...s.params, stateDir: join(root, 'state')})
  let instances = 0
  const out = await runScenario(s, {strategy: new Momentum(p), rebuild: (snap) => (expect(snap).toBeUndefined(), instances++, build(p))})
  expect(instances).toBe(1)
  const m = out.strategy as Momentum
  return {out, variant: 'pipeline', positions: m.positions(), trades: m.trades(), records: out.journal.records}
}

/** Index of the first new order after the restart, and of the start-up reconciliation and the cancel. */
function order(run: AlpRun): {reconciled: number; cancel: number; firstIntent: number; symbol: string} {
  const after = run.records.slice(run.records.findIndex((r) => r.type === 'restart'))
  const firstIntent = after.findIndex((r) => r.type === 'intent')
  return {
    reconciled: after.findIndex((r) => r.type === 'reconciled' && (r.data as {kind: string}).kind === 'startup'),
    cancel: after.findIndex((r) => r.type === 'cancel_intent' && (r.data as {clientOrderId?: string}).clientOrderId === 'manual-lim'),
    firstIntent,
    symbol: (after[firstIntent]?.data as {request: {symbol: string}} | undefined)?.request.symbol ?? '',
  }
}

describe('ALP-13 durable: start-up from disk with unexpected orders and positions', () => {
  it('recovers from the directory, cancels the unknown order and adopts the position before the first new order', async () => {
    const run = await runDurable(await loadAlp('ALP-13'), (p) => new Momentum(p))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    const rec = recordsOf(run, 'state_recovered').map((r) => r.data as {replayed: number})
    expect(rec).toHaveLength(2)
    expect(rec[1].replayed).toBeGreaterThan(0) // the held CCC came back from the disk
    const o = order(run)
    expect(o.reconciled).toBeGreaterThan(0)
    expect(o.cancel).toBeGreaterThan(0)
    expect(o.firstIntent).toBeGreaterThan(o.reconciled)
    expect(o.firstIntent).toBeGreaterThan(o.cancel)
    expect(o.symbol).toBe('DDD')
    const lim = run.out.result.orders.find((x) => x.clientOrderId === 'manual-lim')!
    expect([lim.status, lim.filledQty]).toEqual(['canceled', 0])
    const left = venuePositions(run)
    expect(left.BBB).toBeUndefined()
    expect(left.CCC).toBeUndefined()
  })

  it('bites: deciding before the start-up reconciliation sends the new order while the unknown one still works', async () => {
    const run = await runDurable(await loadAlp('ALP-13'), (p) => new NoReconcileFirst(p))
    const o = order(run)
    expect(o.symbol).toBe('DDD')
    expect(o.firstIntent).toBeLessThan(o.reconciled)
    expect(o.firstIntent).toBeLessThan(o.cancel)
  })
})
