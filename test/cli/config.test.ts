import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'trader-config-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
// A database of its own: tests run in parallel, and DuckDB allows one writer per file.
const env = {...process.env, NODE_ENV: 'production', TRADER_DATA_DB: join(dir, 'market.duckdb')}
const trader = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {cwd: ROOT, encoding: 'utf8', env})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('trader config validate', () => {
  it('passes the example fleet', () => {
    const r = trader('config', 'validate', 'examples/fleet.yaml')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('ok (2 accounts, 2 bots)')
  })

  it('reports all three planted mistakes, one line each, and exits 2', () => {
    const r = trader('config', 'validate', 'fixtures/fleet/three-mistakes.yaml')
    expect(r.code).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines.some((l) => /bot 'sma-spy' field 'strategy': unknown strategy 'sma-crosss'; did you mean 'sma-cross'\?/.test(l))).toBe(true)
    expect(lines.some((l) => /bot 'hold-baseline' field 'timeframe'/.test(l))).toBe(true)
    expect(lines.some((l) => /bot 'hold-baseline': unknown field\(s\) 'cooldwnMinutes'; remove or correct the spelling/.test(l))).toBe(true)
  })
})

describe('trader config validate: semantic mistakes, each refused in one line (bot or account, field, fix), exit 2', () => {
  const ok = {
    account: '  - {id: acc, venue: alpaca, mode: paper, keys: {keyEnv: MY_KEY, secretEnv: MY_SECRET}}',
    bot: '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY]}',
  }
  const fleet = (name: string, account: string, bot: string): string => {
    const file = join(dir, `${name}.yaml`)
    writeFileSync(file, ['accounts:', account, 'bots:', bot, ''].join('\n'))
    return file
  }
  const cases: [string, string, string, RegExp][] = [
    ['start-after-end', ok.account, '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY], schedule: {start: "16:00", end: "09:30"}}',
      /bot 'b1' field 'schedule\.end': end 09:30 is not after start 16:00; give an end later in the day/],
    ['start-equals-end', ok.account, '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY], schedule: {start: "09:30", end: "09:30"}}',
      /bot 'b1' field 'schedule\.end': end 09:30 is not after start 09:30/],
    ['unknown-zone', ok.account, '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY], schedule: {start: "09:30", end: "16:00", timezone: Mars/Olympus}}',
      /bot 'b1' field 'schedule\.timezone': unknown time zone 'Mars\/Olympus'; use an IANA name such as America\/New_York/],
    ['sim-live', '  - {id: acc, venue: sim, mode: live}', ok.bot,
      /account 'acc' field 'mode': a sim account cannot trade live; use mode: sim/],
    ['grid-on-alpaca', ok.account, '  - {id: b1, account: acc, strategy: grid, symbols: [BTCUSDT]}',
      /bot 'b1' field 'account': grid trades crypto_perp, which alpaca account 'acc' does not offer; put the bot on a bybit or sim account/],
    ['duplicate-symbols', ok.account, '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY, IBM, SPY]}',
      /bot 'b1' field 'symbols': SPY is listed twice; list each symbol once/],
    ['same-key-variable', '  - {id: acc, venue: alpaca, mode: paper, keys: {keyEnv: MY_KEY, secretEnv: MY_KEY}}', ok.bot,
      /account 'acc' field 'keys\.secretEnv': is the same variable as keyEnv \(MY_KEY\); name the variable that holds the secret/],
  ]
  for (const [name, account, bot, expected] of cases) {
    it(name, () => {
      const r = trader('config', 'validate', fleet(name, account, bot))
      expect(r.code, r.stdout).toBe(2)
      const lines = r.stderr.trim().split('\n')
      expect(lines, r.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(expected)
      expect(r.stderr).not.toMatch(/\n\s+at |Error:/)
    })
  }

  it('all six in one file (fixtures/fleet/semantic-mistakes.yaml): six lines, one per mistake', () => {
    const r = trader('config', 'validate', 'fixtures/fleet/semantic-mistakes.yaml')
    expect(r.code).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(6)
    for (const re of [/'late-start' field 'schedule\.end'/, /'nowhere' field 'schedule\.timezone'/, /'alpaca-paper' field 'keys\.secretEnv'/, /'sim-live' field 'mode'/, /'grid-on-alpaca' field 'account'/, /'twice' field 'symbols'/]) {
      expect(lines.filter((l) => re.test(l))).toHaveLength(1)
    }
  })

  it('the same checks run where the fleet file is loaded: paper and backtest --config FLEET --bot ID', () => {
    const file = fleet('for-sessions', ok.account, '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY, SPY]}')
    for (const args of [['paper', '--config', file, '--bot', 'b1'], ['backtest', '--config', file, '--bot', 'b1']]) {
      const r = trader(...args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1)
      expect(r.stderr).toMatch(/bot 'b1' field 'symbols': SPY is listed twice/)
    }
  })

  it('the example fleet, with trading hours and a cooldown, passes', () => {
    const r = trader('config', 'validate', fleet('good', ok.account, '  - {id: b1, account: acc, strategy: sma-cross, symbols: [SPY], cooldownMinutes: 15, schedule: {start: "09:45", end: "15:30", timezone: America/New_York, days: [mon, tue, wed, thu, fri]}}'))
    expect(r.code, r.stderr).toBe(0)
  })
})

describe('the README example backtest config', () => {
  it('runs as documented', () => {
    const r = trader('backtest', '--config', 'examples/backtest.json', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({strategy: 'sma-cross', symbols: ['IBM', 'SPY']})
  })
})
