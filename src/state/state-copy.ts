/**
 * Copies of a strategy's state files, as data: taken when a session starts (its journal records what it started
 * from) and written into a replay's own scratch directory, so a replay starts where the recording started and never
 * opens an account's live files. Plain files of one directory only; names are checked by the caller's schema.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {isUtf8} from 'node:buffer'
import {join} from 'node:path'
import {ensurePrivateDir, FILE_MODE} from './atomic-file.js'

export interface StateFileCopy {
  readonly name: string
  /** utf8 for text (state files are JSON or framed JSON lines), base64 for anything else. */
  readonly encoding: 'utf8' | 'base64'
  readonly data: string
}

/** The files of `dir` that `owns` names, sorted by name; none when the directory does not exist yet. */
export function copyStateFiles(dir: string, owns: (name: string) => boolean): StateFileCopy[] {
  if (!existsSync(dir)) return []
  const out: StateFileCopy[] = []
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    if (!e.isFile() || !owns(e.name)) continue
    const bytes = readFileSync(join(dir, e.name))
    out.push(isUtf8(bytes) ? {name: e.name, encoding: 'utf8', data: bytes.toString('utf8')} : {name: e.name, encoding: 'base64', data: bytes.toString('base64')})
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Writes the copies into `dir` (created 0700; files 0600), byte for byte as they were. */
export function writeStateFiles(dir: string, files: readonly StateFileCopy[]): void {
  ensurePrivateDir(dir)
  for (const f of files) writeFileSync(join(dir, f.name), Buffer.from(f.data, f.encoding), {mode: FILE_MODE})
}
