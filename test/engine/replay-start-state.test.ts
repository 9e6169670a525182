/**
 * A backtest journal records what the run started from on disk (`start_state`: the grid's state file, the account's
 * kill switch), and its replay runs on a scratch copy of it: the live state file is never read or written, and a
 * run started from a state file replays after that file moved on.
 */
import {createHash} from 'node:crypto'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {planBacktest, runBacktestJob} from '../../src/run/backtest-job.js'
import {Journal} from '../../src/engine/journal.js'
import {replayJournal} from '../../src/run/replay.js'
import {JournalFile, readJournal} from '../../src/state/journal-file.js'

let dir: string
let stateDir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-replay-start-'))
  stateDir = join(dir, 'grid-state')
  process.env.TRADER_DATA_DB = join(dir, 'market.duckdb')
})

afterAll(() => {
  delete process.env.TRADER_DATA_DB
  rmSync(dir, {recursive: true, force: true})
})

const hashes = (root: string): Record<string, string> =>
  Object.fromEntries(readdirSync(root).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(root, f))).digest('hex')]))

async function backtest(name: string, from: string, to: string, kill?: {engaged: boolean; reason?: string; peakEquity: number}): Promise<string> {
  const plan = await planBacktest({strategy: 'grid', symbols: 'BTCUSDT', from, to, params: JSON.stringify({stateDir})})
  const file = join(dir, name)
  const sink = new JournalFile(file)
  await runBacktestJob(plan, {journal: new Journal({sinks: [sink]}), ...(kill ? {kill} : {})})
  sink.close()
  return file
}

describe('replay of a backtest that kept its state on disk', () => {
  it('replays from the recorded start state, never from (or into) the live state file', async () => {
    const first = await backtest('first.journal', '2022-12-13T00:00:00Z', '2022-12-13T06:00:00Z')
    // The second run (the same bars again: the sample holds one day of BTCUSDT, and a --from inside it fails today)
    // starts from the first one's state file, and moves it on.
    const second = await backtest('second.journal', '2022-12-13T00:00:00Z', '2022-12-13T06:00:00Z', {engaged: false, peakEquity: 0})
    const start = readJournal(second).records[1]
    expect(start.type).toBe('start_state')
    expect((start.data as {state: {files: {name: string}[]}; kill: unknown}).state.files.map((f) => f.name)).toEqual(['grid.state.json'])
    expect((start.data as {kill: unknown}).kill).toEqual({engaged: false, peakEquity: 0})

    const before = hashes(stateDir)
    expect(Object.keys(before)).toContain('grid.state.json')
    for (const file of [first, second]) {
      const r = await replayJournal(file)
      expect(r.divergences, file).toEqual([])
      expect(r.ok, file).toBe(true)
    }
    expect(hashes(stateDir)).toEqual(before)
  }, 120_000)
})
