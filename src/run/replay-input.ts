/** Tells a session journal from a scenario file: by extension, else by the first line's checksum frame. */
import {closeSync, openSync, readSync} from 'node:fs'

const JOURNAL_EXT = /\.(journal|jsonl)$/i

export function isJournalFile(path: string): boolean {
  if (JOURNAL_EXT.test(path)) return true
  if (path.toLowerCase().endsWith('.json')) return false
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(16)
    const n = readSync(fd, buf, 0, 16, 0)
    // A journal starts with its format line (version 2), or straight with a frame: 8 hex digits of CRC-32, a space
    // and the record's JSON (version 1).
    const head = buf.toString('utf8', 0, n)
    return head.startsWith('#trader-journal ') || /^[0-9a-f]{8} \{/.test(head)
  } finally {
    closeSync(fd)
  }
}
