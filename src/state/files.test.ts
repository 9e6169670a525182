import {spawn} from 'node:child_process'
import {appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {writeFileAtomic} from './atomic-file.js'
import {acquireLock, InstanceLockedError, readLock} from './instance-lock.js'
import {frameRecord, JournalFile, readJournal} from './journal-file.js'

const root = mkdtempSync(join(tmpdir(), 'trader-state-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))
const mode = (p: string): number => statSync(p).mode & 0o777

describe('writeFileAtomic', () => {
  it('replaces the file whole, 0600 in a 0700 directory, leaving no temp file', () => {
    const dir = join(root, 'atomic', 'nested')
    const p = join(dir, 'snap.json')
    writeFileAtomic(p, '{"v":1}')
    writeFileAtomic(p, '{"v":2}')
    expect(readFileSync(p, 'utf8')).toBe('{"v":2}')
    expect(mode(p)).toBe(0o600)
    expect(mode(dir)).toBe(0o700)
    expect(readdirSync(dir)).toEqual(['snap.json'])
  })
})

describe('journal file', () => {
  const rec = (i: number) => ({t: 1000 + i, type: i % 3 === 0 ? 'intent' : 'event', data: {i, s: `x${i}`}})

  it('round-trips framed records and is created 0600', () => {
    const p = join(root, 'j1', 'session.journal')
    const j = new JournalFile(p)
    for (let i = 0; i < 50; i++) j.append(rec(i))
    j.close()
    const r = readJournal(p)
    expect(r.records).toEqual(Array.from({length: 50}, (_, i) => rec(i)))
    expect(r.tornTail).toBeUndefined()
    expect(mode(p)).toBe(0o600)
  })

  it('reads non-ASCII records (UTF-8 on disk) as well as ASCII ones, and finds a corrupt one after them', () => {
    const p = join(root, 'j-utf8', 'session.journal')
    const recs = [rec(1), {t: 2000, type: 'event', data: {s: 'Zürich – 東京 🚀', n: 1}}, rec(4)]
    const j = new JournalFile(p)
    for (const r of recs) j.append(r)
    j.close()
    expect(readJournal(p).records).toEqual(recs)
    // A flipped byte inside the multi-byte record fails its checksum; a record follows it, so it is corruption.
    const bytes = readFileSync(p)
    const at = bytes.indexOf(Buffer.from('東'))
    bytes[at + 1] ^= 1
    writeFileSync(p, bytes)
    const lineStart = bytes.lastIndexOf(0x0a, at) + 1
    expect(() => readJournal(p)).toThrow(new RegExp(`corrupt at byte ${lineStart}: checksum mismatch`))
  })

  it('intent records are on disk as soon as they are appended', () => {
    const p = join(root, 'j2', 'session.journal')
    const j = new JournalFile(p)
    j.append(rec(1)) // batched
    j.append(rec(3)) // intent: flushed and fsynced, with everything before it
    expect(readJournal(p).records.map((r) => r.data)).toEqual([rec(1).data, rec(3).data])
    j.close()
  })

  it('a reconciliation outcome is on disk as soon as it is appended (a kill right after it keeps it)', () => {
    const p = join(root, 'j2b', 'session.journal')
    const j = new JournalFile(p)
    j.append(rec(1))
    expect(readJournal(p).records).toEqual([])
    j.append({t: 2, type: 'reconciled', data: {kind: 'startup', differences: 1}})
    expect(readJournal(p).records.map((r) => r.type)).toEqual([rec(1).type, 'reconciled'])
    j.close()
  })

  it('detects a torn tail (half a record) and a corrupt record, cuts them on reopen and appends after', () => {
    const p = join(root, 'j3', 'session.journal')
    const j = new JournalFile(p)
    for (let i = 0; i < 10; i++) j.append(rec(i))
    j.close()
    const whole = statSync(p).size
    const extra = frameRecord(rec(10))
    appendFileSync(p, extra.slice(0, extra.length - 7)) // a crash mid-write
    const torn = readJournal(p)
    expect(torn.records).toHaveLength(10)
    expect(torn.tornTail).toMatchObject({offset: whole, reason: 'incomplete last record (no newline)'})

    const reopened = new JournalFile(p)
    expect(reopened.recovered.tornTail?.bytes).toBe(extra.length - 7)
    expect(statSync(p).size).toBe(whole)
    reopened.append(rec(11))
    reopened.close()
    expect(readJournal(p).records.map((r) => (r.data as {i: number}).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11])

    // Flip one byte inside the last record: its checksum no longer matches.
    const bytes = readFileSync(p)
    bytes[bytes.length - 5] ^= 0x01
    writeFileSync(p, bytes)
    expect(readJournal(p).tornTail?.reason).toMatch(/^checksum mismatch/)
    expect(readJournal(p).records).toHaveLength(10)
  })

  it('an empty file is an empty journal; a truncated file keeps its prefix', () => {
    const p = join(root, 'j4', 'session.journal')
    const j = new JournalFile(p)
    for (let i = 0; i < 5; i++) j.append(rec(i))
    j.close()
    truncateSync(p, statSync(p).size - 1) // the last newline is gone
    expect(readJournal(p).records).toHaveLength(4)
  })
})

describe('instance lock', () => {
  it('refuses a second owner while the first is alive, with the owner named', () => {
    const dir = join(root, 'locks1')
    const held = acquireLock(dir, 'acct', new Date(0))
    expect(held.info).toMatchObject({account: 'acct', pid: process.pid, epoch: 1})
    expect(mode(held.path)).toBe(0o600)
    expect(mode(dir)).toBe(0o700)
    // Another live process (our parent) claims it: a second start is refused.
    writeFileSync(held.path, JSON.stringify({...held.info, pid: process.ppid}))
    expect(() => acquireLock(dir, 'acct', new Date(0))).toThrow(InstanceLockedError)
    expect(() => acquireLock(dir, 'acct', new Date(0))).toThrow(new RegExp(`already run by pid ${process.ppid}`))
  })

  it('reclaims a lock left by a dead process with the next epoch, and the epoch keeps rising', async () => {
    const dir = join(root, 'locks2')
    const first = acquireLock(dir, 'acct', new Date(0))
    first.release()
    expect(readLock(first.path)).toBeUndefined()
    const second = acquireLock(dir, 'acct', new Date(0))
    expect(second.info.epoch).toBe(2)
    // A process that exits without releasing: its pid is dead afterwards.
    const child = spawn(process.execPath, ['-e', ''])
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)))
    writeFileSync(second.path, JSON.stringify({...second.info, pid: deadPid}))
    const third = acquireLock(dir, 'acct', new Date(0))
    expect(third.reclaimed?.pid).toBe(deadPid)
    expect(third.info).toMatchObject({pid: process.pid, epoch: 3})
  })
})
