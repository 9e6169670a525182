/**
 * Reads one journal file as a stream of records, a chunk at a time (memory stays flat however large the file),
 * checking every frame and the checksum chain (journal-frame.ts) as it goes.
 *
 * Only the file's last record may be bad: that is a torn tail (a crash mid-write), reported and left to the
 * writer to cut. A bad record with anything after it is corruption: `JournalCorruptError` with the byte offset,
 * and nothing is changed on disk.
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import {isAscii} from 'node:buffer'
import {crc32} from 'node:zlib'
import type {JournalRecord} from '../engine/journal.js'
import {couldBeTornStart, END_RECORD_TYPES, frameChecksum, JournalCorruptError, MAGIC_LINE_BYTES, magicSeed, NotAJournalError} from './journal-frame.js'

export interface TornTail {
  readonly offset: number
  readonly bytes: number
  readonly reason: string
}

/** What a finished scan found besides the records. */
export interface ScanEnd {
  /** 1: unchained lines (before the chain); 2: chained, with a first line. */
  readonly version: 1 | 2
  /** The chain's starting value (the first line's seed). */
  readonly seed: number
  /** Checksum of the last valid record (the seed when there is none): where the chain goes on. */
  readonly endChecksum: number
  readonly records: number
  /** Byte length of the valid prefix. */
  readonly validBytes: number
  readonly tornTail?: TornTail
  /** Offset of a session end record, when the journal has one. */
  readonly endRecordAt?: number
}

export interface ScanOptions {
  /** The chain value the file must start from (a later segment: the previous one's end checksum). */
  readonly seed?: number
  /** Bytes read at a time (default 4 MiB). */
  readonly chunkBytes?: number
  /** Names the file in messages (default the path). */
  readonly name?: string
}

const DEFAULT_CHUNK = 4 * 1024 * 1024

export class JournalScanner {
  private readonly fd: number
  private readonly size: number
  private readonly name: string
  private buf: Buffer
  /** File offset of buf[0]; bytes of buf that hold data. */
  private bufAt = 0
  private bufLen = 0
  /** Next unread byte of buf; file offset read up to. */
  private pos = 0
  private readTo = 0
  private batch: JournalRecord[] = []
  private batchAt = 0
  private version: 1 | 2 | 0 = 0
  private seed = 0
  private prev = 0
  private count = 0
  private torn: TornTail | undefined
  private endAt: number | undefined
  private finished = false
  private closed = false

  constructor(readonly path: string, private readonly opts: ScanOptions = {}) {
    this.name = opts.name ?? path
    this.fd = openSync(path, 'r')
    this.size = fstatSync(this.fd).size
    this.buf = Buffer.allocUnsafe(Math.min(opts.chunkBytes ?? DEFAULT_CHUNK, Math.max(this.size, 64)))
  }

  /** The next record, or undefined at the end (then `end` tells what the scan found). */
  next(): JournalRecord | undefined {
    while (this.batchAt >= this.batch.length) {
      if (this.finished) return undefined
      this.batch.length = 0
      this.batchAt = 0
      this.fill()
    }
    return this.batch[this.batchAt++]
  }

  /** Up to the whole remaining batch of decoded records (fast path for bulk readers); empty at the end. */
  nextBatch(): readonly JournalRecord[] {
    while (this.batchAt >= this.batch.length) {
      if (this.finished) return []
      this.batch = []
      this.batchAt = 0
      this.fill()
    }
    const out = this.batchAt === 0 ? this.batch : this.batch.slice(this.batchAt)
    this.batch = []
    this.batchAt = 0
    return out
  }

  get end(): ScanEnd {
    if (!this.finished) throw new Error('JournalScanner.end read before the scan finished')
    return {
      version: this.version === 0 ? 2 : this.version,
      seed: this.seed,
      endChecksum: this.prev,
      records: this.count,
      validBytes: this.torn ? this.torn.offset : this.size,
      ...(this.torn ? {tornTail: this.torn} : {}),
      ...(this.endAt !== undefined ? {endRecordAt: this.endAt} : {}),
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    closeSync(this.fd)
  }

  /** Reads on until at least one record is decoded or the file ends. */
  private fill(): void {
    for (;;) {
      if (this.version === 0) this.start()
      if (this.finished) return
      this.decodeLines()
      if (this.batch.length > 0 || this.finished) return
    }
  }

  /** Makes sure buf holds the bytes from `pos` plus at least one more chunk (or the rest of the file); false at EOF. */
  private more(): boolean {
    if (this.readTo >= this.size) return false
    const keep = this.bufLen - this.pos
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.bufLen)
      this.bufAt += this.pos
      this.bufLen = keep
      this.pos = 0
    }
    if (this.bufLen === this.buf.length) {
      // A line longer than the buffer: grow it.
      const bigger = Buffer.allocUnsafe(this.buf.length * 2)
      this.buf.copy(bigger, 0, 0, this.bufLen)
      this.buf = bigger
    }
    const want = Math.min(this.buf.length - this.bufLen, this.size - this.readTo)
    let got = 0
    while (got < want) {
      const n = readSync(this.fd, this.buf, this.bufLen + got, want - got, this.readTo + got)
      if (n === 0) break
      got += n
    }
    this.bufLen += got
    this.readTo += got
    if (got < want) this.readTo = this.size // the file shrank under us: what is there is all there is
    return got > 0
  }

  /** Reads the first line: the version 2 seed, or a version 1 file's first frame. */
  private start(): void {
    while (this.bufLen < MAGIC_LINE_BYTES + 1 && this.more()) {
      // reading up to the first line's length
    }
    const b = this.buf
    const expected = this.opts.seed
    if (this.size === 0) {
      this.version = 2
      this.seed = this.prev = expected ?? 0
      return this.finish()
    }
    const seed = magicSeed(b, 0, this.bufLen)
    if (seed >= 0) {
      this.version = 2
      this.seed = this.prev = seed
      this.pos = MAGIC_LINE_BYTES
      if (expected !== undefined && seed !== expected) {
        throw new JournalCorruptError(this.name, 0, `the segment starts the checksum chain from ${seed.toString(16)}, the previous segment ended at ${expected.toString(16)} (a segment is missing, reordered or from another journal)`, 'restore the journal directory from a backup')
      }
      return
    }
    let nl = b.indexOf(0x0a, 0)
    while ((nl < 0 || nl >= this.bufLen) && this.more()) nl = this.buf.indexOf(0x0a, 0)
    const first = this.buf
    if (nl < 0 || nl >= this.bufLen) {
      // One line without a newline: a journal torn while writing its first line, or some other file.
      if (!couldBeTornStart(first.subarray(0, this.bufLen))) throw new NotAJournalError(this.name, 'its first line is not a journal line')
      this.version = 2
      this.seed = this.prev = expected ?? 0
      this.torn = {offset: 0, bytes: this.size, reason: 'incomplete first line (no newline)'}
      return this.finish()
    }
    if (expected !== undefined) throw new JournalCorruptError(this.name, 0, "a segment must start with the journal's first line", 'restore the journal directory from a backup')
    // A version 1 journal starts straight with a frame.
    if (frameChecksum(first, 0, nl) < 0 || first[9] !== 0x7b) throw new NotAJournalError(this.name, 'its first line is not a journal line')
    this.version = 1
  }

  /** Decodes every complete line in buf into the batch; reads more when none is complete. */
  private decodeLines(): void {
    const b = this.buf
    const nl = b.indexOf(0x0a, this.pos)
    if (nl < 0 || nl >= this.bufLen) {
      if (!this.more()) return this.tail()
      return
    }
    const lastNl = b.lastIndexOf(0x0a, this.bufLen - 1)
    // Decoded once per chunk when ASCII (journals usually are: JSON escapes nothing else); each line is then a
    // slice of that string, checksummed and parsed as it is.
    if (isAscii(b.subarray(this.pos, lastNl))) this.decodeAscii(b.toString('latin1', this.pos, lastNl + 1))
    else this.decodeBytes(lastNl)
  }

  /** `text`: the chunk from `pos` through its last newline, one byte per character. */
  private decodeAscii(text: string): void {
    const base = this.pos
    const chained = this.version === 2
    let i = 0
    while (i < text.length) {
      const nl = text.indexOf('\n', i)
      const sum = frameChecksum(this.buf, base + i, base + nl)
      const json = text.slice(i + 9, nl)
      if (sum < 0) return this.badLine(this.bufAt + base + i, base + nl, 'malformed line (no checksum)')
      if (crc32(json, chained ? this.prev : 0) !== sum) return this.badLine(this.bufAt + base + i, base + nl, this.mismatch())
      const bad = this.accept(json, this.bufAt + base + i, sum)
      if (bad !== undefined) return this.badLine(this.bufAt + base + i, base + nl, bad)
      i = nl + 1
      this.pos = base + i
    }
  }

  /** The chunk has non-ASCII bytes: each line decoded as UTF-8 on its own (the checksum is over the bytes). */
  private decodeBytes(lastNl: number): void {
    const b = this.buf
    const chained = this.version === 2
    while (this.pos <= lastNl) {
      const at = this.pos
      const nl = b.indexOf(0x0a, at)
      const sum = frameChecksum(b, at, nl)
      if (sum < 0) return this.badLine(this.bufAt + at, nl, 'malformed line (no checksum)')
      if (crc32(b.subarray(at + 9, nl), chained ? this.prev : 0) !== sum) return this.badLine(this.bufAt + at, nl, this.mismatch())
      const bad = this.accept(b.toString('utf8', at + 9, nl), this.bufAt + at, sum)
      if (bad !== undefined) return this.badLine(this.bufAt + at, nl, bad)
      this.pos = nl + 1
    }
  }

  private mismatch(): string {
    return this.version === 2 ? 'checksum mismatch (this record was changed, or the one before it was rewritten)' : 'checksum mismatch'
  }

  /** Parses a line whose checksum holds; returns what is wrong with it, if anything. */
  private accept(json: string, offset: number, sum: number): string | undefined {
    let rec: JournalRecord
    try {
      rec = JSON.parse(json) as JournalRecord
    } catch {
      return 'unparseable record'
    }
    if (typeof rec !== 'object' || rec === null || typeof rec.t !== 'number' || typeof rec.type !== 'string') return 'not a journal record (needs t and type)'
    if (this.endAt !== undefined) throw this.afterEnd(offset)
    if (END_RECORD_TYPES.has(rec.type)) this.endAt = offset
    this.batch.push(rec)
    this.count++
    this.prev = sum
    return undefined
  }

  /** A bad line: the torn tail when it is the file's last, corruption otherwise. */
  private badLine(offset: number, nl: number, reason: string): void {
    const lineEnd = this.bufAt + nl + 1
    if (lineEnd < this.size) throw new JournalCorruptError(this.name, offset, `${reason}, and ${this.size - lineEnd} bytes of records follow it`)
    if (this.endAt !== undefined) throw this.afterEnd(offset)
    this.torn = {offset, bytes: this.size - offset, reason}
    this.finish()
  }

  /** The file ends: the bytes after the last newline, if any, are an incomplete record. */
  private tail(): void {
    const rest = this.bufLen - this.pos
    if (rest > 0) {
      const offset = this.bufAt + this.pos
      if (this.endAt !== undefined) throw this.afterEnd(offset)
      this.torn = {offset, bytes: rest, reason: 'incomplete last record (no newline)'}
    }
    this.finish()
  }

  private afterEnd(offset: number): JournalCorruptError {
    return new JournalCorruptError(this.name, offset, `data after the session's end record (at byte ${this.endAt})`, `the session ended at byte ${this.endAt}; remove what follows it only if you know where it came from`)
  }

  private finish(): void {
    this.finished = true
    this.close()
  }
}
