/**
 * The journal's line format (version 2), shared by its writers and readers:
 *
 *     #trader-journal 2 <seed, 8 hex digits>\n          (first line of every file)
 *     <checksum, 8 hex digits> <JSON of the record>\n    (one line per record)
 *
 * Each record's checksum is CRC-32 over its JSON, continued from the previous record's checksum (the first
 * record's continues from the seed: 0 for a new journal, the previous segment's last checksum for a later
 * segment). So the checksums form a chain: a record rewritten with a fresh valid checksum breaks the checksum of
 * the record after it. Version 1 files (no first line, each line's CRC-32 over its own JSON) are still read.
 */
import {crc32} from 'node:zlib'
import {DataError} from '../core/errors.js'
import type {JournalRecord} from '../engine/journal.js'

export const JOURNAL_MAGIC = '#trader-journal 2 '
/** Length of the first line of a version 2 file, its newline included. */
export const MAGIC_LINE_BYTES = JOURNAL_MAGIC.length + 9

/**
 * A session's last record (a paper / live session that ended cleanly writes it after everything else): any record
 * after it means the file was appended to or edited afterwards.
 */
export const END_RECORD_TYPES: ReadonlySet<string> = new Set(['session_end'])

const hex8 = (n: number): string => n.toString(16).padStart(8, '0')

export function magicLine(seed: number): string {
  return `${JOURNAL_MAGIC}${hex8(seed)}\n`
}

/** One record's line, its checksum continued from `prev` (the previous record's checksum, or the file's seed). */
export function frameLine(json: string, prev: number): {line: string; sum: number} {
  const sum = crc32(json, prev)
  return {line: `${hex8(sum)} ${json}\n`, sum}
}

/** A record's line as the first of a journal (seed 0); also a valid version 1 line. */
export function frameRecord(record: JournalRecord): string {
  return frameLine(JSON.stringify(record), 0).line
}

/** A whole version 2 journal file holding `records` (tests, the bench, `trader replay --journal-dir`). */
export function frameJournal(records: Iterable<JournalRecord>, seed = 0): string {
  const parts = [magicLine(seed)]
  let prev = seed
  for (const r of records) {
    const f = frameLine(JSON.stringify(r), prev)
    parts.push(f.line)
    prev = f.sum
  }
  return parts.join('')
}

/** Value of each byte as a lowercase hex digit, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1)
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i

/** The 8 lowercase hex digits at `at` followed by a space, or -1 when the frame is malformed. */
export function frameChecksum(buf: Uint8Array, at: number, end: number): number {
  if (end - at < 9 || buf[at + 8] !== 0x20) return -1
  let v = 0
  for (let i = at; i < at + 8; i++) {
    const d = HEX[buf[i]]
    if (d < 0) return -1
    v = v * 16 + d
  }
  return v
}

/** The seed of a version 2 first line (`buf` holds it from `at`), or -1 when these bytes are not one. */
export function magicSeed(buf: Uint8Array, at: number, end: number): number {
  if (end - at < MAGIC_LINE_BYTES || buf[at + MAGIC_LINE_BYTES - 1] !== 0x0a) return -1
  for (let i = 0; i < JOURNAL_MAGIC.length; i++) if (buf[at + i] !== JOURNAL_MAGIC.charCodeAt(i)) return -1
  let v = 0
  for (let i = at + JOURNAL_MAGIC.length; i < at + MAGIC_LINE_BYTES - 1; i++) {
    const d = HEX[buf[i]]
    if (d < 0) return -1
    v = v * 16 + d
  }
  return v
}

/** True when `bytes` could be the start of a journal cut short by a crash (a prefix of a first line). */
export function couldBeTornStart(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 64))).toString('latin1')
  if (JOURNAL_MAGIC.startsWith(text.slice(0, JOURNAL_MAGIC.length))) return /^[0-9a-f]{0,8}$/.test(text.slice(JOURNAL_MAGIC.length))
  return /^[0-9a-f]{0,8}($| ($|\{))/.test(text)
}

/**
 * The journal cannot be trusted from `offset` on: a record before the last one fails its checksum or does not
 * parse, the chain is broken, or records follow the session's end. Never repaired automatically: the committed
 * records after the damage would be lost. Exit code 2 with the way out in `hint`.
 */
export class JournalCorruptError extends DataError {
  override readonly name = 'JournalCorruptError'
  override readonly hint: string

  constructor(readonly file: string, readonly offset: number, readonly reason: string, hint?: string) {
    const fix = hint ?? `restore ${file} from a backup, or copy its first ${offset} bytes to a new file to keep the records before the damage (the records after it are lost)`
    super(`journal ${file} is corrupt at byte ${offset}: ${reason}; ${fix}`)
    this.hint = fix
  }
}

/** The path is not a journal at all (another file, a directory without a journal index). */
export class NotAJournalError extends DataError {
  override readonly name = 'NotAJournalError'

  constructor(readonly file: string, why: string) {
    super(`${file} is not a trader journal (${why}); give a file written by --journal / --journal-dir (a segmented journal by its first segment)`)
  }
}
