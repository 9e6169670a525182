/** Presentation helpers shared by the data commands. */

import {isAbsolute, relative} from 'node:path'
import {DataImportError, NoDataError, StoreOpenError} from './errors.js'

/** "2013-10-04T13:30:00Z": ISO 8601 UTC, without the always-zero milliseconds. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** A path as the user would type it from the current directory. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel
}

/** Errors that mean bad input (a usage error, exit 2) rather than a bug. */
export function isUserFacingDataError(error: unknown): error is Error {
  return error instanceof DataImportError || error instanceof NoDataError || error instanceof StoreOpenError
}
