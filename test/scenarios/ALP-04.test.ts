/**
 * ALP-04: a session started by hand (not by a supervisor) is found by `trader status` through its lock file and
 * health endpoint; a lock left by a killed process shows as stale and is reclaimed by the next start.
 * The test asserts that after kill -9 the lock file still names the dead pid, so a status that trusted lock files
 * alone (the old supervisor's way) would report the killed session as running; only the pid check tells.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {acquireLock, readLock} from '../../src/state/instance-lock.js'

const ROOT = resolve(import.meta.dirname, '../..')
const stateDir = mkdtempSync(join(tmpdir(), 'trader-alp04-'))
let child: ChildProcess | undefined
afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(stateDir, {recursive: true, force: true})
})

/** A session "started by hand": takes the account lock, serves /health, and waits. */
const SESSION = `
import {acquireLock} from ${JSON.stringify(join(ROOT, 'src/state/instance-lock.ts'))}
import {serveHealth} from ${JSON.stringify(join(ROOT, 'src/ops/health-server.ts'))}
import {Registry} from 'prom-client'
const server = await serveHealth({port: 0, registry: new Registry(), readiness: () => ({ready: true})})
acquireLock(process.argv[1], 'by-hand', new Date(0), process.pid, {healthPort: server.port, label: 'sma-cross paper'})
console.log('up')
setInterval(() => {}, 1000)
`

function status(): {account: string; state: string; healthy?: boolean; ready?: boolean}[] {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'status', '--json', '--state-dir', stateDir], {encoding: 'utf8', env: {...process.env, NODE_ENV: 'production'}})
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout).sessions
}

describe('ALP-04: sessions are found however started; stale locks are detected and reclaimed', () => {
  it('finds the running session with its health, then shows it stale once killed, and the next start reclaims it', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SESSION, stateDir], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']})
    await new Promise<void>((ok, fail) => {
      child!.stdout!.on('data', (d: Buffer) => d.toString().includes('up') && ok())
      child!.on('exit', (code) => fail(new Error(`session exited early with ${code}`)))
    })
    expect(status()).toEqual([expect.objectContaining({account: 'by-hand', state: 'running', healthy: true, ready: true})])
    // A second start for the same account is refused while the first lives.
    expect(() => acquireLock(stateDir, 'by-hand', new Date(0))).toThrow(/already run by pid/)

    const pid = child.pid!
    child.kill('SIGKILL')
    await new Promise((r) => child!.on('exit', r))
    child = undefined
    // The lock file is still there (kill -9 runs no cleanup), but the owner is gone.
    expect(readLock(join(stateDir, 'by-hand.lock'))?.pid).toBe(pid)
    expect(status()).toEqual([expect.objectContaining({account: 'by-hand', state: 'stale'})])

    const next = acquireLock(stateDir, 'by-hand', new Date(0))
    expect(next.reclaimed?.pid).toBe(pid)
    expect(next.info.epoch).toBe(2)
    expect(status()).toEqual([expect.objectContaining({account: 'by-hand', state: 'running'})])
    next.release()
    expect(status()).toEqual([])
  })
})
