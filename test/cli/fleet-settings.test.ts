/**
 * A fleet bot's trading hours (`schedule`) and `cooldownMinutes` do what they say, from the built CLI: in a backtest
 * (`--config FLEET --bot ID`) and in a paper session against the exchange emulator, then across a restart (the
 * cooldown is kept in the account's state and recorded in the journal header, so `trader replay` reproduces it).
 * The same bot without the two settings is run too: it does send the entries the settings hold back.
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanEnv, type Emulator, journalOf, serveEmulator, trader} from '../scenarios/ops-harness.js'

const KEYS = {MY_ALPACA_KEY: 'PKEMULATORTESTKEY001', MY_ALPACA_SECRET: 'emulatorOnlyTestSecretNotARealAlpacaKey1'}
/** 10:40 New York (EDT) on the emulator's day: the window's end. */
const WINDOW_END = Date.parse('2013-10-07T14:40:00Z')
let dir: string

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
  cleanEnv({HOME: join(dir, 'home'), TRADER_HOME: join(dir, 'home'), TRADER_DATA_DB: join(dir, 'market.duckdb'), ...KEYS, ...extra})
const run = (args: string[]) => trader(args, {cwd: dir, env: env(), timeoutMs: 180_000})

interface Rec {
  readonly t: number
  readonly type: string
  readonly data: {code?: string; symbol?: string; until?: number; request?: {side: string}; cooldowns?: Record<string, number>; [k: string]: unknown}
}

function records(file: string): Rec[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('{')).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Rec)
}

const refusals = (rs: Rec[], code: string) => rs.filter((r) => r.type === 'risk_rejected' && r.data.code === code)
const buys = (rs: Rec[]) => rs.filter((r) => r.type === 'intent' && r.data.request?.side === 'buy')

/** Entries held back as promised: none after the window's end, none while a cooldown runs; refusals say why. */
function expectHoursAndCooldown(rs: Rec[]): void {
  expect(refusals(rs, 'schedule').length).toBeGreaterThan(0)
  for (const r of refusals(rs, 'schedule')) expect(r.t).toBeGreaterThanOrEqual(WINDOW_END)
  for (const b of buys(rs)) expect(b.t).toBeLessThan(WINDOW_END)
  const cooldowns = rs.filter((r) => r.type === 'cooldown')
  expect(cooldowns.length).toBeGreaterThan(0)
  for (const b of buys(rs)) for (const c of cooldowns) expect(b.t >= c.t && b.t < c.data.until!).toBe(false)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-fleet-settings-'))
  mkdirSync(join(dir, 'home'))
  const bot = (id: string, extra: string) =>
    `  - {id: ${id}, account: alp-paper, strategy: sma-cross, symbols: [SPY], timeframe: 1m, params: {fast: 2, slow: 5}, risk: {minOrderSpacingMs: 0}${extra}}`
  writeFileSync(join(dir, 'fleet.yaml'), [
    'accounts:',
    '  - {id: alp-paper, venue: alpaca, mode: paper, keys: {keyEnv: MY_ALPACA_KEY, secretEnv: MY_ALPACA_SECRET}}',
    'bots:',
    bot('sma-hours', ', schedule: {start: "09:30", end: "10:40", timezone: America/New_York}, cooldownMinutes: 30'),
    bot('sma-free', ''),
    '',
  ].join('\n'))
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('fleet schedule and cooldownMinutes in a backtest', () => {
  it('hold back entries outside the hours and during a cooldown, journaled as risk:schedule / risk:cooldown', () => {
    const period = ['--from', '2013-10-07T13:30:00Z', '--to', '2013-10-07T15:10:00Z']
    const r = run(['backtest', '--config', 'fleet.yaml', '--bot', 'sma-hours', ...period, '--journal', 'hours.journal', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as {rejections: {reason: string; count: number}[]}
    expect(report.rejections.map((x) => x.reason)).toEqual(expect.arrayContaining(['risk:schedule', 'risk:cooldown']))
    const rs = records(join(dir, 'hours.journal'))
    expectHoursAndCooldown(rs)
    expect(refusals(rs, 'cooldown').length).toBeGreaterThan(0)
    // The journal header holds the hours and the cooldown, so the replay refuses the same entries.
    const replay = run(['replay', 'hours.journal'])
    expect(replay.code, replay.stderr + replay.stdout).toBe(0)
    // The same bot without the two settings sends entries the settings held back.
    const free = run(['backtest', '--config', 'fleet.yaml', '--bot', 'sma-free', ...period, '--journal', 'free.journal', '--json'])
    expect(free.code, free.stderr).toBe(0)
    const freeBuys = buys(records(join(dir, 'free.journal')))
    expect(freeBuys.some((b) => b.t >= WINDOW_END)).toBe(true)
    expect(freeBuys.length).toBeGreaterThan(buys(rs).length)
  }, 180_000)
})

describe('fleet schedule and cooldownMinutes in a paper session (emulator), across a restart', () => {
  let emu: Emulator | undefined
  const serve = async (): Promise<Emulator> => {
    emu = await serveEmulator(['--venue', 'alpaca', '--symbols', 'SPY', '--from', '2013-10-07T13:30:00Z', '--speed', '120'], {cwd: dir, env: env()})
    return emu
  }
  afterAll(() => emu?.kill())

  it('hold back entries, keep the cooldown in the state, and the restarted session starts from it', async () => {
    let e = await serve()
    const session = (duration: string) =>
      run(['paper', '--config', 'fleet.yaml', '--bot', 'sma-hours', '--base-url', e.url, '--ws-url', e.wsUrl, '--time-scale', '120', '--duration', duration])
    const first = session('90m')
    await e.stop()
    expect(first.code, first.stderr).toBe(0)
    const rs = records(journalOf(first.stdout))
    expectHoursAndCooldown(rs)
    const stateFile = join(dir, 'home', 'state', 'alp-paper.cooldowns.json')
    expect(existsSync(stateFile)).toBe(true)
    const saved = (JSON.parse(readFileSync(stateFile, 'utf8')) as {cooldowns: Record<string, number>}).cooldowns
    const last = rs.filter((r) => r.type === 'cooldown').at(-1)!
    expect(saved.SPY).toBe(last.data.until)

    // A restart on a venue whose clock is back near 09:30: SPY's cooldown still runs, so its entries wait for it.
    e = await serve()
    const second = session('40m')
    await e.stop()
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toContain(`cooldowns carried over: SPY until ${new Date(saved.SPY).toISOString()}`)
    const rs2 = records(journalOf(second.stdout))
    expect(rs2[0].data.cooldowns).toEqual({SPY: saved.SPY})
    expect(refusals(rs2, 'cooldown').length).toBeGreaterThan(0)
    for (const b of buys(rs2)) expect(b.t).toBeGreaterThanOrEqual(saved.SPY)
    // The replay starts from the recorded cooldowns, not from the (since changed) state file.
    rmSync(stateFile)
    const replay = run(['replay', journalOf(second.stdout)])
    expect(replay.code, replay.stderr + replay.stdout).toBe(0)
    expect(existsSync(stateFile)).toBe(false)
  }, 300_000)
})
