/**
 * Every single-account scenario of fixtures/scenarios, run as `trader replay SCENARIO` runs it, leaves a journal
 * that replays exactly: its header carries the scenario, so replay rebuilds the same bars, the in-process
 * restarts (ALP-02, ALP-13, GRID-02, GRID-05 ...) and the outside actions, whose effects are in the recording.
 * Faults of every kind the scenarios script (dropped answers, delays, disconnects, rate limits, partial fills)
 * are covered by the same check.
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {JournalRecord} from '../../src/engine/journal.js'
import {replayJournal} from '../../src/run/replay.js'
import {loadScenario, runScenario} from '../../src/run/scenario.js'

const DIR = resolve(import.meta.dirname, '../../fixtures/scenarios')
let tmp: string

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'trader-replay-scenarios-'))
  process.env.TRADER_DATA_DB = join(tmp, 'market.duckdb')
})

afterAll(() => {
  delete process.env.TRADER_DATA_DB
  rmSync(tmp, {recursive: true, force: true})
})

async function recorded(file: string): Promise<{records: JournalRecord[]; hash: string; accounts: boolean}> {
  const scenario = await loadScenario(join(DIR, file))
  const out = await runScenario(scenario)
  return {records: [...out.journal.records], hash: out.journal.digest(), accounts: scenario.accounts !== undefined}
}

describe('scenario journals replay exactly', () => {
  it('every single-account scenario: same records, same hash, restarts and outside actions included', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
    expect(files.length).toBeGreaterThanOrEqual(25)
    const failed: string[] = []
    let replayed = 0
    let restarts = 0
    let outside = 0
    for (const f of files) {
      const {records, hash, accounts} = await recorded(f)
      if (accounts) {
        // Several accounts in one run write no header: not replayable alone (said by `trader replay --journal-dir`).
        expect(records[0]?.type).not.toBe('session')
        continue
      }
      expect(records[0]).toMatchObject({type: 'session', data: {mode: 'scenario'}})
      const r = await replayJournal(records)
      replayed++
      restarts += records.filter((x) => x.type === 'restart').length
      outside += records.filter((x) => x.type === 'outside').length
      if (!r.ok || r.replayedHash !== hash) failed.push(`${f}: ${r.divergenceCount} divergences (${r.divergences[0]?.detail.slice(0, 200)}), ${r.violations.length} violations`)
    }
    expect(failed).toEqual([])
    expect(replayed).toBeGreaterThanOrEqual(25)
    expect(restarts).toBeGreaterThanOrEqual(5)
    expect(outside).toBeGreaterThanOrEqual(2)
  }, 180_000)

  it('bites: the same journal with its restarts taken out of the header diverges', async () => {
    const {records} = await recorded('ALP-02.json')
    expect(records.some((r) => r.type === 'restart')).toBe(true)
    const header = structuredClone(records[0]) as {t: number; type: string; data: {scenario: {restartAt?: number[]}}}
    delete header.data.scenario.restartAt
    const r = await replayJournal([header, ...records.slice(1)])
    expect(r.ok).toBe(false)
    expect(r.divergences.some((d) => d.detail.includes('restart'))).toBe(true)
  }, 60_000)
})
