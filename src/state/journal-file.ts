/**
 * The session journal on disk: append-only, one record per line, each line framed as
 *
 *     <crc32 of the JSON, 8 hex digits> <JSON of the record>\n
 *
 * so a torn or corrupted tail (a crash mid-write) is detected by a missing newline or a checksum mismatch and cut
 * on recovery, keeping every complete record before it. Records that must be durable before their effect leaves
 * the process (an order's intent before its request) are written with `sync`; others are batched.
 */
import {closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync} from 'node:fs'
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

/** Reads every complete, checksum-valid record; stops at the first bad one (everything after it is the torn tail). */
export function readJournal(path: string): JournalReadResult {
  const buf = readFileSync(path)
  const records: JournalRecord[] = []
  let offset = 0
  while (offset < buf.length) {
    const nl = buf.indexOf(0x0a, offset)
    if (nl < 0) return {records, validBytes: offset, tornTail: {offset, bytes: buf.length - offset, reason: 'incomplete last record (no newline)'}}
    const line = buf.toString('utf8', offset, nl)
    const space = line.indexOf(' ')
    const json = space === 8 ? line.slice(9) : ''
    if (space !== 8 || crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) {
      return {records, validBytes: offset, tornTail: {offset, bytes: buf.length - offset, reason: 'checksum mismatch'}}
    }
    let rec: JournalRecord
    try {
      rec = JSON.parse(json) as JournalRecord
    } catch {
      return {records, validBytes: offset, tornTail: {offset, bytes: buf.length - offset, reason: 'unparseable record'}}
    }
    records.push(rec)
    offset = nl + 1
  }
  return {records, validBytes: offset}
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
