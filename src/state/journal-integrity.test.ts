import {appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {crc32} from 'node:zlib'
import {afterAll, describe, expect, it} from 'vitest'
import {VirtualClock} from '../core/time/clock.js'
import {DurableState, JOURNAL_FILE} from './durable-store.js'
import {frameJournal, frameRecord, JournalCorruptError, JournalFile, NotAJournalError, readJournal} from './journal-file.js'
import {indexPathOf, readIndex} from './journal-index.js'
import {SegmentedJournal} from './journal-segments.js'
import {openJournalStream} from './journal-stream.js'
import {NS} from './pipeline-state.js'

const root = mkdtempSync(join(tmpdir(), 'trader-journal-integrity-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

const rec = (i: number, t = 1000 + i) => ({t, type: i % 3 === 0 ? 'intent' : 'event', data: {i, s: `x${i}`}})
const DAY = 86_400_000

/** Writes `n` records through the writer; returns the path and each record line's byte offset. */
function journalOf(name: string, n: number): {path: string; offsets: number[]} {
  const path = join(root, name, 'session.journal')
  const j = new JournalFile(path)
  for (let i = 0; i < n; i++) j.append(rec(i))
  j.close()
  const bytes = readFileSync(path)
  const offsets: number[] = []
  for (let at = bytes.indexOf(0x0a) + 1; at < bytes.length; at = bytes.indexOf(0x0a, at) + 1) offsets.push(at)
  return {path, offsets}
}

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

describe('journal integrity', () => {
  it('one flipped bit in the middle is corruption: refused with the offset on open, nothing truncated', () => {
    const {path, offsets} = journalOf('flip', 20)
    const bytes = readFileSync(path)
    bytes[offsets[7] + 20] ^= 0x04
    writeFileSync(path, bytes)
    const err = thrown(() => new JournalFile(path))
    expect(err).toBeInstanceOf(JournalCorruptError)
    expect((err as JournalCorruptError).offset).toBe(offsets[7])
    expect((err as JournalCorruptError).exitCode).toBe(2)
    expect(err.message).toContain(`journal ${path} is corrupt at byte ${offsets[7]}`)
    expect(err.message).toContain('restore')
    expect(err.message).not.toContain('\n')
    expect(readFileSync(path).equals(bytes)).toBe(true)
    expect(() => readJournal(path)).toThrow(JournalCorruptError)
  })

  it('the state store refuses to open a corrupt journal and leaves it as it is', () => {
    const dir = join(root, 'durable')
    const clock = new VirtualClock(0)
    const s = DurableState.open(dir, [NS.counters], {clock, snapshotEvery: 0})
    const w = s.store.acquireWriter('t')
    for (let i = 0; i < 10; i++) w.set(NS.counters, `k${i}`, i)
    s.close()
    const path = join(dir, JOURNAL_FILE)
    const bytes = readFileSync(path)
    const third = bytes.indexOf(0x0a, bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1) + 1
    bytes[third + 30] ^= 0x01
    writeFileSync(path, bytes)
    expect(() => DurableState.open(dir, [NS.counters], {clock})).toThrow(new RegExp(`state.journal is corrupt at byte ${third}`))
    expect(readFileSync(path).equals(bytes)).toBe(true)
  })

  it('only the last record may be bad: a torn tail is cut on reopen', () => {
    const {path, offsets} = journalOf('torn', 5)
    const bytes = readFileSync(path)
    bytes[bytes.length - 3] ^= 0x01
    writeFileSync(path, bytes)
    expect(readJournal(path).tornTail).toMatchObject({offset: offsets[4]})
    const j = new JournalFile(path)
    expect(j.recovered.records).toHaveLength(4)
    j.append(rec(9))
    j.close()
    expect(statSync(path).size).toBeGreaterThan(offsets[4])
    expect(readJournal(path).records.map((r) => (r.data as {i: number}).i)).toEqual([0, 1, 2, 3, 9])
  })

  it('a record rewritten with a fresh valid checksum breaks the chain at the next record', () => {
    const {path, offsets} = journalOf('rewrite', 6)
    const text = readFileSync(path, 'latin1')
    const lines = text.split('\n')
    // Line 0 is the first line (the seed); record k is line k + 1. Rewrite record 2, its checksum recomputed from
    // the stored checksum of record 1 as the writer would.
    const prev = parseInt(lines[2].slice(0, 8), 16)
    const json = JSON.stringify({...rec(2), data: {i: 2, s: 'forged'}})
    lines[3] = `${crc32(json, prev).toString(16).padStart(8, '0')} ${json}`
    writeFileSync(path, lines.join('\n'), 'latin1')
    const newOffsets = [...readFileSync(path).toString('latin1').matchAll(/\n/g)].map((m) => m.index + 1)
    const err = thrown(() => readJournal(path)) as JournalCorruptError
    expect(err).toBeInstanceOf(JournalCorruptError)
    expect(err.offset).toBe(newOffsets[3])
    expect(err.offset).toBeGreaterThan(offsets[2])
  })

  it('anything after the session end record is an error: a record, or garbage as the last line', () => {
    const end = {t: 5000, type: 'session_end', data: {}}
    const p1 = join(root, 'after-end-1.journal')
    writeFileSync(p1, frameJournal([rec(0), rec(1), end, rec(2)]))
    expect(() => readJournal(p1)).toThrow(/data after the session's end record/)
    const p2 = join(root, 'after-end-2.journal')
    writeFileSync(p2, frameJournal([rec(0), end]) + 'garbage\n')
    expect(() => readJournal(p2)).toThrow(/data after the session's end record/)
    const p3 = join(root, 'after-end-3.journal')
    writeFileSync(p3, frameJournal([rec(0), end]))
    expect(readJournal(p3).records).toHaveLength(2)
  })

  it('a file that is not a journal is refused; version 1 journals (no chain) are still read', () => {
    const readme = join(root, 'README.md')
    writeFileSync(readme, '# trader\n\nTrading bots.\n')
    expect(() => readJournal(readme)).toThrow(NotAJournalError)
    expect(() => new JournalFile(readme)).toThrow(NotAJournalError)
    expect(readFileSync(readme, 'utf8')).toBe('# trader\n\nTrading bots.\n')
    const v1 = join(root, 'v1.journal')
    writeFileSync(v1, [rec(0), rec(1), rec(2)].map((r) => frameRecord(r)).join(''))
    expect(readJournal(v1).records).toEqual([rec(0), rec(1), rec(2)])
    const j = new JournalFile(v1)
    j.append(rec(3))
    j.close()
    expect(readJournal(v1).records).toHaveLength(4)
  })
})

describe('segmented journal', () => {
  it('rolls by size, keeps the index and reads back across segments in order', () => {
    const dir = join(root, 'size', 's.journal')
    const w = new SegmentedJournal(dir, {maxSegmentBytes: 2000})
    const recs = Array.from({length: 100}, (_, i) => rec(i))
    for (const r of recs) w.append(r)
    w.close()
    const index = readIndex(indexPathOf(dir))
    expect(index.segments.length).toBeGreaterThan(3)
    expect(index.segments.every((s) => s.closed && s.bytes <= 2000 + 100)).toBe(true)
    expect(index.segments.reduce((n, s) => n + s.records, 0)).toBe(100)
    expect(index.segments[1].startChecksum).toBe(index.segments[0].endChecksum)
    expect(readdirSync(join(root, 'size')).sort()).toEqual(['s.journal.index.json', ...index.segments.map((s) => s.name)].sort())
    expect(index.segments.slice(0, 2).map((s) => s.name)).toEqual(['s.journal', 's.journal.000002'])
    expect(readJournal(dir).records).toEqual(recs)
    const s = openJournalStream(dir)
    let n = 0
    while (s.next()) n++
    expect(n).toBe(100)
    expect(s.end).toMatchObject({records: 100, segments: index.segments.length})
  })

  it('rolls at each UTC day, naming segments by day', () => {
    const dir = join(root, 'seg-day.journal')
    const w = new SegmentedJournal(dir)
    const base = Date.UTC(2026, 11, 6, 22)
    const recs = Array.from({length: 30}, (_, i) => rec(i, base + i * 3_600_000))
    for (const r of recs) w.append(r)
    w.close()
    const index = readIndex(indexPathOf(dir))
    expect(index.segments).toHaveLength(3)
    expect(index.segments.map((s) => s.records)).toEqual([2, 24, 4])
    expect(index.segments[1]).toMatchObject({firstTime: base + 2 * 3_600_000, lastTime: base + 25 * 3_600_000})
    expect(readJournal(dir).records).toEqual(recs)
    expect(Math.floor(index.segments[2].firstTime! / DAY)).toBe(Math.floor(Date.UTC(2026, 11, 8) / DAY))
  })

  it('detects a closed segment rewritten, truncated, removed or reordered', () => {
    const make = (name: string): {dir: string; names: string[]} => {
      const dir = join(root, name)
      const w = new SegmentedJournal(dir, {maxSegmentBytes: 600})
      for (let i = 0; i < 40; i++) w.append(rec(i))
      w.close()
      return {dir, names: readIndex(indexPathOf(dir)).segments.map((s) => s.name)}
    }
    // The last record of a closed segment rewritten with a checksum the chain accepts: the index's end checksum
    // (and the next segment's seed) tell.
    const a = make('seg-rewrite.journal')
    const p = join(root, a.names[0])
    const lines = readFileSync(p, 'latin1').split('\n')
    const last = lines.length - 2
    const prev = parseInt(lines[last - 1].slice(0, 8), 16)
    const json = JSON.stringify({t: 1, type: 'event', data: {forged: true}})
    lines[last] = `${crc32(json, prev).toString(16).padStart(8, '0')} ${json}`
    writeFileSync(p, lines.join('\n'), 'latin1')
    expect(() => readJournal(a.dir)).toThrow(JournalCorruptError)

    const b = make('seg-truncate.journal')
    const q = join(root, b.names[1])
    writeFileSync(q, readFileSync(q).subarray(0, statSync(q).size - 40))
    expect(() => readJournal(b.dir)).toThrow(/closed segment|truncated or rewritten/)

    const c = make('seg-remove.journal')
    rmSync(join(root, c.names[1]))
    expect(() => readJournal(c.dir)).toThrow(/missing/)

    const d = make('seg-swap.journal')
    const x = readFileSync(join(root, d.names[1]))
    writeFileSync(join(root, d.names[1]), readFileSync(join(root, d.names[2])))
    writeFileSync(join(root, d.names[2]), x)
    expect(() => readJournal(d.dir)).toThrow(/chain/)
  })

  it('reopens after a crash: the last segment torn tail is cut, appending goes on in the chain', () => {
    const dir = join(root, 'seg-crash.journal')
    const w = new SegmentedJournal(dir, {maxSegmentBytes: 800})
    for (let i = 0; i < 20; i++) w.append(rec(i))
    w.sync() // a crash: never closed
    const names = readIndex(indexPathOf(dir)).segments.map((s) => s.name)
    expect(names.length).toBeGreaterThan(1)
    appendFileSync(join(root, names.at(-1)!), '0123abcd {"t":')
    expect(readJournal(dir).tornTail).toMatchObject({reason: 'incomplete last record (no newline)'})
    const again = new SegmentedJournal(dir, {maxSegmentBytes: 800})
    for (let i = 20; i < 30; i++) again.append(rec(i))
    again.close()
    const read = readJournal(dir)
    expect(read.tornTail).toBeUndefined()
    expect(read.records.map((r) => (r.data as {i: number}).i)).toEqual(Array.from({length: 30}, (_, i) => i))
  })

  it('a session end record in an earlier segment makes any later segment an error', () => {
    const dir = join(root, 'seg-end.journal')
    const w = new SegmentedJournal(dir)
    w.append(rec(0, 10))
    w.append({t: 20, type: 'session_end', data: {}})
    w.append(rec(1, DAY + 10)) // the next day: a new segment
    w.close()
    expect(() => readJournal(dir)).toThrow(/end record/)
  })

  it('a directory is not a journal; a single-file writer will not append to a segmented journal', () => {
    const dir = join(root, 'plain-dir')
    mkdirSync(dir)
    expect(() => readJournal(dir)).toThrow(NotAJournalError)
    expect(() => new JournalFile(join(root, 'seg-crash.journal'))).toThrow(/first segment of a segmented journal/)
  })
})
