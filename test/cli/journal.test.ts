/**
 * `trader journal inspect` on the built CLI: a sound journal (a file, or a segmented journal by its first
 * segment's path) exits 0; a torn tail is a warning (exit 0); corruption, data after the session's end record, a
 * file that is not a journal and a directory each exit 2 with one line naming the file (and the byte offset).
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {frameJournal} from '../../src/state/journal-frame.js'
import {SegmentedJournal} from '../../src/state/journal-segments.js'
import {runTrader} from '../support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-cli-journal-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
const trader = (...args: string[]) => runTrader(args, {cwd: dir})
const rec = (i: number, t = 1_700_000_000_000 + i * 1000) => ({t, type: i % 4 === 0 ? 'intent' : 'event', data: {kind: 'order', i, request: {clientOrderId: `c${i}`}}})

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+|Error\b.*Error|JournalCorruptError|NotAJournalError/)
}

describe('trader journal inspect', () => {
  const recs = Array.from({length: 40}, (_, i) => rec(i))

  it('sound journal: exit 0; torn tail: a warning, exit 0', () => {
    writeFileSync(join(dir, 'ok.journal'), frameJournal(recs))
    const ok = trader('journal', 'inspect', 'ok.journal', '--json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({records: 40, segments: 1, tornTail: null})
    writeFileSync(join(dir, 'torn.journal'), frameJournal(recs) + '0123abcd {"t":1,"ty')
    const torn = trader('journal', 'inspect', 'torn.journal')
    expect(torn.code, torn.stderr).toBe(0)
    expect(torn.stderr).toMatch(/^warning: .*torn\.journal: torn tail of 19 bytes/)
    expect(torn.stdout).toContain('40 (')
  })

  it('one flipped bit in the middle: exit 2, one line with the offset, the file unchanged', () => {
    const text = frameJournal(recs)
    const bytes = Buffer.from(text)
    const at = text.indexOf('\n', text.length / 2) + 1
    bytes[at + 25] ^= 0x01
    writeFileSync(join(dir, 'flip.journal'), bytes)
    const r = trader('journal', 'inspect', 'flip.journal')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, new RegExp(`^Error: journal flip\\.journal is corrupt at byte ${at}: checksum mismatch.*; restore flip\\.journal from a backup`))
    expect(readFileSync(join(dir, 'flip.journal')).equals(bytes)).toBe(true)
  })

  it('records after the session end record: exit 2', () => {
    writeFileSync(join(dir, 'after.journal'), frameJournal([...recs.slice(0, 5), {t: 1_800_000_000_000, type: 'session_end', data: {}}, rec(6)]))
    const r = trader('journal', 'inspect', 'after.journal')
    expect(r.code).toBe(2)
    expectOneLine(r.stderr, /^Error: journal after\.journal is corrupt at byte \d+: data after the session's end record/)
  })

  it('not a journal (a README, a directory, a missing file): exit 2, one line', () => {
    writeFileSync(join(dir, 'README.md'), '# trader\n\nTrading bots.\n')
    const md = trader('journal', 'inspect', 'README.md')
    expect(md.code).toBe(2)
    expectOneLine(md.stderr, /^Error: README\.md is not a trader journal \(its first line is not a journal line\)/)
    mkdirSync(join(dir, 'somedir'))
    const d = trader('journal', 'inspect', 'somedir')
    expect(d.code).toBe(2)
    expectOneLine(d.stderr, /^Error: somedir is not a trader journal \(a directory/)
    const missing = trader('journal', 'inspect', 'nope.journal')
    expect(missing.code).toBe(2)
    expectOneLine(missing.stderr, /does not exist/)
  })

  it('a segmented journal by its first segment: every segment summed', () => {
    const w = new SegmentedJournal(join(dir, 'seg.journal'), {maxSegmentBytes: 1500})
    for (const r of recs) w.append(r)
    w.close()
    const r = trader('journal', 'inspect', 'seg.journal', '--json')
    expect(r.code, r.stderr).toBe(0)
    const s = JSON.parse(r.stdout)
    expect(s.records).toBe(40)
    expect(s.segments).toBeGreaterThan(2)
    expect(s.intents).toBe(10)
  })
})
