/**
 * The built CLI as a user runs it, for the operations scenarios (ALP-09, OPS-02, OPS-07): `bin/run.js` in a child
 * process with NODE_ENV=production and an environment the test controls completely (no TRADER_* or key variables
 * leak in from the machine running the tests), and the local exchange emulator (`trader exchange serve`) as venue.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll} from 'vitest'

export const ROOT = resolve(import.meta.dirname, '../..')
export const BIN = join(ROOT, 'bin/run.js')

/** The emulator's built-in test keys (src/emulator/core/test-credentials.ts): accepted by it, useless anywhere else. */
export const ALPACA_TEST_KEYS = {APCA_API_KEY_ID: 'PKEMULATORTESTKEY001', APCA_API_SECRET_KEY: 'emulatorOnlyTestSecretNotARealAlpacaKey1'}

/** The machine's environment minus everything trader reads, plus `vars`. */
export function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TRADER_|APCA_|ALPACA_|BYBIT_|EMULATOR_)/.test(k) || k === 'HOME') continue
    env[k] = v
  }
  return {...env, NODE_ENV: 'production', NO_COLOR: '1', ...vars}
}

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export function trader(args: readonly string[], opts: {cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {cwd: opts.cwd, env: opts.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

export interface Emulator {
  readonly url: string
  readonly wsUrl: string
  /** POST to an admin route (`fault`, `disconnect`), returning the parsed answer. */
  admin(route: string, body?: unknown): Promise<unknown>
  /** GET /__emulator/stats. */
  stats(): Promise<{rateLimitViolations: number; requests: number; byEndpoint: Record<string, number>}>
  stop(): Promise<number | null>
  /** SIGKILL, for cleanup after a failed test. */
  kill(): void
}

/** A test file's temp directory and the Alpaca emulator it trades against (SPY at 240x, market data under `shared/`). */
export interface SharedEmulator {
  readonly base: string
  /** The market-data store every session of the file uses (`<base>/shared/market.duckdb`). */
  readonly db: string
  /** The running emulator (from the file's beforeAll on). */
  readonly emu: Emulator
}

/** Registers the file's beforeAll / afterAll: one emulator for the whole file, and the temp directory removed after. */
export function sharedAlpacaEmulator(prefix: string): SharedEmulator {
  const base = mkdtempSync(join(tmpdir(), prefix))
  const db = join(base, 'shared', 'market.duckdb')
  let emu: Emulator | undefined
  beforeAll(async () => {
    mkdirSync(join(base, 'shared'))
    emu = await serveEmulator(['--venue', 'alpaca', '--symbols', 'SPY', '--from', '2013-10-07T13:30:00Z', '--speed', '240'], {cwd: base, env: cleanEnv({HOME: join(base, 'shared'), TRADER_DATA_DB: db})})
  }, 180_000)
  afterAll(async () => {
    await emu?.stop()
    rmSync(base, {recursive: true, force: true})
  })
  return {
    base,
    db,
    get emu(): Emulator {
      if (!emu) throw new Error('the emulator is not started yet: use it inside a test')
      return emu
    },
  }
}

/** Starts `trader exchange serve --json …` and waits for its URL line. */
export async function serveEmulator(args: readonly string[], opts: {cwd: string; env: NodeJS.ProcessEnv}): Promise<Emulator> {
  const proc = spawn(process.execPath, [BIN, 'exchange', 'serve', '--json', ...args], {cwd: opts.cwd, env: opts.env})
  let out = ''
  let err = ''
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const line = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`emulator did not start: ${err}`)), 120_000)
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        res(out.slice(0, nl))
      }
    })
    proc.once('exit', (code) => rej(new Error(`emulator exited ${code}: ${err}`)))
  })
  const info = JSON.parse(line) as {url: string; wsUrl: string; adminToken: string}
  const auth = {authorization: `Bearer ${info.adminToken}`}
  return {
    url: info.url,
    wsUrl: info.wsUrl,
    admin: async (route, body) =>
      (await (await fetch(`${info.url}/__emulator/${route}`, {method: 'POST', headers: {...auth, 'content-type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)})).json()) as unknown,
    stats: async () => (await (await fetch(`${info.url}/__emulator/stats`, {headers: auth})).json()) as never,
    kill: () => void proc.kill('SIGKILL'),
    stop: () =>
      new Promise((res) => {
        if (proc.exitCode !== null) return res(proc.exitCode)
        proc.once('exit', (code) => res(code))
        proc.kill('SIGTERM')
      }),
  }
}

/** A CLI process started in the background, with its output so far. */
export interface Background {
  readonly proc: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `re` on stderr. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  exited: Promise<number | null>
}

export function background(args: readonly string[], opts: {cwd: string; env: NodeJS.ProcessEnv}): Background {
  const proc = spawn(process.execPath, [BIN, ...args], {cwd: opts.cwd, env: opts.env})
  let stdout = ''
  let stderr = ''
  const waiting: (() => void)[] = []
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
    for (const w of waiting.splice(0)) w()
  })
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)))
  return {
    proc,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (re, timeoutMs = 120_000) =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no ${re} on stderr within ${timeoutMs} ms: ${stderr}`)), timeoutMs)
        const check = (): void => {
          const m = re.exec(stderr)
          if (m) {
            clearTimeout(timer)
            res(m)
          } else waiting.push(check)
        }
        void exited.then(() => {
          if (!re.exec(stderr)) {
            clearTimeout(timer)
            rej(new Error(`process exited before ${re}: ${stderr}`))
          }
        })
        check()
      }),
  }
}

/** Every file under `root`, recursively (none when it does not exist). */
export function filesUnder(root: string): string[] {
  let names: string[]
  try {
    names = readdirSync(root, {recursive: true, encoding: 'utf8'})
  } catch {
    return []
  }
  return names.map((f) => join(root, f)).filter((f) => statSync(f).isFile())
}

/** The journal path a session printed on stdout. */
export function journalOf(stdout: string): string {
  const m = /^journal: (.+)$/m.exec(stdout)
  if (!m) throw new Error(`no journal line in: ${stdout}`)
  return m[1].trim()
}
