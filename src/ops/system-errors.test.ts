import {mkdtempSync, rmSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {describeSystemError} from './system-errors.js'

const cwd = mkdtempSync(join(tmpdir(), 'trader-syserr-'))
mkdirSync(join(cwd, 'd'))
afterAll(() => rmSync(cwd, {recursive: true, force: true}))

const sys = (code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(`${code}: node text`), {code, ...extra})

describe('describeSystemError', () => {
  it('names the flag that gave the path, in either spelling, or the argument alone', () => {
    expect(describeSystemError(sys('EEXIST', {syscall: 'mkdir', path: 'out.txt'}), ['--out', 'out.txt'], cwd)).toBe(
      '--out out.txt: exists and is not a directory; give a directory (new or existing), or move the file away',
    )
    expect(describeSystemError(sys('ENOENT', {path: 'x.csv'}), ['--file=x.csv'], cwd)).toMatch(/^--file x\.csv: no such file or directory \(relative to .*\); check the path$/)
    expect(describeSystemError(sys('EACCES', {path: 'j/sub'}), ['--journal', 'j/sub/run.journal'], cwd)).toBe(
      '--journal j/sub/run.journal (j/sub): permission denied; check the permissions of the path and its directories, or choose another path',
    )
    expect(describeSystemError(sys('ENOTDIR', {path: 'a/b'}), ['a/b'], cwd)).toBe('a/b: a part of the path is a file, not a directory; check the path')
  })

  it('a directory read by descriptor (no path in the error): the directory on the command line', () => {
    expect(describeSystemError(sys('EISDIR', {syscall: 'read'}), ['inspect', 'd'], cwd)).toBe('d: is a directory, where a file is expected; give the path of a file')
  })

  it('ports, causes, and errors that are not about a path or port', () => {
    expect(describeSystemError(sys('EADDRINUSE', {port: 9464, address: '127.0.0.1'}), ['--health-port', '9464'], cwd)).toBe(
      '--health-port 9464: the port is already in use on 127.0.0.1 (another process listens there); choose another port, or 0 for any free one',
    )
    expect(describeSystemError(new Error('wrapped', {cause: sys('ENOSPC', {path: 'o'})}), [], cwd)).toBe('o: no space left on the device; free some space or choose another path')
    expect(describeSystemError(new TypeError('x is undefined'), [], cwd)).toBeUndefined()
    expect(describeSystemError(sys('ERR_MODULE_NOT_FOUND'), [], cwd)).toBeUndefined()
  })
})
