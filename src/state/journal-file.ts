/**
 * The session journal on disk: append-only, one record per line, each line framed as
 *
 *     <crc32 of the JSON, 8 hex digits> <JSON of the record>\n
 *
 * so a torn or corrupted tail (a crash mid-write) is detected by a missing newline or a checksum mismatch and cut
 * on recovery, keeping every complete record before it. Records that must be durable before their effect leaves
 * the process (an order's intent before its request) are written with `sync`; others are batched.
 */
import {closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, writeSync} from 'node:fs'
import {isAscii} from 'node:buffer'
import {dirname} from 'node:path'
import {crc32} from 'node:zlib'
import type {JournalRecord, JournalSink} from '../engine/journal.js'
import {ensurePrivateDir, FILE_MODE, fsyncDir} from './atomic-file.js'

export class JournalFileError extends Error {
  override readonly name = 'JournalFileError'
}

/** Record types whose line must be on disk before anything else happens (DESIGN property 4). */
const SYNC_TYPES: ReadonlySet<string> = new Set(['intent', 'cancel_intent', 'state', 'lock'])

export function frameRecord(record: JournalRecord): string {
  const json = JSON.stringify(record)
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`
}

export interface JournalReadResult {
  readonly records: JournalRecord[]
  /** Byte length of the valid prefix. */
  readonly validBytes: number
  /** Present when the file ends in an incomplete or corrupt record. */
  readonly tornTail?: {readonly offset: number; readonly bytes: number; readonly reason: string}
}

/** Value of each byte as a lowercase hex digit, -1 for any other byte (the frame's checksum is 8 lowercase hex digits). */
const HEX = new Int8Array(256).fill(-1)
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i

/** The checksum written at `at` (8 lowercase hex digits, then a space), or -1 when the frame is malformed. */
function frameChecksum(buf: Buffer, at: number, end: number): number {
  if (end - at < 9 || buf[at + 8] !== 0x20) return -1
  let v = 0
  for (let i = at; i < at + 8; i++) {
    const d = HEX[buf[i]]
    if (d < 0) return -1
    v = v * 16 + d
  }
  return v
}

/** Largest file decoded as one string (V8 strings stop short of 2^29 characters). */
const MAX_ONE_STRING = 256 * 1024 * 1024

/**
 * Reads every complete, checksum-valid record; stops at the first bad one (everything after it is the torn tail).
 * The checksum is taken over the line's bytes as they are on disk (the UTF-8 of the JSON the writer framed), so a
 * line is decoded to a string once, for JSON.parse.
 */
export function readJournal(path: string): JournalReadResult {
  const buf = readFileSync(path)
  const records: JournalRecord[] = []
  // An ASCII file (journals usually are: JSON escapes nothing else) is decoded once, and each line is a slice of
  // that string, where decoding line by line would allocate and copy every line again.
  const text = buf.length <= MAX_ONE_STRING && isAscii(buf) ? buf.toString('latin1') : undefined
  let offset = 0
  while (offset < buf.length) {
    const nl = buf.indexOf(0x0a, offset)
    if (nl < 0) return {records, validBytes: offset, tornTail: {offset, bytes: buf.length - offset, reason: 'incomplete last record (no newline)'}}
    const sum = frameChecksum(buf, offset, nl)
    if (sum < 0 || crc32(buf.subarray(offset + 9, nl)) !== sum) {
      return {records, validBytes: offset, tornTail: {offset, bytes: buf.length - offset, reason: 'checksum mismatch'}}
    }
    let rec: JournalRecord
    try {
      rec = JSON.parse(text === undefined ? buf.toString('utf8', offset + 9, nl) : text.slice(offset + 9, nl)) as JournalRecord
    } catch {
      return {records, validBytes: offset, tornTail: {offset, bytes: buf.length - offset, reason: 'unparseable record'}}
    }
    records.push(rec)
    offset = nl + 1
  }
  return {records, validBytes: offset}
}

/**
 * The first `count` complete, checksum-valid records, reading only as much of the file as they take (telling a
 * journal's kind by its header without loading the whole file).
 */
export function readJournalHead(path: string, count = 1): JournalRecord[] {
  const fd = openSync(path, 'r')
  try {
    const records: JournalRecord[] = []
    let buf = Buffer.alloc(0)
    let chunk = 64 * 1024
    let pos = 0
    let offset = 0
    while (records.length < count) {
      const nl = buf.indexOf(0x0a, offset)
      if (nl < 0) {
        const more = Buffer.allocUnsafe(chunk)
        const n = readSync(fd, more, 0, chunk, pos)
        if (n === 0) break
        pos += n
        buf = Buffer.concat([buf.subarray(offset), more.subarray(0, n)])
        offset = 0
        chunk *= 2
        continue
      }
      const sum = frameChecksum(buf, offset, nl)
      if (sum < 0 || crc32(buf.subarray(offset + 9, nl)) !== sum) break
      try {
        records.push(JSON.parse(buf.toString('utf8', offset + 9, nl)) as JournalRecord)
      } catch {
        break
      }
      offset = nl + 1
    }
    return records
  } finally {
    closeSync(fd)
  }
}

/**
 * An open journal file. Opening recovers it first: a torn tail is cut (truncate + fsync) and reported, so the
 * writer always appends after the last good record.
 */
export class JournalFile implements JournalSink {
  private readonly fd: number
  private pending = ''
  /** Bytes in the file: the next record is written here. */
  private size: number
  readonly recovered: JournalReadResult

  constructor(readonly path: string, private readonly opts: {batchBytes?: number} = {}) {
    ensurePrivateDir(dirname(path))
    const existed = existsSync(path)
    this.recovered = existed ? readJournal(path) : {records: [], validBytes: 0}
    this.fd = openSync(path, existed ? 'r+' : 'a+', FILE_MODE)
    if (this.recovered.tornTail) {
      ftruncateSync(this.fd, this.recovered.validBytes)
      fsyncSync(this.fd)
    }
    if (!existed) fsyncDir(dirname(path))
    this.size = this.recovered.validBytes
  }

  append(record: JournalRecord): void {
    this.pending += frameRecord(record)
    if (SYNC_TYPES.has(record.type)) this.sync()
    else if (this.pending.length >= (this.opts.batchBytes ?? 64 * 1024)) this.flush()
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
    this.sync()
    closeSync(this.fd)
  }
}

export function assertJournal(path: string): void {
  if (!existsSync(path)) throw new JournalFileError(`journal ${path} does not exist; check the path`)
}
