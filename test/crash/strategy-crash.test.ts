/**
 * The crash test of the REAL strategies on the lock-step harness (strategy-harness.ts): the grid (Bybit, hedge mode,
 * GridStateFile) and the momentum pipeline (Alpaca, DurableState), wired as `trader paper` wires them, trading
 * through the IPC venue with 20-60 ms latency and partial fills, SIGKILLed at seeded points (a request or a submit,
 * sent or not; before / half-way through / after a state write; between two instants), restarted, and checked
 * against the venue's own record after every restart and at the end. At least 100 kill points per strategy.
 * And it bites: the grid's state written the old bot's way (truncate, then write, no fsync) and the pipeline's
 * intent written only after the request left both fail it.
 *
 * Long runs: `npx tsx test/crash/run-crashtest.ts --strategy grid|momentum --seeds N`. Momentum seeds 4, 5 and 8 found
 * a product bug: a kill between a fill report's order record and the position derived from it (a final report
 * overtaking its execution, or the position's cached quantity not yet re-derived) left the restarted pipeline holding
 * a position the venue did not, or missing one it did (seed 5 at life 6, seed 8 at life 11, seed 4 at life 45). The
 * start-up now completes such records from the venue and re-derives positions (test/scenarios/ALP-restart-fill.test.ts);
 * the kills per seed below reach those lives.
 */
import {afterAll, describe, expect, it} from 'vitest'
import {disposeChildBundle, runStrategyCrash, type StrategyCrashOptions, type StrategyCrashResult} from './strategy-harness.js'

async function runAll(list: StrategyCrashOptions[]): Promise<StrategyCrashResult[]> {
  const queue = [...list]
  const out: StrategyCrashResult[] = []
  const worker = async (): Promise<void> => {
    for (let o = queue.shift(); o !== undefined; o = queue.shift()) out.push(await runStrategyCrash(o))
  }
  await Promise.all([worker(), worker()])
  // In the order asked for.
  return list.map((o) => out.find((r) => r.strategy === o.strategy && r.seed === o.seed && r.mode === (o.mode ?? 'durable'))!)
}

afterAll(disposeChildBundle)

const KINDS = ['request(sent)', 'request(not sent)', 'submit(sent)', 'submit(not sent)', 'write(before)', 'write(torn)', 'write(after)']

describe('crash test of the real strategies (child process, SIGKILL, restart, lock-step venue)', () => {
  it('grid and momentum survive 256 kill points: state = last commit, reconciled, no order twice, no fill lost', async () => {
    const runs = await runAll([
      {strategy: 'grid', seed: 1, kills: 55},
      {strategy: 'momentum', seed: 4, kills: 46},
      {strategy: 'grid', seed: 3, kills: 55},
      {strategy: 'momentum', seed: 5, kills: 30},
      {strategy: 'momentum', seed: 8, kills: 30},
      {strategy: 'momentum', seed: 3, kills: 20},
      {strategy: 'momentum', seed: 6, kills: 20},
    ])
    for (const r of runs) {
      console.log(`${r.strategy} seed ${r.seed}: ${r.kills} kills ${JSON.stringify(r.killsBy)}, ${r.lives} lives, ${r.bars} bars, ${r.submits} submits, ${r.venueFills} fills (${r.partialFills} orders filled in parts), ${r.positionChecks} position checks, ahead ${r.ahead}, ${(r.wallMs / 1000).toFixed(1)} s`)
    }
    expect(runs.flatMap((r) => r.failures.map((f) => `${r.strategy} seed ${r.seed}: ${f}`))).toEqual([])
    for (const strategy of ['grid', 'momentum'] as const) {
      const mine = runs.filter((r) => r.strategy === strategy)
      expect(mine.reduce((a, r) => a + r.kills, 0)).toBeGreaterThanOrEqual(100)
      const by: Record<string, number> = {}
      for (const r of mine) for (const [k, v] of Object.entries(r.killsBy)) by[k] = (by[k] ?? 0) + v
      for (const k of KINDS) expect(by[k], `${strategy}: kills of kind ${k}`).toBeGreaterThan(2)
      // They really traded, through partial fills, and were compared with the venue all along (momentum's seeds run
      // fewer kills each, so its figures are checked per run loosely and over its runs together).
      const sum = (f: (r: StrategyCrashResult) => number): number => mine.reduce((a, r) => a + f(r), 0)
      expect(sum((r) => r.venueOrders)).toBeGreaterThan(strategy === 'grid' ? 120 : 80)
      expect(sum((r) => r.venueFills)).toBeGreaterThan(strategy === 'grid' ? 140 : 100)
      expect(sum((r) => r.partialFills)).toBeGreaterThan(strategy === 'grid' ? 6 : 10)
      for (const r of mine) {
        expect(r.venueFills).toBeGreaterThan(strategy === 'grid' ? 70 : 10)
        expect(r.positionChecks).toBeGreaterThan(80)
      }
    }
  }, 240_000)

  it('bites: the grid state written the old bot\'s way (truncate, then write, no fsync), and the pipeline\'s intent written after its request left, both fail', async () => {
    const [grid, momentum] = await runAll([
      {strategy: 'grid', seed: 1, kills: 20, mode: 'naive-truncate'},
      {strategy: 'momentum', seed: 3, kills: 25, mode: 'naive-late-intent'},
    ])
    expect(grid.kills).toBe(20)
    // A torn in-place write leaves a file that does not load (the old bot then started flat).
    expect(grid.failures.some((f) => /the state does not load/.test(f))).toBe(true)
    expect(momentum.kills).toBe(25)
    // An order killed with its request on the wire is open on the venue and unknown to the recovered state.
    expect(momentum.failures.some((f) => /the recovered state does not know it/.test(f))).toBe(true)
  }, 120_000)
})
