/**
 * Reading a journal as a stream of records, a chunk at a time: a single journal file, or a segmented journal
 * (journal-segments.ts: named by its first segment) whose segments are read in order with the checksum chain
 * checked across them and each closed segment checked against its index entry.
 */
import {existsSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import type {JournalRecord} from '../engine/journal.js'
import {JournalCorruptError, NotAJournalError} from './journal-frame.js'
import {hex8, indexPathOf, type JournalIndex, readIndex} from './journal-index.js'
import {JournalScanner, type TornTail} from './journal-scan.js'

/** True when `path` is the first segment of a segmented journal (its index is beside it). */
export function isSegmentedJournal(path: string): boolean {
  return existsSync(indexPathOf(path))
}

/** The end of a read: totals over every segment, and the torn tail (of the last segment only). */
export interface JournalStreamEnd {
  readonly records: number
  readonly validBytes: number
  readonly segments: number
  readonly tornTail?: TornTail & {readonly file: string}
  /** The session's end record was read. */
  readonly ended: boolean
}

/** Records of a journal, file or segmented, a chunk at a time. */
export interface JournalStream {
  next(): JournalRecord | undefined
  /** The next decoded records (at least one), or an empty array at the end. */
  nextBatch(): readonly JournalRecord[]
  /** Available once next / nextBatch returned the end. */
  readonly end: JournalStreamEnd
  close(): void
}

/** Opens a journal file, or a segmented journal by its first segment's path, for reading. */
export function openJournalStream(path: string, opts: {chunkBytes?: number} = {}): JournalStream {
  const index = indexPathOf(path)
  if (existsSync(index)) return new SegmentStream(dirname(path), index, readIndex(index), opts.chunkBytes)
  if (!existsSync(path)) throw new NotAJournalError(path, 'it does not exist; check the path')
  if (statSync(path).isDirectory()) throw new NotAJournalError(path, 'a directory; give the journal file in it')
  return new FileStream(path, opts.chunkBytes)
}

class FileStream implements JournalStream {
  private readonly scanner: JournalScanner
  private done = false

  constructor(readonly path: string, chunkBytes?: number) {
    this.scanner = new JournalScanner(path, {chunkBytes})
  }

  next(): JournalRecord | undefined {
    const r = this.scanner.next()
    if (r === undefined) this.done = true
    return r
  }

  nextBatch(): readonly JournalRecord[] {
    const b = this.scanner.nextBatch()
    if (b.length === 0) this.done = true
    return b
  }

  get end(): JournalStreamEnd {
    if (!this.done) throw new Error('JournalStream.end read before the end')
    const e = this.scanner.end
    return {records: e.records, validBytes: e.validBytes, segments: 1, ended: e.endRecordAt !== undefined, ...(e.tornTail ? {tornTail: {...e.tornTail, file: this.path}} : {})}
  }

  close(): void {
    this.scanner.close()
  }
}

class SegmentStream implements JournalStream {
  private at = -1
  private scanner: JournalScanner | undefined
  private seed = 0
  private records = 0
  private bytes = 0
  private ended = false
  private torn: (TornTail & {file: string}) | undefined
  private done = false

  constructor(readonly dir: string, private readonly indexPath: string, private readonly index: JournalIndex, private readonly chunkBytes?: number) {}

  next(): JournalRecord | undefined {
    for (;;) {
      if (!this.scanner && !this.advance()) return undefined
      const r = this.scanner!.next()
      if (r !== undefined) return r
      this.segmentDone()
    }
  }

  nextBatch(): readonly JournalRecord[] {
    for (;;) {
      if (!this.scanner && !this.advance()) return []
      const b = this.scanner!.nextBatch()
      if (b.length > 0) return b
      this.segmentDone()
    }
  }

  get end(): JournalStreamEnd {
    if (!this.done) throw new Error('JournalStream.end read before the end')
    return {records: this.records, validBytes: this.bytes, segments: this.index.segments.length, ended: this.ended, ...(this.torn ? {tornTail: this.torn} : {})}
  }

  close(): void {
    this.scanner?.close()
  }

  /** Opens the next segment; false after the last. */
  private advance(): boolean {
    const segs = this.index.segments
    this.at++
    if (this.at >= segs.length) {
      this.done = true
      return false
    }
    const e = segs[this.at]
    const file = join(this.dir, e.name)
    const expected = this.at === 0 ? parseInt(e.startChecksum, 16) : this.seed
    if (e.startChecksum !== hex8(expected)) {
      throw new JournalCorruptError(this.indexPath, 0, `segment ${e.name} starts the chain at ${e.startChecksum}, the segment before it ended at ${hex8(expected)}`, 'restore the journal and its segments from a backup')
    }
    if (!existsSync(file)) {
      // The index names the next segment before its file exists: only the last, open one may be missing.
      if (this.at === segs.length - 1 && !e.closed && e.records === 0) {
        this.done = true
        return false
      }
      throw new JournalCorruptError(file, 0, 'the segment listed in the index is missing', 'restore the journal and its segments from a backup')
    }
    if (this.ended) throw new JournalCorruptError(file, 0, "a segment after the one holding the session's end record", 'remove it only if you know where it came from')
    this.scanner = new JournalScanner(file, {seed: expected, chunkBytes: this.chunkBytes})
    return true
  }

  private segmentDone(): void {
    const s = this.scanner!
    this.scanner = undefined
    const e = this.index.segments[this.at]
    const file = join(this.dir, e.name)
    const end = s.end
    const last = this.at === this.index.segments.length - 1
    if (end.tornTail && (!last || e.closed)) {
      throw new JournalCorruptError(file, end.tornTail.offset, `${end.tornTail.reason} in a closed segment`, 'restore the journal and its segments from a backup')
    }
    if (e.closed && (end.records !== e.records || end.validBytes !== e.bytes || hex8(end.endChecksum) !== e.endChecksum)) {
      throw new JournalCorruptError(file, Math.min(end.validBytes, e.bytes), `the segment holds ${end.records} records, ${end.validBytes} bytes ending in checksum ${hex8(end.endChecksum)}; the index recorded ${e.records}, ${e.bytes} bytes, ${e.endChecksum} (it was truncated or rewritten)`, 'restore the journal and its segments from a backup')
    }
    if (end.tornTail) this.torn = {...end.tornTail, file}
    this.records += end.records
    this.bytes += end.validBytes
    this.seed = end.endChecksum
    if (end.endRecordAt !== undefined) this.ended = true
  }
}
