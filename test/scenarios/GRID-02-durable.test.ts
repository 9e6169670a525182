/**
 * GRID-02 on disk: the process dies DURING a save (kill -9 half-way through a write of the new record, or just before an fsync or the rename).
 * Required: the saved state is the old record or the new one, never a mix. `GridStateFile` (the grid's durable
 * sink with `stateDir`: temp file, fsync, rename, fsync the directory) is killed at every write of a save; each
 * time the file holds a complete, valid record equal to the old or the new one. And a grid restarted with the
 * same `stateDir` and no in-memory hand-over recovers the last record (emergency flag included) before it trades
 * (its start-up `restore` then reconciles with the venue).
 *
 * Bites: the old bot's in-place rewrite (truncate, then write) killed the same way leaves a torn file.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {afterEach, describe, expect, it} from 'vitest'
import {GRID_STATE_FILE, GridStateFile, GridStrategy} from '../../strategies/grid/index.js'
import {gridRecord} from '../crash/grid-save-child.js'
import {gridViolations, loadGrid, runGrid} from './grid-harness.js'

const CHILD = resolve(import.meta.dirname, '../crash/grid-save-child.ts')
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

/** Kills a save at its n-th write; returns what the file holds afterwards ('old', 'new' or what went wrong). */
function killDuringSave(mode: 'atomic' | 'naive', n: number): string {
  const dir = mkdtempSync(join(tmpdir(), `trader-grid02-${mode}-`))
  dirs.push(dir)
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, dir, mode, String(n), '2000'], {encoding: 'utf8'})
  if (r.signal !== 'SIGKILL' && r.status !== 0) return `child failed: ${r.stderr}`
  let rec
  try {
    rec = new GridStateFile(dir).read()
  } catch (err) {
    return `unreadable: ${(err as Error).name}`
  }
  if (isDeepStrictEqual(rec, gridRecord(1, 2000))) return r.signal === 'SIGKILL' ? 'old' : 'old (not killed)'
  if (isDeepStrictEqual(rec, gridRecord(2, 2000))) return 'new'
  return 'a mix'
}

describe('GRID-02 durable: kill -9 during a save', () => {
  it('the atomic grid state file holds the old or the new record at every kill point of a save', () => {
    // An atomic save is: write the temp file, fsync it, rename, fsync the directory. Kill at each step.
    const outcomes = Array.from({length: 4}, (_, i) => killDuringSave('atomic', i + 1))
    // Killed in the write, before its fsync, before the rename: the old record; after the rename: the new one.
    expect(outcomes).toEqual(['old', 'old', 'old', 'new'])
  }, 60_000)

  it('bites: the in-place rewrite (truncate, then write) killed the same way leaves a torn record', () => {
    const outcomes = [1, 2, 3].map((n) => killDuringSave('naive', n))
    expect(outcomes).toEqual(['unreadable: GridStateError', 'unreadable: GridStateError', 'unreadable: GridStateError'])
  }, 60_000)

  it('a grid with stateDir restarts from the file alone: the persisted emergency stop holds (GRID-10 fixture)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-grid02-load-'))
    dirs.push(dir)
    const s = await loadGrid('GRID-10')
    const scenario = {...s, params: {...s.params, stateDir: dir}}
    // Every instance is built WITHOUT the in-memory hand-over: what it knows comes from the state file.
    const run = await runGrid(scenario, (p, o) => new GridStrategy(p, {...o, restoreFrom: undefined}))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    expect(run.instances).toHaveLength(3)
    const recovered = run.out.journal.records.filter((r) => r.type === 'grid_state_recovered').map((r) => (r.data as {t: number | null}).t)
    expect(recovered[0]).toBeNull() // the first start: no file yet
    expect(recovered.slice(1).every((t) => typeof t === 'number')).toBe(true)
    expect(run.instances[1].emergencyActive).toBe(true) // the stop came back from the disk
    expect(new GridStateFile(dir).read()!.emergency.active).toBe(true)
    // The same run with the file removed before each restart (no durable record) forgets the stop: the check bites.
    const dir2 = mkdtempSync(join(tmpdir(), 'trader-grid02-forget-'))
    dirs.push(dir2)
    const forgetful = await runGrid({...s, params: {...s.params, stateDir: dir2}}, (p, o) => {
      rmSync(join(dir2, GRID_STATE_FILE), {force: true})
      return new GridStrategy(p, {...o, restoreFrom: undefined})
    })
    expect(forgetful.instances[1].emergencyActive).toBe(false)
  })
})
