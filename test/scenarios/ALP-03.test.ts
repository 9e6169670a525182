/**
 * ALP-03: two writers at once, or death mid-write. Required: one writer by design, and what is on disk after a
 * crash is the old state or the new one, never a mix.
 *
 * One writer: the store hands out one writer lease; a second process is refused by the account lock (RISK-02
 * test). Death mid-write: the last record of the durable journal is cut at EVERY byte offset (every place a
 * SIGKILL can stop a write); each time, recovery yields exactly the state before the write or after it. The crash
 * test (test/crash) does the same with real SIGKILLs. Bites: the old bot's truncate-then-write JSON file, cut at
 * the same offsets, is neither old nor new (unreadable or empty) at almost every offset.
 */
import {mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {VirtualClock} from '../../src/core/time/clock.js'
import {DurableState, JOURNAL_FILE} from '../../src/state/durable-store.js'
import {NS} from '../../src/state/pipeline-state.js'
import {StoreWriterBusyError} from '../../src/state/store.js'

const root = mkdtempSync(join(tmpdir(), 'trader-alp03-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))
const NSS = [NS.cooldowns, NS.counters]
const clock = new VirtualClock(0)

describe('ALP-03: one writer; after a crash the state is old or new, never a mix', () => {
  it('the store refuses a second writer while one holds the lease', () => {
    const s = DurableState.open(join(root, 'one'), NSS, {clock})
    s.store.acquireWriter('seller')
    expect(() => s.store.acquireWriter('buyer')).toThrow(StoreWriterBusyError)
    s.close()
  })

  it('a durable journal cut anywhere in its last record recovers the old state; whole, the new one', () => {
    const dir = join(root, 'durable')
    const s = DurableState.open(dir, NSS, {clock, snapshotEvery: 3})
    const w = s.store.acquireWriter('t')
    for (let i = 0; i < 4; i++) w.set(NS.cooldowns, `S${i}`, {symbol: `S${i}`, until: 1000 + i, setAt: i, reason: 'stop'}) // 3 → snapshot, 1 in journal
    const old = s.store.snapshot()
    w.set(NS.counters, 'entries', 7) // the write a crash interrupts
    const next = s.store.snapshot()
    s.close()
    const path = join(dir, JOURNAL_FILE)
    const whole = readFileSync(path)
    const lastStart = whole.lastIndexOf(0x0a, whole.length - 2) + 1
    let olds = 0
    for (let cut = lastStart; cut <= whole.length; cut++) {
      writeFileSync(path, whole)
      truncateSync(path, cut)
      const r = DurableState.open(dir, NSS, {clock})
      const got = r.store.snapshot()
      r.close()
      if (cut === whole.length) expect(got).toEqual(next)
      else {
        expect(got).toEqual(old)
        olds++
      }
    }
    expect(olds).toBe(whole.length - lastStart)
  })

  it('bites: the old bot\'s truncate-then-write JSON file, cut mid-write, is neither old nor new', () => {
    const path = join(root, 'naive.json')
    const old = {cooldowns: {S0: {until: 1000}}, counters: {entries: 6}}
    const next = {...old, counters: {entries: 7}}
    const bytes = Buffer.from(JSON.stringify(next))
    let mixes = 0
    for (let cut = 0; cut < bytes.length; cut++) {
      writeFileSync(path, bytes.subarray(0, cut)) // the file was truncated (old content gone), then the write stopped
      let got: unknown
      try {
        got = JSON.parse(readFileSync(path, 'utf8'))
      } catch {
        got = undefined
      }
      if (JSON.stringify(got) !== JSON.stringify(old) && JSON.stringify(got) !== JSON.stringify(next)) mixes++
    }
    expect(mixes).toBe(bytes.length) // at every offset: neither old nor new
  })
})
