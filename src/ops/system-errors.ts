/**
 * Node's own errors about files and ports (EISDIR, ENOENT, EEXIST, EACCES, EADDRINUSE, …) are about something the
 * user gave — a path, a port — not bugs. One mapping turns each into a one-line message saying what is wrong, where
 * (the flag or argument that named it, when the command line did) and how to fix it, instead of patching every
 * place that opens a file or a port. Node's text ("EISDIR: illegal operation on a directory, read") never reaches
 * the user.
 */
import {statSync} from 'node:fs'
import {resolve} from 'node:path'

/** What a system error carries (node:fs, node:net). */
interface SystemError {
  readonly code: string
  readonly syscall?: string
  readonly path?: string
  readonly dest?: string
  readonly port?: number
  readonly address?: string
}

const PATH_CODES = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENAMETOOLONG', 'ELOOP'])
const PORT_CODES = new Set(['EADDRINUSE', 'EADDRNOTAVAIL'])

/** The system error behind `err` (itself or along its `cause` chain), if it is one this module explains. */
export function systemErrorOf(err: unknown): SystemError | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as {cause?: unknown}).cause, depth++) {
    const code = (e as {code?: unknown}).code
    if (typeof code === 'string' && (PATH_CODES.has(code) || PORT_CODES.has(code))) return e as SystemError
  }
  return undefined
}

/**
 * Where a value came from on the command line: `--out x` / `--out=x` give `--out x`, a positional argument gives
 * the value alone. `matches` decides which value is meant.
 */
function fromArgv(argv: readonly string[], matches: (value: string) => boolean): {flag?: string; value: string} | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    const eq = token.startsWith('--') ? token.indexOf('=') : -1
    if (eq > 0 && matches(token.slice(eq + 1))) return {flag: token.slice(0, eq), value: token.slice(eq + 1)}
    if (token.startsWith('-')) continue
    if (matches(token)) {
      const prev = argv[i - 1]
      return prev?.startsWith('-') && !prev.includes('=') ? {flag: prev, value: token} : {value: token}
    }
  }
  return undefined
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/**
 * The one-line message for a system error, or undefined when `err` is not one. `argv` is the command's own argument
 * list (to name the flag), `cwd` resolves relative values.
 */
export function describeSystemError(err: unknown, argv: readonly string[], cwd = process.cwd()): string | undefined {
  const e = systemErrorOf(err)
  if (!e) return undefined
  if (PORT_CODES.has(e.code)) {
    const port = e.port
    const given = port === undefined ? undefined : fromArgv(argv, (v) => v === String(port))
    const where = given?.flag ? `${given.flag} ${port}` : `port ${port ?? '?'}`
    if (e.code === 'EADDRINUSE') return `${where}: the port is already in use on ${e.address ?? 'this machine'} (another process listens there); choose another port, or 0 for any free one`
    return `${where}: address ${e.address ?? '?'} is not available on this machine; use 127.0.0.1 or choose another port`
  }
  // A read of a directory by descriptor (readFileSync) names no path: the command line's directory is the culprit.
  const path = e.path ?? (e.code === 'EISDIR' ? fromArgv(argv, (v) => isDirectory(resolve(cwd, v)))?.value : undefined)
  // The value Node named, or one above or below it (mkdir of a --journal's directory, a file inside an --out).
  const related = (v: string): boolean => {
    const a = resolve(cwd, v)
    const b = resolve(cwd, path!)
    return a === b || b.startsWith(a + '/') || a.startsWith(b + '/')
  }
  const given = path === undefined ? undefined : fromArgv(argv, related)
  const where = given?.flag ? `${given.flag} ${given.value}` : (given?.value ?? path ?? 'a path given')
  const inner = path !== undefined && given && resolve(cwd, path) !== resolve(cwd, given.value) ? ` (${path})` : ''
  switch (e.code) {
    case 'ENOENT':
      return `${where}${inner}: no such file or directory (relative to ${cwd}); check the path`
    case 'EISDIR':
      return `${where}${inner}: is a directory, where a file is expected; give the path of a file`
    case 'ENOTDIR':
      return `${where}${inner}: a part of the path is a file, not a directory; check the path`
    case 'EEXIST':
      return e.syscall === 'mkdir'
        ? `${where}${inner}: exists and is not a directory; give a directory (new or existing), or move the file away`
        : `${where}${inner}: already exists; choose another path or remove it`
    case 'EACCES':
    case 'EPERM':
      return `${where}${inner}: permission denied; check the permissions of the path and its directories, or choose another path`
    case 'EROFS':
      return `${where}${inner}: the file system is read-only; choose a writable path`
    case 'ENOSPC':
      return `${where}${inner}: no space left on the device; free some space or choose another path`
    case 'ENAMETOOLONG':
      return `${where}: the path is too long; choose a shorter one`
    default:
      return `${where}${inner}: too many levels of symbolic links; check the links on the path`
  }
}
