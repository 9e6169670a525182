/**
 * The crash test, short version (the long one: `npx tsx test/crash/run-crashtest.ts`): the session in a child
 * process, SIGKILLed at seeded points (at a request, before / after / half-way through a state write), restarted,
 * checked after every restart and at the end. At least 200 kill points in total. And it bites: the old bot's
 * truncate-then-write JSON file, and an intent written only after the request left, both fail it.
 */
import {describe, expect, it} from 'vitest'
import {type CrashRunResult, runCrashTest} from './harness.js'

async function seeds(list: number[], opts: {bars: number; mode?: 'durable' | 'naive-json' | 'naive-late-intent'}): Promise<CrashRunResult[]> {
  const queue = [...list]
  const out: CrashRunResult[] = []
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) out.push(await runCrashTest({seed: s, ...opts}))
  }
  await Promise.all([worker(), worker()])
  return out.sort((a, b) => a.seed - b.seed)
}

describe('crash test (child process, SIGKILL, restart)', () => {
  it('the durable store survives 200+ kill points: state = last commit, reconciled, no duplicate order, no lost fill', async () => {
    const runs = await seeds([1, 2, 3, 4, 5, 6, 7, 8, 9], {bars: 100})
    const kills = runs.reduce((a, r) => a + r.kills, 0)
    const by: Record<string, number> = {}
    for (const r of runs) for (const [k, v] of Object.entries(r.killsBy)) by[k] = (by[k] ?? 0) + v
    console.log(`crash test: ${kills} kill points over ${runs.length} seeds ${JSON.stringify(by)}`)
    expect(runs.flatMap((r) => r.failures.map((f) => `seed ${r.seed}: ${f}`))).toEqual([])
    expect(kills).toBeGreaterThanOrEqual(200)
    // Every kind of kill point was hit, and the sessions really traded.
    for (const k of ['request(sent)', 'request(not sent)', 'write(before)', 'write(after)', 'write(torn)']) expect(by[k]).toBeGreaterThan(10)
    for (const r of runs) expect(r.venueFills).toBeGreaterThan(20)
  }, 400_000)

  it('bites: the old bot\'s truncate-then-write JSON state file loses committed state and fills', async () => {
    const [r] = await seeds([1], {bars: 60, mode: 'naive-json'})
    expect(r.kills).toBeGreaterThan(5)
    expect(r.failures.some((f) => /committed changes lost/.test(f))).toBe(true)
    expect(r.failures.some((f) => /does not know|not in the state|lost/.test(f))).toBe(true)
  }, 120_000)

  it('bites: an intent written after the request left (no fsync before submit) leaves orders the state does not know', async () => {
    const [r] = await seeds([1], {bars: 60, mode: 'naive-late-intent'})
    expect(r.kills).toBeGreaterThan(5)
    expect(r.failures.some((f) => /belongs to an order the state does not know|is not in the state/.test(f))).toBe(true)
  }, 120_000)
})
