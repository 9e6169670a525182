/**
 * RISK-02 (and ALP-10): one process per account. A second PROCESS for the same account refuses to start with a
 * clear message naming the owner; a SIGKILLed owner leaves no orphan and no lock that blocks the next start, which
 * reclaims the stale lock with the next fencing epoch and recovers the state the dead one committed.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {pidAlive} from '../../src/state/instance-lock.js'

const CHILD = resolve(import.meta.dirname, '../crash/lock-child.ts')
const root = mkdtempSync(join(tmpdir(), 'trader-risk02-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  rmSync(root, {recursive: true, force: true})
})

interface Started {
  readonly child: ChildProcess
  readonly out?: {pid: number; epoch: number; reclaimed: number | null; recoveredSeq: number; starts: number}
  readonly code?: number | null
  readonly stderr: string
}

function start(dir: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {stdio: ['ignore', 'pipe', 'pipe']})
  children.push(child)
  let stdout = ''
  let stderr = ''
  return new Promise((res) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (stdout.includes('\n')) res({child, out: JSON.parse(stdout), stderr})
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => res({child, code, stderr}))
  })
}

const killed = (c: ChildProcess): Promise<void> => new Promise((res) => {
  c.on('exit', () => res())
  c.kill('SIGKILL')
})

describe('RISK-02 / ALP-10: one process per account; a crash blocks nothing', () => {
  it('a second process refuses with a clear message; after a SIGKILL the next start reclaims and recovers', async () => {
    const dir = join(root, 'acct')
    const a = await start(dir)
    expect(a.out).toMatchObject({epoch: 1, reclaimed: null, recoveredSeq: 0, starts: 1})
    const b = await start(dir)
    expect(b.code).toBe(1)
    expect(b.stderr).toMatch(new RegExp(`account acct is already run by pid ${a.out!.pid} \\(epoch 1`))
    await killed(a.child)
    expect(pidAlive(a.out!.pid)).toBe(false) // no orphan
    const c = await start(dir)
    expect(c.out).toMatchObject({epoch: 2, reclaimed: a.out!.pid, recoveredSeq: 1, starts: 2})
    await killed(c.child)
  }, 30_000)
})
