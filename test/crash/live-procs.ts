/**
 * Child processes of the live crash test: the exchange emulator (`trader exchange serve`, which outlives every
 * client) and `trader paper` sessions, started the way a user starts them (the built CLI, bin/run.js). Every wait
 * is bounded; readiness is the session's own health endpoint (`--health-port 0`, printed on stderr; `/ready`).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {join, resolve} from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/run.js')
const KEY_VARS = ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY', 'ALPACA_API_KEY_ID', 'ALPACA_API_SECRET_KEY', 'BYBIT_API_KEY', 'BYBIT_API_SECRET']

/** The environment of a child: no inherited keys, everything under `home`. */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = {...process.env}
  for (const k of KEY_VARS) delete clean[k]
  return {...clean, NODE_ENV: 'production', NO_COLOR: '1', TRADER_HOME: home, TRADER_DATA_DB: join(home, 'market.duckdb'), ...extra}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Resolves when `test` is true, polling every `everyMs`; rejects with `what` after `timeoutMs`. */
export async function until(test: () => boolean | Promise<boolean>, what: string, timeoutMs: number, everyMs = 40): Promise<void> {
  const end = performance.now() + timeoutMs
  for (;;) {
    if (await test()) return
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

export interface Emulator {
  readonly url: string
  readonly wsUrl: string
  stats(): Promise<{requests: number; rateLimitViolations: number; byEndpoint: Record<string, number>}>
  stop(): Promise<void>
}

/**
 * `scaledBudget`: run `emulator-child.ts` instead of the command, which counts Alpaca's per-minute budget in venue
 * minutes (see there); otherwise `trader exchange serve` itself.
 */
export async function startEmulator(home: string, args: string[], scaledBudget = false): Promise<Emulator> {
  const argv = scaledBudget ? ['--import', 'tsx', join(ROOT, 'test/crash/emulator-child.ts'), ...args] : [BIN, 'exchange', 'serve', '--json', ...args]
  const proc = spawn(process.execPath, argv, {cwd: scaledBudget ? ROOT : home, env: childEnv(home)})
  let out = ''
  let err = ''
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const exit = new Promise<void>((res) => proc.once('exit', () => res()))
  try {
    await until(() => out.includes('\n') || proc.exitCode !== null, 'the emulator to print its URL', 60_000)
  } catch (e) {
    proc.kill('SIGKILL')
    throw e
  }
  if (!out.includes('\n')) throw new Error(`emulator exited: ${err}`)
  const info = JSON.parse(out.slice(0, out.indexOf('\n'))) as {url: string; wsUrl: string; adminToken: string}
  return {
    url: info.url,
    wsUrl: info.wsUrl,
    stats: async () => (await (await fetch(`${info.url}/__emulator/stats`, {headers: {authorization: `Bearer ${info.adminToken}`}})).json()) as never,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      await Promise.race([exit, sleep(5_000).then(() => proc.kill('SIGKILL'))])
    },
  }
}

export interface Session {
  readonly proc: ChildProcess
  readonly pid: number
  readonly output: () => {stdout: string; stderr: string}
  /** Resolves with exit code and signal. */
  readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** Health URL once printed (the session serves it from before its lock and reconciliation). */
  healthUrl(): string | undefined
}

export function startSession(home: string, args: string[], keys: Record<string, string>): Session {
  const proc = spawn(process.execPath, [BIN, 'paper', ...args], {cwd: home, env: childEnv(home, keys)})
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((res) => proc.once('exit', (code, signal) => res({code, signal})))
  return {
    proc,
    pid: proc.pid!,
    output: () => ({stdout, stderr}),
    exited,
    healthUrl: () => /health: (http:\/\/127\.0\.0\.1:\d+)\/health/.exec(stderr)?.[1],
  }
}

/** Waits until the session answers /ready with 200 (reconciled, connected, trading); returns its /health info. */
export async function waitReady(s: Session, timeoutMs: number): Promise<{epoch: number; pid: number}> {
  let exitedEarly = false
  void s.exited.then(() => (exitedEarly = true))
  await until(async () => {
    if (exitedEarly) throw new Error(`session exited before it was ready: ${s.output().stderr.slice(-2000)}`)
    const url = s.healthUrl()
    if (!url) return false
    try {
      return (await fetch(`${url}/ready`)).status === 200
    } catch {
      return false
    }
  }, 'the session to be ready', timeoutMs)
  return (await (await fetch(`${s.healthUrl()!}/health`)).json()) as {epoch: number; pid: number}
}

/** SIGKILL, then the exit. */
export async function kill9(s: Session): Promise<void> {
  s.proc.kill('SIGKILL')
  await s.exited
}

export interface ReplayResult {
  readonly file: string
  readonly ok: boolean
  readonly failures: readonly string[]
  readonly replay?: {readonly records: number; readonly end?: {readonly index: number; readonly orders: readonly unknown[]; readonly requests: readonly unknown[]; readonly beyond: number}}
}

/** `trader replay --json FILES…` as a user runs it (the built CLI), without blocking the test's event loop. */
export async function replayJournals(home: string, files: readonly string[]): Promise<{code: number | null; results: ReplayResult[]; stderr: string}> {
  const proc = spawn(process.execPath, [BIN, 'replay', '--json', ...files], {cwd: home, env: childEnv(home)})
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((res) => proc.once('exit', (c) => res(c)))
  let results: ReplayResult[] = []
  try {
    results = JSON.parse(stdout) as ReplayResult[]
  } catch {
    // Reported by the caller: no results for the files it gave.
  }
  return {code, results, stderr}
}
