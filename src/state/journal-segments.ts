/**
 * Segmented journals: a session journal that rolls into segment files by size and by UTC day, so no file grows
 * without bound. The journal is named by its first segment; the others and the index sit beside it:
 *
 *     <name>.journal              segment 1 (each segment a version 2 journal file, journal-frame.ts)
 *     <name>.journal.000002       segment 2, ...
 *     <name>.journal.index.json   the segments in order (written atomically at each roll and at close)
 *
 * So a path to a paper / live journal works as before wherever a journal is read (the readers find the index),
 * and a short session's journal is one ordinary journal file plus its index.
 * The checksum chain runs across segments: each segment's first line carries the previous segment's last
 * checksum as its seed, and the index records each closed segment's record count, byte size and end checksum,
 * so a segment removed, reordered, truncated or with its last record rewritten is detected.
 * Readers take a segmented journal by its first segment's path wherever a journal file is accepted (`openJournalStream`).
 */
import {existsSync, statSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import type {JournalRecord, JournalSink} from '../engine/journal.js'
import {ensurePrivateDir, writeFileAtomic} from './atomic-file.js'
import {JournalFile} from './journal-file.js'
import {NotAJournalError} from './journal-frame.js'
import {hex8, indexPathOf, type JournalIndex, readIndex, type SegmentEntry} from './journal-index.js'
import {openJournalStream} from './journal-stream.js'

export {indexPathOf} from './journal-index.js'
export {isSegmentedJournal} from './journal-stream.js'

/** Default segment size: a segment is closed once it reaches this. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
const DAY_MS = 86_400_000

const utcDay = (t: number): number => Math.floor(t / DAY_MS)

export interface SegmentedJournalOptions {
  /** Roll to a new segment once one reaches this many bytes (default 64 MiB). */
  readonly maxSegmentBytes?: number
  /** Roll when a record's UTC day differs from the segment's first record's (default true). */
  readonly rollDaily?: boolean
  readonly batchBytes?: number
}

/**
 * The writer of a segmented journal. A segment is created with its first record. Crash safety: the index names the next segment before its file is created, so a
 * segment file never exists unlisted; the last segment (open at a crash) is recovered like any journal file.
 */
export class SegmentedJournal implements JournalSink {
  private readonly index: {segments: SegmentEntry[]}
  private current: JournalFile | undefined
  private entry: SegmentEntry | undefined
  private records = 0
  private firstTime: number | null = null
  private lastTime: number | null = null
  private day = 0
  private closed = false
  readonly maxBytes: number

  private readonly dir: string
  private readonly indexPath: string

  /** `path`: the journal's name, which is its first segment's file. */
  constructor(readonly path: string, private readonly opts: SegmentedJournalOptions = {}) {
    this.maxBytes = opts.maxSegmentBytes ?? DEFAULT_SEGMENT_BYTES
    this.dir = dirname(path)
    this.indexPath = indexPathOf(path)
    ensurePrivateDir(this.dir)
    if (existsSync(path) && statSync(path).isDirectory()) throw new NotAJournalError(path, 'a directory; give a file name for the journal')
    if (existsSync(this.indexPath)) {
      // Reopening: the whole chain is checked first (corruption refuses here), then the last segment is reopened.
      const s = openJournalStream(path)
      try {
        while (s.nextBatch().length > 0) {
          // checking only
        }
      } finally {
        s.close()
      }
      this.index = {segments: readIndex(this.indexPath).segments.filter((e) => e.records > 0 || existsSync(join(this.dir, e.name)))}
      const last = this.index.segments.at(-1)
      if (last) this.reopen(last)
    } else {
      if (existsSync(path)) throw new NotAJournalError(path, 'a file that exists without a segment index; choose a new journal name')
      this.index = {segments: []}
      this.writeIndex()
    }
  }

  append(record: JournalRecord): void {
    const day = utcDay(record.t)
    if (this.current && this.records > 0) {
      const rollDay = (this.opts.rollDaily ?? true) && day !== this.day
      // JSON length is a close enough estimate of the line (the frame adds 10 bytes).
      if (rollDay || this.current.bytes >= this.maxBytes) this.roll()
    }
    if (!this.current) this.open()
    this.current!.append(record)
    if (this.records === 0) {
      this.firstTime = record.t
      this.day = day
    }
    this.records++
    this.lastTime = record.t
  }

  flush(): void {
    this.current?.flush()
  }

  sync(): void {
    this.current?.sync()
  }

  /** Closes the last segment and records it in the index. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.closeSegment()
    this.writeIndex()
  }

  get segments(): readonly SegmentEntry[] {
    return this.index.segments
  }

  private roll(): void {
    const end = this.current!.checksum
    this.closeSegment()
    this.current = undefined
    this.entry = undefined
    this.nextSeed = end
  }

  private nextSeed = 0

  private open(): void {
    const seq = this.index.segments.length + 1
    const entry: SegmentEntry = {
      name: seq === 1 ? basename(this.path) : `${basename(this.path)}.${String(seq).padStart(6, '0')}`,
      firstTime: null, lastTime: null, records: 0, bytes: 0,
      startChecksum: hex8(this.nextSeed), endChecksum: null, closed: false,
    }
    this.index.segments.push(entry)
    this.writeIndex()
    this.entry = entry
    this.current = new JournalFile(join(this.dir, entry.name), {seed: this.nextSeed, batchBytes: this.opts.batchBytes, keepRecords: false})
    this.records = 0
    this.firstTime = this.lastTime = null
  }

  private reopen(last: SegmentEntry): void {
    const seed = parseInt(last.startChecksum, 16)
    const file = new JournalFile(join(this.dir, last.name), {seed, batchBytes: this.opts.batchBytes, keepRecords: false})
    const r = file.recovered
    this.current = file
    this.records = r.count
    this.firstTime = r.firstTime
    this.lastTime = r.lastTime
    this.day = r.firstTime === null ? 0 : utcDay(r.firstTime)
    const reopened: SegmentEntry = {...last, closed: false, endChecksum: null}
    this.index.segments[this.index.segments.length - 1] = reopened
    this.entry = reopened
    this.nextSeed = seed
    this.writeIndex()
  }

  private closeSegment(): void {
    if (!this.current || !this.entry) return
    this.current.close()
    const closed: SegmentEntry = {
      ...this.entry, firstTime: this.firstTime, lastTime: this.lastTime, records: this.records,
      bytes: this.current.bytes, endChecksum: hex8(this.current.checksum), closed: true,
    }
    this.index.segments[this.index.segments.length - 1] = closed
    this.entry = closed
    this.writeIndex()
  }

  private writeIndex(): void {
    const index: JournalIndex = {format: 'trader-journal-index', version: 1, segments: this.index.segments}
    writeFileAtomic(this.indexPath, JSON.stringify(index, null, 1) + '\n')
  }
}

