/**
 * Deterministic CSV: RFC 4180 quoting, `String(n)` for numbers, an empty field for null, LF line ends.
 * Files are written to a temp name beside the target (mode 0600) and renamed, so a reader never sees half a file.
 */
import {open, rename, rm} from 'node:fs/promises'

/** A field that needs quotes: it holds a comma, a quote, a CR or a LF (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/

/** A string field; null → empty (read back as NULL), "" → `""` (read back as an empty string). */
export function csvString(s: string | null): string {
  if (s === null) return ''
  if (s === '') return '""'
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvNumber(n: number | null): string {
  return n === null ? '' : String(n)
}

/** Flush to disk every ~1 MiB so a long curve never becomes one giant string. */
const CHUNK_CHARS = 1 << 20

/**
 * Writes `header` then `rows` lines produced by `line(i)`, atomically (temp file + rename), mode 0600.
 */
export async function writeCsvFile(path: string, header: readonly string[], rows: number, line: (i: number) => string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.chmod(0o600) // a stale temp file from a crashed run keeps its old mode on open
    let buf = header.join(',') + '\n'
    for (let i = 0; i < rows; i++) {
      buf += line(i) + '\n'
      if (buf.length >= CHUNK_CHARS) {
        await fh.writeFile(buf) // writes at the current position, all of it
        buf = ''
      }
    }
    await fh.writeFile(buf)
  } catch (err) {
    await fh.close()
    await rm(tmp, {force: true})
    throw err
  }
  await fh.close()
  await rename(tmp, path)
}
