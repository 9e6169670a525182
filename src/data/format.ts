/** Presentation helpers shared by the data commands. */

import {isAbsolute, relative} from 'node:path'

/** "2013-10-04T13:30:00Z": ISO 8601 UTC, without the always-zero milliseconds. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** A path as the user would type it from the current directory. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel
}
