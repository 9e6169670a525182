/**
 * Output directories named on the command line are checked before a run starts, so a path that can never be
 * written (a file where a directory is wanted) is refused in one line at once, not after a long run.
 */
import {statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {UserInputError} from '../core/errors.js'

/** Refuses `path` (given by `flag`) when it, or a directory above it, is an existing file. */
export function checkOutputDirectory(flag: string, path: string | undefined): void {
  if (path === undefined) return
  for (let p = resolve(path); ; p = dirname(p)) {
    let isFile = false
    try {
      isFile = !statSync(p).isDirectory()
    } catch {
      // Not there (yet): created by the run.
    }
    if (isFile) {
      const what = p === resolve(path) ? 'is a file' : `is under ${p}, which is a file`
      throw new UserInputError(`${flag} ${path}: ${what}, not a directory; give a directory (new or existing), or move the file away`)
    }
    if (dirname(p) === p) return
  }
}
