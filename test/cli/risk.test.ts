/**
 * `trader risk status` / `trader risk clear` and the persisted kill switch (RISK-05), end to end with the built CLI:
 * a backtest for an account trips the switch and persists it in <state>/<account>.risk.json; `risk status` shows it;
 * the next session for that account refuses entries; `risk clear` clears it and the next session trades.
 * Bite: the same second session without the persisted state (the seed's in-memory switch) trades straight away.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
let dir: string
let state: string

function trader(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: {...process.env, NODE_ENV: 'production', TRADER_DATA_DB: join(dir, 'market.duckdb'), TRADER_HOME: join(dir, 'home'), NO_COLOR: '1'},
    timeout: 120_000,
  })
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

interface Report {
  orders: number
  rejections: {reason: string; count: number}[]
}

const base = {strategy: 'buy-and-hold', params: {fraction: 0.5}, symbols: ['SPY'], from: '2013-10-07', to: '2013-10-08'}

function backtest(config: object, ...extra: string[]): Report & {stderr: string} {
  return backtestExiting(0, config, ...extra)
}

/** A backtest expected to end with `code` (3: it ran, but most of its orders were refused); the report is printed. */
function backtestExiting(code: number, config: object, ...extra: string[]): Report & {stderr: string} {
  const file = join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(config))
  const r = trader('backtest', '--config', file, '--json', ...extra)
  expect(r.code, r.stderr).toBe(code)
  return {...(JSON.parse(r.stdout) as Report), stderr: r.stderr}
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-risk-cli-'))
  state = join(dir, 'state')
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('trader risk status / clear with the persisted kill switch', () => {
  it('persists a tripped switch, refuses entries while engaged, and trades again once cleared', () => {
    const before = trader('risk', 'status', '--account', 'acc', '--state-dir', state)
    expect(before.code).toBe(0)
    expect(before.stdout).toMatch(/kill switch of acc: clear \(no file yet\)/)

    // A 0.05 % drawdown limit trips on the first day of SPY.
    const tripping = backtest({...base, risk: {minDataPoints: 0, maxDrawdown: 0.0005, killPolicy: 'freeze'}}, '--account', 'acc', '--state-dir', state)
    expect(tripping.orders).toBe(1)
    expect(tripping.stderr).toMatch(/kill switch engaged for acc: drawdown 0\.\d+% from peak/)
    const file = join(state, 'acc.risk.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({account: 'acc', kill: {engaged: true}})

    const engaged = trader('risk', 'status', '--account', 'acc', '--state-dir', state)
    expect(engaged.stdout).toMatch(/kill switch of acc: ENGAGED since 2013-10-07T\S+: drawdown/)
    expect(engaged.stdout).toContain('trader risk clear --account acc')
    const json = JSON.parse(trader('risk', 'status', '--account', 'acc', '--state-dir', state, '--json').stdout)
    expect(json).toMatchObject({account: 'acc', engaged: true})

    // A new session for the account, with no drawdown limit at all: the persisted switch still refuses the entry.
    // Every order refused: the run fails (exit 3) after its report, naming the switch and how to clear it.
    const refused = backtestExiting(3, {...base, risk: {minDataPoints: 0}}, '--account', 'acc', '--state-dir', state)
    expect(refused.orders).toBe(0)
    expect(refused.rejections).toEqual([{reason: 'risk:kill_switch', count: 1}])
    expect(refused.stderr).toMatch(/kill switch of acc is ENGAGED/)
    expect(refused.stderr).toMatch(/risk:kill_switch.*trader risk clear/)
    // --no-risk cannot sidestep an engaged switch.
    const noRisk = trader('backtest', '--strategy', 'buy-and-hold', '--symbols', 'SPY', '--no-risk', '--account', 'acc', '--state-dir', state)
    expect(noRisk.code).toBe(2)
    expect(noRisk.stderr).toMatch(/--no-risk cannot be used with --account acc/)

    const cleared = trader('risk', 'clear', '--account', 'acc', '--state-dir', state)
    expect(cleared.code).toBe(0)
    expect(cleared.stdout).toMatch(/kill switch of acc cleared \(was engaged: drawdown/)
    expect(trader('risk', 'status', '--account', 'acc', '--state-dir', state).stdout).toMatch(/kill switch of acc: clear \(/)
    const again = backtest({...base, risk: {minDataPoints: 0}}, '--account', 'acc', '--state-dir', state)
    expect(again.orders).toBe(1)
    expect(again.rejections).toEqual([])
  })

  it('bites: without the persisted state (the seed\'s in-memory switch) the next session trades at once', () => {
    const tripping = backtest({...base, risk: {minDataPoints: 0, maxDrawdown: 0.0005}}, '--account', 'b', '--state-dir', state)
    expect(tripping.stderr).toMatch(/kill switch engaged for b/)
    const naive = backtest({...base, risk: {minDataPoints: 0}})
    expect(naive.orders).toBe(1)
    expect(naive.rejections).toEqual([])
  })

  it('rejects an account id that could leave the state directory, in one line', () => {
    const r = trader('risk', 'clear', '--account', '../etc', '--state-dir', state)
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/account '\.\.\/etc' is not a valid id/)
  })
})
