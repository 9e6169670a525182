/**
 * `trader exchange serve` as a user runs it, through the development entry (bin/dev.js): real bundled data in a
 * temp database, the printed URLs, the admin routes over loopback, and SIGTERM → a clean exit 0.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const ENTRY = ['--import', 'tsx', '--no-warnings', join(ROOT, 'bin/dev.js')]
let dir: string
let env: NodeJS.ProcessEnv

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-emulator-'))
  env = {...process.env, NODE_ENV: 'production', TRADER_DATA_DB: join(dir, 'market.duckdb'), NO_COLOR: '1', EMULATOR_KEY: '', EMULATOR_SECRET: ''}
  delete env.EMULATOR_KEY
  delete env.EMULATOR_SECRET
  delete env.EMULATOR_ADMIN_TOKEN
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

function traderSync(...args: string[]) {
  const r = spawnSync(process.execPath, [...ENTRY, ...args], {cwd: ROOT, encoding: 'utf8', env, timeout: 120_000})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '')
  expect(lines.length, stderr).toBe(1)
  expect(stderr).toMatch(pattern)
}

/** Per venue: data flags, and one real API call through the venue's protocol (status expected). */
const VENUES = [
  {
    venue: 'alpaca',
    args: ['--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07'],
    // Signed with the emulator's default test credentials, printed in --help.
    call: (url: string, key = 'PKEMULATORTESTKEY001') =>
      fetch(`${url}/v2/clock`, {headers: {'APCA-API-KEY-ID': key, 'APCA-API-SECRET-KEY': 'emulatorOnlyTestSecretNotARealAlpacaKey1'}}),
    endpoint: 'GET /v2/clock',
  },
  {venue: 'bybit', args: ['--symbols', 'BTCUSDT'], call: (url: string) => fetch(`${url}/v5/market/time`), endpoint: 'GET /v5/market/time'},
] as const

/** fetch options for an admin route: the token the emulator printed, and JSON for a POST. */
function admin(info: {adminToken: string}, method: 'GET' | 'POST' = 'GET'): RequestInit {
  return {method, headers: {authorization: `Bearer ${info.adminToken}`, ...(method === 'POST' ? {'content-type': 'application/json'} : {})}}
}

/** Starts the emulator and resolves with the JSON line it prints once it listens. */
function serve(args: string[]): Promise<{child: ChildProcess; info: any; stderr: () => string; exit: Promise<number | null>}> {
  const child = spawn(process.execPath, [...ENTRY, 'exchange', 'serve', '--json', ...args], {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return new Promise((resolvePromise, reject) => {
    child.stdout!.on('data', (d) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) resolvePromise({child, info: JSON.parse(out.slice(0, nl)), stderr: () => err, exit})
    })
    void exit.then((code) => reject(new Error(`exited ${code} before listening: ${err}`)))
  })
}

describe('trader exchange serve', () => {
  for (const {venue, args, call, endpoint} of VENUES) {
    it(`${venue}: prints its URLs, serves the admin routes, and exits 0 on SIGTERM`, async () => {
      const {child, info, stderr, exit} = await serve(['--venue', venue, ...args, '--manual'])
      try {
        expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        expect(info.wsUrl).toBe(`ws://127.0.0.1:${info.port}`)
        expect(info.bars).toBeGreaterThan(100)
        const stats = await (await fetch(`${info.url}/__emulator/stats`, admin(info))).json()
        expect(stats).toMatchObject({venue, mode: 'manual', requests: 0, rateLimitViolations: 0, bars: {replayed: 0, total: info.bars}})
        expect((await call(info.url)).status).toBe(200)
        if (venue === 'alpaca') expect((await call(info.url, 'PKWRONGKEY0000000000')).status).toBe(401)
        expect(((await (await fetch(`${info.url}/__emulator/stats`, admin(info))).json()) as any).byEndpoint[endpoint]).toBeGreaterThanOrEqual(1)
        const adv = await fetch(`${info.url}/__emulator/advance?ms=3600000`, admin(info, 'POST'))
        expect(await adv.json()).toEqual({now: info.venueStart + 3_600_000})
        const after: any = await (await fetch(`${info.url}/__emulator/stats`, admin(info))).json()
        expect(after.bars.replayed).toBeGreaterThan(0)
        expect((await fetch(`${info.url}/__emulator/fault`, {...admin(info, 'POST'), body: '{"kind":"nope"}'})).status).toBe(400)
      } finally {
        child.kill('SIGTERM')
      }
      expect(await exit, stderr()).toBe(0)
      expect(stderr()).toMatch(/SIGTERM: closing the emulator/)
    })

    it(`${venue}: paces venue time on the wall clock at --speed`, async () => {
      const {child, info, exit} = await serve(['--venue', venue, ...args, '--speed', '600'])
      try {
        const a: any = await (await fetch(`${info.url}/__emulator/stats`, admin(info))).json()
        await new Promise((r) => setTimeout(r, 300))
        const b: any = await (await fetch(`${info.url}/__emulator/stats`, admin(info))).json()
        // 300 ms of wall time at 600x = 180 s of venue time (less scheduling slack, never more than elapsed).
        expect(b.now - a.now).toBeGreaterThanOrEqual(150_000)
        expect(b.bars.replayed).toBeGreaterThan(0)
        expect((await fetch(`${info.url}/__emulator/advance?ms=1`, admin(info, 'POST'))).status).toBe(409)
      } finally {
        child.kill('SIGTERM')
      }
      expect(await exit).toBe(0)
    })

  }

  it('admin routes: the token of --admin-token, no other; no web page can arm a fault', async () => {
    const {child, info, exit} = await serve(['--venue', 'bybit', '--symbols', 'BTCUSDT', '--manual', '--admin-token', 'tok-123456789'])
    try {
      expect(info.adminToken).toBe('tok-123456789')
      const fault = `${info.url}/__emulator/fault`
      const body = '{"kind":"server_error","endpoint":"GET /v5/market/time"}'
      expect((await fetch(`${info.url}/__emulator/stats`)).status).toBe(401)
      expect((await fetch(fault, {method: 'POST', headers: {authorization: 'Bearer tok-wrong-000', 'content-type': 'application/json'}, body})).status).toBe(401)
      // What a web page can send without a preflight: a text/plain POST, from its own origin.
      expect((await fetch(fault, {method: 'POST', headers: {...admin(info, 'POST').headers, 'content-type': 'text/plain'}, body})).status).toBe(415)
      expect((await fetch(fault, {method: 'POST', headers: {...admin(info, 'POST').headers, origin: 'https://evil.example'}, body})).status).toBe(403)
      // Bybit answers a server error as retCode 10016; nothing was armed by the refused requests.
      const retCode = async (): Promise<number> => ((await (await fetch(`${info.url}/v5/market/time`)).json()) as {retCode: number}).retCode
      expect(await retCode()).toBe(0)
      expect((await fetch(fault, {...admin(info, 'POST'), body})).status).toBe(200)
      expect(await retCode()).toBe(10016)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exit).toBe(0)
  })

  it('refuses bad flags with one clear line and exit 2', () => {
    const both = traderSync('exchange', 'serve', '--venue', 'alpaca', '--manual', '--speed', '5')
    expect(both.code).toBe(2)
    expectOneLine(both.stderr, /--manual and --speed exclude each other/)
    const venue = traderSync('exchange', 'serve', '--venue', 'kraken')
    expect(venue.code).toBe(2)
    expectOneLine(venue.stderr, /--venue=kraken to be one of: alpaca, bybit/)
    const secret = traderSync('exchange', 'serve', '--venue', 'bybit', '--key', 'abcdefgh12')
    expect(secret.code).toBe(2)
    expectOneLine(secret.stderr, /--secret \/ \$EMULATOR_SECRET is missing/)
    expect(secret.stderr).not.toContain('abcdefgh12')
  })

  it('shows examples in --help', () => {
    const r = traderSync('exchange', 'serve', '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/EXAMPLES/)
    expect(r.stdout).toMatch(/--venue alpaca --symbols SPY,IBM/)
    expect(r.stdout).toMatch(/__emulator\/stats/)
  })
})
