/**
 * The end of a journal file, read from the end: whether a session's journal closes with its end record is known
 * from a few kilobytes, before a replay loads the whole file (a killed session's journal of 88 MB took 82 s to be
 * refused before). Only a hint for messages: the replay itself reads and checks every record.
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import type {JournalRecord} from '../engine/journal.js'

export interface JournalTail {
  /** The last complete line that parses as a record; undefined when none was found near the end. */
  readonly last?: JournalRecord
  /** Bytes after the last newline (an incomplete last line). */
  readonly tornBytes: number
}

/** How far back from the end a complete record is looked for. */
const MAX_BACK = 4 * 1024 * 1024

export function readJournalTail(path: string): JournalTail {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    let chunk = 64 * 1024
    for (;;) {
      const from = Math.max(0, size - chunk)
      const buf = Buffer.allocUnsafe(size - from)
      const n = readSync(fd, buf, 0, buf.length, from)
      const text = buf.subarray(0, n)
      const lastNl = text.lastIndexOf(0x0a)
      const tornBytes = lastNl < 0 ? n : n - lastNl - 1
      // Complete lines, newest first; the first may be cut by the window (unless the window starts the file).
      let endAt = lastNl
      while (endAt >= 0) {
        const prev = endAt > 0 ? text.lastIndexOf(0x0a, endAt - 1) : -1
        if (prev < 0 && from > 0) break
        const rec = parseLine(text.toString('utf8', prev + 1, endAt))
        if (rec) return {last: rec, tornBytes}
        endAt = prev
      }
      if (from === 0 || chunk >= MAX_BACK) return {tornBytes}
      chunk *= 4
    }
  } finally {
    closeSync(fd)
  }
}

/** `<checksum> <JSON>`: the record when the JSON parses to one (the checksum is the full reader's to check). */
function parseLine(line: string): JournalRecord | undefined {
  const space = line.indexOf(' ')
  if (space < 0) return undefined
  try {
    const r = JSON.parse(line.slice(space + 1)) as Partial<JournalRecord>
    return typeof r === 'object' && r !== null && typeof r.type === 'string' && typeof r.t === 'number' ? (r as JournalRecord) : undefined
  } catch {
    return undefined
  }
}
