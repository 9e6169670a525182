/**
 * A journal rolled into segments (by size and by UTC day) replays as the single file would: the readers follow the
 * index and the checksum chain across segments. A flipped bit in a middle segment refuses the replay with the
 * file and byte offset.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {planBacktest, runBacktestJob} from '../../src/run/backtest-job.js'
import {Journal} from '../../src/engine/journal.js'
import {replayJournal} from '../../src/run/replay.js'
import {JournalCorruptError} from '../../src/state/journal-frame.js'
import {indexPathOf, readIndex} from '../../src/state/journal-index.js'
import {SegmentedJournal} from '../../src/state/journal-segments.js'

let dir: string
let file: string
let recordedHash: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trader-replay-seg-'))
  process.env.TRADER_DATA_DB = join(dir, 'market.duckdb')
  file = join(dir, 'run.journal')
  const plan = await planBacktest({symbols: 'SPY,IBM,AIG', seed: 7, latency: '40:25', from: '2013-10-07', to: '2013-10-09', fee: 0.0005, slippage: '1bps', params: '{"fast":5,"slow":20}'})
  const sink = new SegmentedJournal(file, {maxSegmentBytes: 256 * 1024})
  const job = await runBacktestJob(plan, {journal: new Journal({sinks: [sink]})})
  sink.close()
  recordedHash = job.result.journalHash
}, 120_000)

afterAll(() => {
  delete process.env.TRADER_DATA_DB
  rmSync(dir, {recursive: true, force: true})
})

describe('segmented journal replay', () => {
  it('rolls by size and by day, and replays across the segments exactly', async () => {
    const segs = readIndex(indexPathOf(file)).segments
    expect(segs.length).toBeGreaterThan(3)
    const days = new Set(segs.map((s) => Math.floor((s.firstTime ?? 0) / 86_400_000)))
    expect(days.size).toBeGreaterThanOrEqual(3)
    for (const s of segs) expect(Math.floor(s.firstTime! / 86_400_000)).toBe(Math.floor(s.lastTime! / 86_400_000))
    const report = await replayJournal(file)
    expect(report.divergences).toEqual([])
    expect(report.replayedHash).toBe(recordedHash)
    expect(report.recordedRecords).toBe(segs.reduce((n, s) => n + s.records, 0))
    expect(report.ok).toBe(true)
  })

  it('a flipped bit in a middle segment refuses the replay, naming the segment and the offset', async () => {
    const segs = readIndex(indexPathOf(file)).segments
    const mid = join(dir, segs[2].name)
    const bytes = readFileSync(mid)
    const at = bytes.indexOf(0x0a, 2000) + 1
    bytes[at + 40] ^= 0x02
    writeFileSync(mid, bytes)
    const err = await replayJournal(file).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(JournalCorruptError)
    expect((err as Error).message).toContain(`journal ${mid} is corrupt at byte ${at}`)
    expect(readFileSync(mid).equals(bytes)).toBe(true)
  })
})
