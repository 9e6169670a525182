/**
 * Files that are either the old version or the new one, never a mix (ALP-03, GRID-02): the full recipe —
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the directory so the
 * rename itself survives a crash. Files are created 0600, directories 0700 (OPS-03).
 */
import {closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

export const FILE_MODE = 0o600
export const DIR_MODE = 0o700

/** Creates `dir` (and parents) with mode 0700 where missing. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, {recursive: true, mode: DIR_MODE})
}

/** fsync of a directory, so a rename or a new file in it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

let tempCounter = 0

/** Replaces `path` atomically with `data`. A crash leaves the old file or the new one, plus at most a temp file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path)
  ensurePrivateDir(dir)
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`)
  const fd = openSync(temp, 'w', FILE_MODE)
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(temp, {force: true})
    throw err
  }
  closeSync(fd)
  renameSync(temp, path)
  fsyncDir(dir)
}
