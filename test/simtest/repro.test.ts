/**
 * The repro path: a failing seed writes its scenario and journal, and replaying either (`trader replay FILE`)
 * reproduces the failure. The failing seed is 4554 as the tester drew it before the fix (kept in
 * DST-fill-exceeds-qty-4554.json; later plan changes draw another plan for that number), with its fix switched off
 * (the order tracker no longer hears of amends): the fill_exceeds_qty the tester found.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it, vi} from 'vitest'
import {OrderTracker} from '../../src/broker/order-tracker.js'
import {FRESH_STATE_DIR, loadScenario, runScenario} from '../../src/run/scenario.js'
import {replayJournal} from '../../src/run/replay.js'
import {SCENARIO_DIR} from '../../src/simtest/bases.js'
import {FAULT_KINDS, type SeedPlan} from '../../src/simtest/plan.js'
import {reproLine, writeRepro} from '../../src/simtest/repro.js'
import {runPlan} from '../../src/simtest/run-seed.js'
import {drawPlan} from '../../src/simtest/plan.js'
import {loadBases} from '../../src/simtest/bases.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-simtest-repro-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
afterEach(() => vi.restoreAllMocks())

/** The fix of the fill_exceeds_qty class, switched off. */
function withoutAmendFix(): void {
  vi.spyOn(OrderTracker.prototype, 'amendSent').mockImplementation(() => {})
  vi.spyOn(OrderTracker.prototype, 'amended').mockImplementation(() => {})
}

async function seed4554(): Promise<SeedPlan> {
  const scenario = await loadScenario(join(SCENARIO_DIR, 'DST-fill-exceeds-qty-4554.json'))
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, k === 'disconnect' ? 1 : 0])) as SeedPlan['faults']
  return {seed: 4554, base: 'GRID-11', strategy: 'grid', faults, scenario}
}

describe('simtest repro path', () => {
  it('a failing seed writes its scenario and journal; replaying either reproduces the failure', async () => {
    withoutAmendFix()
    const o = await runPlan(await seed4554())
    expect(o.violations.map((v) => v.rule)).toContain('fill_exceeds_qty')
    expect(reproLine(o.plan.seed)).toBe('trader simtest --seed 4554')
    const files = writeRepro(dir, o)
    expect(files.journal).toBeDefined()

    // The journal replays through the same code: the same violation, and no divergence.
    const r = await replayJournal(files.journal!)
    expect(r.divergenceCount).toBe(0)
    expect(r.violations.map((v) => v.rule)).toContain('fill_exceeds_qty')
    // The scenario file runs to the same failure.
    const scenario = await loadScenario(files.scenario)
    expect(scenario.title).toContain('FAILED: fill_exceeds_qty')
    const again = await runScenario(scenario)
    expect(again.failures.some((f) => f.startsWith('invariant fill_exceeds_qty'))).toBe(true)
  }, 60_000)

  it('with the fix, the same seed passes and reruns to the same journal hash', async () => {
    const a = await runPlan(await seed4554(), {twice: true})
    const b = await runPlan(await seed4554())
    expect(a.violations).toEqual([])
    expect(a.journalHash).toBe(b.journalHash)
  }, 60_000)

  it('a seed that crashes the grid and restarts it from its durable state replays exactly (crashAt in the header)', async () => {
    const bases = await loadBases()
    let seed = 1
    while (!drawPlan(seed, bases).scenario.crashAt) seed++
    const o = await runPlan(drawPlan(seed, bases))
    expect(o.violations).toEqual([])
    const restarts = o.records.filter((r) => r.type === 'restart').map((r) => r.data as {crash?: boolean})
    expect(restarts.some((r) => r.crash === true)).toBe(true)
    // Each instance after a crash read the state file (no snapshot handed over).
    expect(o.records.filter((r) => r.type === 'grid_state_recovered').length).toBe(restarts.length + 1)
    // The header names the placeholder, not a path: the run had a private directory, removed after it.
    expect((o.records[0].data as {params: {stateDir?: string}}).params.stateDir).toBe(FRESH_STATE_DIR)
    expect(existsSync(FRESH_STATE_DIR)).toBe(false)
    const r = await replayJournal(o.records)
    expect(r.divergenceCount).toBe(0)
    expect(r.replayedHash).toBe(o.journalHash)
  }, 60_000)
})
