import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
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

describe('the README example backtest config', () => {
  it('runs as documented', () => {
    const r = trader('backtest', '--config', 'examples/backtest.json', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({strategy: 'sma-cross', symbols: ['IBM', 'SPY']})
  })
})
