import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {frameRecord, readJournal, readJournalHead} from './journal-file.js'

const root = mkdtempSync(join(tmpdir(), 'trader-journal-head-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

const rec = (i: number, pad = 0) => ({t: i, type: i === 0 ? 'session' : 'event', data: {i, pad: 'é'.repeat(pad)}})

describe('readJournalHead', () => {
  it('reads the first records only, as readJournal reads them, whatever their size', () => {
    const p = join(root, 'big.journal')
    // A first record larger than the first read (64 KB) and a long tail.
    const recs = [rec(0, 100_000), ...Array.from({length: 5_000}, (_, i) => rec(i + 1, 20))]
    writeFileSync(p, recs.map((r) => frameRecord(r)).join(''))
    expect(readJournalHead(p, 1)).toEqual([recs[0]])
    expect(readJournalHead(p, 3)).toEqual(readJournal(p).records.slice(0, 3))
    expect(readJournalHead(p, 10_000)).toHaveLength(5_001)
  })

  it('stops at a torn or corrupt record, and reads nothing from an empty file', () => {
    const p = join(root, 'torn.journal')
    const a = frameRecord(rec(0))
    const b = frameRecord(rec(1))
    writeFileSync(p, a + b.slice(0, b.length - 3))
    expect(readJournalHead(p, 2)).toEqual([rec(0)])
    writeFileSync(p, a.replace('"session"', '"sessiom"') + b)
    expect(readJournalHead(p, 2)).toEqual([])
    writeFileSync(p, '')
    expect(readJournalHead(p, 1)).toEqual([])
  })
})
