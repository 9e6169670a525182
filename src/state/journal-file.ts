/**
 * The session journal on disk: append-only, one record per line, checksum-chained (format in journal-frame.ts).
 * A torn tail (a crash mid-write: the last record incomplete or failing its checksum) is cut on reopen, keeping
 * every complete record before it. A bad record with records after it is corruption: opening refuses with the
 * byte offset (JournalCorruptError) and the file is left as it is. Records that must be durable before their
 * effect leaves the process (an order's intent before its request) are written with `sync`; others are batched.
 *
 * A journal path may also name a segmented journal (a directory with an index, journal-segments.ts); the readers
 * here take either.
 */
import {closeSync, existsSync, fsyncSync, ftruncateSync, openSync, statSync, writeSync} from 'node:fs'
import {dirname} from 'node:path'
import {DataError} from '../core/errors.js'
import type {JournalRecord, JournalSink} from '../engine/journal.js'
import {ensurePrivateDir, FILE_MODE, fsyncDir} from './atomic-file.js'
import {frameLine, magicLine} from './journal-frame.js'
import {JournalScanner, type TornTail} from './journal-scan.js'
import {isSegmentedJournal, openJournalStream} from './journal-stream.js'

export {frameJournal, frameRecord, JournalCorruptError, NotAJournalError} from './journal-frame.js'

export class JournalFileError extends DataError {
  override readonly name = 'JournalFileError'
}

/** Record types whose line must be on disk before anything else happens (DESIGN property 4). */
// `reconciled`: what a (start-up) reconciliation found is the first thing an operator reads after a crash; a kill
// right after it must not take it along with the buffer.
const SYNC_TYPES: ReadonlySet<string> = new Set(['intent', 'cancel_intent', 'amend_intent', 'state', 'lock', 'reconciled'])

export interface JournalReadResult {
  readonly records: JournalRecord[]
  /** Byte length of the valid prefix (over all segments of a segmented journal). */
  readonly validBytes: number
  /** Present when the journal ends in an incomplete or corrupt last record (`file`: a segmented journal's last segment). */
  readonly tornTail?: TornTail & {readonly file?: string}
}

/**
 * Every record of a journal (a file, or a segmented journal by its first segment) in memory. Throws JournalCorruptError
 * on corruption, NotAJournalError for anything else. Large journals: use `openJournalStream`.
 */
export function readJournal(path: string): JournalReadResult {
  const s = openJournalStream(path)
  const records: JournalRecord[] = []
  try {
    for (let b = s.nextBatch(); b.length > 0; b = s.nextBatch()) for (let i = 0; i < b.length; i++) records.push(b[i])
  } finally {
    s.close()
  }
  const end = s.end
  return {records, validBytes: end.validBytes, ...(end.tornTail ? {tornTail: end.tornTail} : {})}
}

/** The first `count` records, reading only as much as they take (telling a journal's kind by its header). */
export function readJournalHead(path: string, count = 1): JournalRecord[] {
  const s = openJournalStream(path, {chunkBytes: 64 * 1024})
  try {
    const records: JournalRecord[] = []
    for (let r = s.next(); r !== undefined && records.length < count; r = s.next()) records.push(r)
    return records
  } catch {
    // A header is asked for to tell kinds apart: whatever fails later fails in full where the whole file is read.
    return []
  } finally {
    s.close()
  }
}

export interface JournalFileOptions {
  /** Bytes buffered before a write (default 64 KiB). */
  readonly batchBytes?: number
  /** The chain's starting value for a new file (a later segment continues the previous one's). */
  readonly seed?: number
  /** Keep the recovered records in `recovered.records` (default true; a segment reopened for appending: false). */
  readonly keepRecords?: boolean
}

/** What reopening found, with the first and last record times (a segment's index entry needs them). */
export interface JournalRecovery extends JournalReadResult {
  readonly count: number
  readonly firstTime: number | null
  readonly lastTime: number | null
}

/**
 * An open journal file. Opening recovers it first: a torn tail is cut (truncate + fsync) and reported, so the
 * writer always appends after the last good record; corruption refuses to open.
 */
export class JournalFile implements JournalSink {
  private readonly fd: number
  private pending = ''
  private appended = 0
  /** Bytes in the file: the next record is written here. */
  private size: number
  /** The chain's last checksum; version 1 files (no chain) stay version 1. */
  private prev: number
  private readonly chained: boolean
  private closed = false
  readonly recovered: JournalRecovery

  constructor(readonly path: string, private readonly opts: JournalFileOptions = {}) {
    ensurePrivateDir(dirname(path))
    const existed = existsSync(path) && statSync(path).size > 0
    if (existsSync(path) && statSync(path).isDirectory()) throw new JournalFileError(`journal ${path} is a directory; give a file path`)
    if (opts.seed === undefined && isSegmentedJournal(path)) throw new JournalFileError(`journal ${path} is the first segment of a segmented journal; append to it with SegmentedJournal`)
    const found = existed ? recoverFile(path, opts.keepRecords ?? true) : undefined
    this.recovered = found?.recovery ?? {records: [], validBytes: 0, count: 0, firstTime: null, lastTime: null}
    this.fd = openSync(path, existed ? 'r+' : 'a+', FILE_MODE)
    this.size = this.recovered.validBytes
    this.chained = found === undefined || found.version === 2 || this.size === 0
    this.prev = found !== undefined && this.size > 0 ? found.endChecksum : (opts.seed ?? 0)
    if (this.recovered.tornTail) {
      ftruncateSync(this.fd, this.size)
      fsyncSync(this.fd)
    }
    if (this.size === 0) {
      // A new file (or one whose first line was torn): its first line carries the chain's seed.
      const magic = Buffer.from(magicLine(this.prev))
      ftruncateSync(this.fd, 0)
      writeSync(this.fd, magic, 0, magic.length, 0)
      fsyncSync(this.fd)
      this.size = magic.length
    }
    if (!existed) fsyncDir(dirname(path))
  }

  append(record: JournalRecord): void {
    const json = JSON.stringify(record)
    if (this.chained) {
      const f = frameLine(json, this.prev)
      this.pending += f.line
      this.prev = f.sum
    } else this.pending += frameLine(json, 0).line
    this.appended++
    if (SYNC_TYPES.has(record.type)) this.sync()
    else if (this.pending.length >= (this.opts.batchBytes ?? 64 * 1024)) this.flush()
  }

  /** Records in the file: recovered on open plus appended since. */
  get records(): number {
    return this.recovered.count + this.appended
  }

  /** Bytes written plus buffered (UTF-8 of the buffered text, counted as written). */
  get bytes(): number {
    return this.size + Buffer.byteLength(this.pending, 'utf8')
  }

  /** The checksum of the last record appended: where the chain goes on (a next segment's seed). */
  get checksum(): number {
    return this.prev
  }

  /** Writes buffered records (without fsync). */
  flush(): void {
    if (this.pending.length === 0) return
    const bytes = Buffer.from(this.pending, 'utf8')
    this.pending = ''
    let off = 0
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off, this.size + off)
    this.size += bytes.length
  }

  /** Writes buffered records and fsyncs: everything appended so far survives a crash. */
  sync(): void {
    this.flush()
    fsyncSync(this.fd)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.sync()
    closeSync(this.fd)
  }
}

function recoverFile(path: string, keep: boolean): {recovery: JournalRecovery; version: 1 | 2; endChecksum: number} {
  const s = new JournalScanner(path)
  const records: JournalRecord[] = []
  let first: number | null = null
  let last: number | null = null
  try {
    for (let b = s.nextBatch(); b.length > 0; b = s.nextBatch()) {
      first ??= b[0].t
      last = b[b.length - 1].t
      if (keep) for (let i = 0; i < b.length; i++) records.push(b[i])
    }
  } finally {
    s.close()
  }
  const end = s.end
  return {
    recovery: {records, validBytes: end.validBytes, count: end.records, firstTime: first, lastTime: last, ...(end.tornTail ? {tornTail: end.tornTail} : {})},
    version: end.version,
    endChecksum: end.endChecksum,
  }
}

export function assertJournal(path: string): void {
  if (!existsSync(path)) throw new JournalFileError(`journal ${path} does not exist; check the path`)
}
