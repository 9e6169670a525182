/**
 * `trader paper` end to end, as a user runs it against the local exchange emulator (`trader exchange serve`), for
 * both venues: real SDK clients over loopback, an accelerated session of a few virtual minutes that trades, then
 * `trader replay` of the journal it wrote, which must reproduce it. Also: start-up checks (ALP-14) as one line with
 * exit code 2, `trader live` without --confirm-live, the emulator's count of rate-limit violations, and a search of
 * everything the sessions wrote (journals, logs, output) for the test keys (ALP-18).
 */
import {spawn, spawnSync} from 'node:child_process'
import {type Emulator, serveEmulator} from '../scenarios/ops-harness.js'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readJournalHead} from '../../src/state/journal-file.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/run.js')
const CREDS = {
  alpaca: {APCA_API_KEY_ID: 'PKEMULATORTESTKEY001', APCA_API_SECRET_KEY: 'emulatorOnlyTestSecretNotARealAlpacaKey1'},
  bybit: {BYBIT_API_KEY: 'EMULATORTESTKEY001', BYBIT_API_SECRET: 'emulatorOnlyTestSecretNotARealBybit1'},
}
const SECRETS = [...Object.values(CREDS.alpaca), ...Object.values(CREDS.bybit)]
let dir: string

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = {...process.env}
  for (const k of ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY', 'ALPACA_API_KEY_ID', 'ALPACA_API_SECRET_KEY', 'BYBIT_API_KEY', 'BYBIT_API_SECRET']) delete clean[k]
  return {...clean, NODE_ENV: 'production', NO_COLOR: '1', TRADER_HOME: join(dir, 'home'), TRADER_DATA_DB: join(dir, 'market.duckdb'), ...extra}
}

function trader(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {cwd: dir, encoding: 'utf8', env: env(extra), timeout: 180_000})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

/** `trader exchange serve` in a child process (test/scenarios/ops-harness.ts), killed after a failed test. */
async function serve(args: string[]): Promise<Emulator> {
  const emu = await serveEmulator(args, {cwd: dir, env: env()})
  cleanup.push(() => emu.kill())
  return emu
}

/** Every file under `root`, recursively. */
function files(root: string): string[] {
  return readdirSync(root, {recursive: true, encoding: 'utf8'}).map((f) => join(root, f)).filter((f) => statSync(f).isFile())
}

function journalLine(stdout: string): string {
  const m = /^journal: (.+)$/m.exec(stdout)
  expect(m, stdout).not.toBeNull()
  return m![1].trim()
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-paper-'))
})

/** Processes a failed test would otherwise leave running. */
const cleanup: (() => void)[] = []

afterAll(() => {
  for (const c of cleanup) c()
  rmSync(dir, {recursive: true, force: true})
})

describe('trader paper against the exchange emulator, then trader replay', () => {
  const outputs: string[] = []

  it('alpaca: sma-cross trades SPY and IBM for 40 session minutes at 240x; the journal replays exactly', async () => {
    const emu = await serve(['--venue', 'alpaca', '--symbols', 'SPY,IBM', '--from', '2013-10-07T13:30:00Z', '--speed', '240'])
    try {
      const r = trader(
        ['paper', '--venue', 'alpaca', '--strategy', 'sma-cross', '--params', '{"fast":2,"slow":5}', '--symbols', 'SPY,IBM',
          '--base-url', emu.url, '--ws-url', emu.wsUrl, '--time-scale', '240', '--duration', '40m', '--health-port', '0'],
        CREDS.alpaca,
      )
      outputs.push(r.stdout, r.stderr)
      expect(r.code, r.stderr).toBe(0)
      const counts = /bars (\d+), orders (\d+), fills (\d+)/.exec(r.stdout)!
      expect(Number(counts[1])).toBeGreaterThan(30)
      expect(Number(counts[2])).toBeGreaterThan(2)
      expect(Number(counts[3])).toBeGreaterThan(2)
      const stats = await emu.stats()
      expect(stats.byEndpoint['POST /v2/orders']).toBe(Number(counts[2]))
      expect(stats.rateLimitViolations).toBe(0)

      const replay = trader(['replay', journalLine(r.stdout)])
      outputs.push(replay.stdout, replay.stderr)
      expect(replay.code, replay.stdout + replay.stderr).toBe(0)
      expect(replay.stdout).toMatch(/^pass\s+paper:alpaca:sma-cross/m)
      expect(replay.stdout).toMatch(/1 passed, 0 failed/)
    } finally {
      expect(await emu.stop()).toBe(0)
    }
  }, 240_000)

  it('bybit: the hedge-mode grid on BTCUSDT for 40 session minutes at 240x; the journal replays exactly', async () => {
    const emu = await serve(['--venue', 'bybit', '--symbols', 'BTCUSDT', '--speed', '240'])
    try {
      const r = trader(
        ['paper', '--venue', 'bybit', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--account', 'grid1',
          '--base-url', emu.url, '--ws-url', emu.wsUrl, '--time-scale', '240', '--duration', '40m'],
        CREDS.bybit,
      )
      outputs.push(r.stdout, r.stderr)
      expect(r.code, r.stderr).toBe(0)
      const counts = /bars (\d+), orders (\d+), fills (\d+)/.exec(r.stdout)!
      expect(Number(counts[1])).toBeGreaterThan(20)
      expect(Number(counts[3])).toBeGreaterThanOrEqual(2)
      const stats = await emu.stats()
      expect(stats.byEndpoint['POST /v5/order/create']).toBeGreaterThanOrEqual(2)
      expect(stats.rateLimitViolations).toBe(0)

      const replay = trader(['replay', journalLine(r.stdout)])
      outputs.push(replay.stdout, replay.stderr)
      expect(replay.code, replay.stdout + replay.stderr).toBe(0)
      expect(replay.stdout).toMatch(/^pass\s+paper:bybit:grid/m)

      // --venue sim --feed bybit: the simulated exchange on the emulator's public market data (no keys needed).
      const sim = trader(['paper', '--venue', 'sim', '--feed', 'bybit', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--account', 'simgrid',
        '--base-url', emu.url, '--ws-url', emu.wsUrl, '--time-scale', '240', '--duration', '20m'])
      outputs.push(sim.stdout, sim.stderr)
      expect(sim.code, sim.stderr).toBe(0)
      expect(Number(/fills (\d+)/.exec(sim.stdout)![1])).toBeGreaterThanOrEqual(2)
      // Its orders never reached the venue: the emulator saw no order request beyond the first session's.
      expect((await emu.stats()).byEndpoint['POST /v5/order/create']).toBe(stats.byEndpoint['POST /v5/order/create'])
      const simReplay = trader(['replay', journalLine(sim.stdout)])
      expect(simReplay.code, simReplay.stdout + simReplay.stderr).toBe(0)
      expect(simReplay.stdout).toMatch(/^pass\s+paper:sim:grid/m)
    } finally {
      expect(await emu.stop()).toBe(0)
    }
  }, 240_000)

  it('SIGINT shuts the session down gracefully; trader status sees it running meanwhile; the journal still replays', async () => {
    const emu = await serve(['--venue', 'alpaca', '--symbols', 'SPY,IBM', '--from', '2013-10-07T13:30:00Z', '--speed', '120'])
    try {
      const args = ['paper', '--venue', 'alpaca', '--strategy', 'sma-cross', '--params', '{"fast":2,"slow":5}', '--symbols', 'SPY,IBM', '--account', 'sig',
        '--base-url', emu.url, '--ws-url', emu.wsUrl, '--time-scale', '120', '--health-port', '0']
      const proc = spawn(process.execPath, [BIN, ...args], {cwd: dir, env: env(CREDS.alpaca)})
      let stdout = ''
      let stderr = ''
      proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)))
      cleanup.push(() => proc.kill('SIGKILL'))
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`session did not start: ${stderr}`)), 120_000)
        proc.stderr.on('data', (d: Buffer) => {
          stderr += d.toString()
          if (stderr.includes('paper session on alpaca')) {
            clearTimeout(timer)
            res()
          }
        })
      })
      // Running: the lock and the health endpoint say so.
      const status = trader(['status', '--json'])
      expect(status.code, status.stderr).toBe(0)
      const sessions = (JSON.parse(status.stdout) as {sessions: {account: string; state: string; healthy?: boolean; ready?: boolean}[]}).sessions
      expect(sessions.find((x) => x.account === 'sig')).toMatchObject({state: 'running', healthy: true, ready: true})
      // Health and metrics are served while it runs (OPS-07).
      const health = /health: (http:\/\/127\.0\.0\.1:\d+)\/health/.exec(stderr)![1]
      expect((await fetch(`${health}/ready`)).status).toBe(200)
      const text = await (await fetch(`${health}/metrics`)).text()
      expect(text).toMatch(/^trader_journal_bytes\{[^}]*\} [1-9]\d*$/m)
      expect(text).toMatch(/# TYPE trader_orders_total counter/)
      await new Promise((r) => setTimeout(r, 3_000))
      proc.kill('SIGINT')
      expect(await exited).toBe(0)
      outputs.push(stdout, stderr)
      expect(stderr).toMatch(/SIGINT: shutting down/)
      expect(stdout).toMatch(/session ended: SIGINT/)
      const journal = readFileSync(journalLine(stdout), 'utf8')
      expect(journal).toContain('"type":"shutdown"')
      const replay = trader(['replay', journalLine(stdout)])
      expect(replay.code, replay.stdout + replay.stderr).toBe(0)
      // After the stop the lock is released: status no longer lists a running session for the account.
      const after = JSON.parse(trader(['status', '--json']).stdout) as {sessions: {account: string; state: string}[]}
      expect(after.sessions.filter((x) => x.account === 'sig' && x.state === 'running')).toEqual([])
    } finally {
      await emu.stop()
    }
  }, 240_000)

  it('runs one bot of a fleet file (--config --bot): venue, keys by variable name, strategy, symbols and risk from the file', async () => {
    const emu = await serve(['--venue', 'alpaca', '--symbols', 'SPY,IBM', '--from', '2013-10-07T13:30:00Z', '--speed', '240'])
    try {
      const fleet = join(dir, 'fleet.yaml')
      writeFileSync(fleet, [
        'roots: {journals: fleet-journals}',
        'risk: {maxOpenOrders: 7}',
        'accounts:',
        '  - {id: alp-paper, venue: alpaca, mode: paper, keys: {keyEnv: MY_ALPACA_KEY, secretEnv: MY_ALPACA_SECRET}}',
        'bots:',
        '  - {id: sma-fast, account: alp-paper, strategy: sma-cross, symbols: [SPY, IBM], timeframe: 1m, params: {fast: 2, slow: 5}, risk: {minOrderSpacingMs: 0}}',
        '',
      ].join('\n'))
      const keys = {MY_ALPACA_KEY: CREDS.alpaca.APCA_API_KEY_ID, MY_ALPACA_SECRET: CREDS.alpaca.APCA_API_SECRET_KEY}
      const base = ['paper', '--config', fleet, '--bot', 'sma-fast', '--base-url', emu.url, '--ws-url', emu.wsUrl, '--time-scale', '240']
      const r = trader([...base, '--duration', '20m'], keys)
      outputs.push(r.stdout, r.stderr)
      expect(r.code, r.stderr).toBe(0)
      const journal = journalLine(r.stdout)
      expect(journal.startsWith(join(dir, 'fleet-journals', 'alp-paper-paper-'))).toBe(true)
      const header = readJournalHead(journal)[0] as {data: {strategy: string; symbols: string[]; account: string; params: unknown; risk: Record<string, unknown>}}
      expect(header.data).toMatchObject({strategy: 'sma-cross', symbols: ['IBM', 'SPY'], account: 'alp-paper', params: {fast: 2, slow: 5}})
      expect(header.data.risk).toMatchObject({maxOpenOrders: 7, minOrderSpacingMs: 0})
      // A key variable the account names but the environment lacks: one line naming it.
      const missing = trader(base, {MY_ALPACA_KEY: CREDS.alpaca.APCA_API_KEY_ID})
      expect(missing.code).toBe(2)
      expect(missing.stderr.trim().split('\n')).toHaveLength(1)
      expect(missing.stderr).toMatch(/MY_ALPACA_SECRET, which is not set/)
      const wrongBot = trader(['paper', '--config', fleet, '--bot', 'nope'], keys)
      expect(wrongBot.code).toBe(2)
      expect(wrongBot.stderr).toMatch(/no bot 'nope'; the bots are sma-fast/)
    } finally {
      await emu.stop()
    }
  }, 240_000)

  it('start-up checks fail with one line and exit code 2, before any lock or journal exists (ALP-14)', async () => {
    const emu = await serve(['--venue', 'alpaca', '--symbols', 'SPY', '--speed', '60'])
    const home = join(dir, 'alp14')
    try {
      const base = ['paper', '--venue', 'alpaca', '--strategy', 'sma-cross', '--symbols', 'SPY', '--base-url', emu.url, '--ws-url', emu.wsUrl]
      const missing = trader(base, {TRADER_HOME: home})
      expect(missing.code).toBe(2)
      expect(missing.stderr.trim().split('\n')).toHaveLength(1)
      expect(missing.stderr).toMatch(/APCA_API_KEY_ID/)

      const wrongSecret = 'emulatorOnlyWRONGsecretNotARealAlpacaKy1'
      const refused = trader(base, {TRADER_HOME: home, APCA_API_KEY_ID: CREDS.alpaca.APCA_API_KEY_ID, APCA_API_SECRET_KEY: wrongSecret})
      outputs.push(refused.stdout, refused.stderr)
      expect(refused.code, refused.stderr).toBe(2)
      expect(refused.stderr.trim().split('\n')).toHaveLength(1)
      expect(refused.stderr).toMatch(/account endpoint failed at start-up.*check the API key/)
      expect(refused.stderr).not.toContain(wrongSecret)
      expect(refused.stderr).not.toMatch(/\n\s+at /)
      // Nothing was started: no lock, no journal.
      const made = (() => {
        try {
          return files(home).filter((f) => f.endsWith('.lock') || f.endsWith('.journal'))
        } catch {
          return []
        }
      })()
      expect(made).toEqual([])

      const unreachable = trader([...base.slice(0, -4), '--base-url', 'http://127.0.0.1:9', '--ws-url', 'ws://127.0.0.1:9'], {TRADER_HOME: home, ...CREDS.alpaca})
      expect(unreachable.code, unreachable.stderr).toBe(2)
      expect(unreachable.stderr.trim().split('\n')).toHaveLength(1)
    } finally {
      await emu.stop()
    }
  }, 240_000)

  it('trader live refuses to start without --confirm-live', () => {
    const r = trader(['live', '--venue', 'alpaca', '--strategy', 'sma-cross', '--symbols', 'SPY'], CREDS.alpaca)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--confirm-live/)
  })

  it('no test key or secret appears in any journal, log or output the sessions wrote (ALP-18)', () => {
    const written = files(join(dir, 'home'))
    expect(written.some((f) => f.endsWith('.journal'))).toBe(true)
    expect(written.some((f) => f.includes('log'))).toBe(true)
    for (const f of written) {
      const text = readFileSync(f, 'latin1')
      for (const s of SECRETS) expect(text.includes(s), `${s} in ${f}`).toBe(false)
    }
    for (const o of outputs) for (const s of SECRETS) expect(o.includes(s)).toBe(false)
  })
})
