/**
 * Every bad input, as a user meets it with the built CLI: a directory where a file is wanted, a file where a
 * directory is wanted, a missing file, a port in use, a database that is a directory — each answered with ONE line
 * on stderr saying what, where and how to fix it, exit 2, no class name and no stack trace. Also: several
 * processes read one market-data database at once (readers open it read-only), and an import while a reader holds
 * the file is refused in one line instead of crashing.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DuckDBInstance} from '@duckdb/node-api'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, ROOT, runTrader} from '../support/cli.js'
import {cleanEnv, serveEmulator} from '../scenarios/ops-harness.js'

let dir: string
let db: string

const env = (): NodeJS.ProcessEnv => ({TRADER_DATA_DB: db, TRADER_HOME: join(dir, 'home')})
const trader = (...args: string[]): CliResult => runTrader(args, {cwd: dir, env: env()})

/** `trader ARGS…` without waiting, for running several at once. */
function traderAsync(args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {cwd: dir, env: {...process.env, NODE_ENV: 'production', NO_COLOR: '1', ...env(), ...extra}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

/** Exit 2 and a single stderr line matching `pattern`: no Node text, no class name, no stack frame. */
function expectOneLine(r: CliResult, pattern: RegExp): string {
  expect(r.code, r.stderr).toBe(2)
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '')
  expect(lines, r.stderr).toHaveLength(1)
  const line = lines[0]
  expect(line).toMatch(pattern)
  // "Error: " is the CLI's label; a class name (TypeError, StoreOpenError, EISDIR's "Code:") is not.
  expect(line.replace(/^Error: /, '')).not.toMatch(/\b[A-Z]\w*Error\b|\bE[A-Z]{3,}\b|Code:|illegal operation/)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  return line
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-bad-inputs-'))
  db = join(dir, 'market.duckdb')
  mkdirSync(join(dir, 'a-dir'))
  mkdirSync(join(dir, 'empty-dir'))
  writeFileSync(join(dir, 'a-file.txt'), 'not a directory\n')
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('bad paths and ports: one line, exit 2', () => {
  it('journal inspect of a directory', () => {
    expectOneLine(trader('journal', 'inspect', 'a-dir'), /^Error: a-dir is not a trader journal \(a directory; give the journal file in it\); give a file written by --journal/)
  })

  it('backtest --out / --audit naming a file: refused before the run', () => {
    expectOneLine(trader('backtest', '--symbols', 'SPY', '--out', 'a-file.txt'), /^Error: --out a-file\.txt: is a file, not a directory; give a directory .*move the file away$/)
    expectOneLine(trader('backtest', '--symbols', 'SPY', '--out', 'a-file.txt/run1'), /^Error: --out a-file\.txt\/run1: is under .*a-file\.txt, which is a file/)
    expectOneLine(trader('backtest', '--symbols', 'SPY', '--audit', 'a-file.txt'), /^Error: --audit a-file\.txt: is a file, not a directory/)
  })

  it('--journal under a file, and --db / --config that are missing or directories', () => {
    expectOneLine(trader('backtest', '--symbols', 'SPY', '--journal', 'a-file.txt/run.journal'), /^Error: --journal a-file\.txt\/run\.journal \(a-file\.txt\): exists and is not a directory; give a directory/)
    expectOneLine(trader('backtest', '--db', 'a-dir'), /^Error: The market-data database .*a-dir is a directory; give the database file itself, e\.g\. --db a-dir\/trader\.duckdb$/)
    expectOneLine(trader('data', 'list', '--db', 'a-dir'), /a-dir is a directory; give the database file itself/)
    expectOneLine(trader('backtest', '--db', 'none.duckdb'), /^Error: No market-data database at .*none\.duckdb\. Run `trader data import <files> --db none\.duckdb` first\.$/)
    expect(existsSync(join(dir, 'none.duckdb'))).toBe(false)
    expectOneLine(trader('backtest', '--config', 'missing.json'), /^Error: config file missing\.json cannot be read; check the path$/)
  })

  it('data import of a missing file, an empty directory, a path through a file', () => {
    expectOneLine(trader('data', 'import', 'missing.csv', '--db', join(dir, 'import.duckdb')), /^Error: missing\.csv: no such file or directory; check the path$/)
    expectOneLine(trader('data', 'import', 'empty-dir', '--db', join(dir, 'import.duckdb')), /^Error: empty-dir: the directory holds no files; name the bar files/)
    expectOneLine(trader('data', 'import', 'a-file.txt/bars.csv', '--db', join(dir, 'import.duckdb')), /^Error: a-file\.txt\/bars\.csv: a part of the path is a file, not a directory; check the path$/)
  })

  it('--state-dir naming a file', () => {
    expectOneLine(trader('risk', 'status', '--account', 'x', '--state-dir', 'a-file.txt'), /^Error: cannot read .*a-file\.txt\/x\.risk\.json: a part of the path is a file, not a directory; check --state-dir/)
    expectOneLine(trader('risk', 'clear', '--account', 'x', '--state-dir', 'a-file.txt'), /^Error: --state-dir a-file\.txt: exists and is not a directory/)
    expectOneLine(trader('status', '--state-dir', 'a-file.txt'), /^Error: --state-dir a-file\.txt.*: a part of the path is a file, not a directory; check the path$/)
  })

  it('--journal under a missing directory: the directory is created (private), the run succeeds', () => {
    const r = trader('backtest', '--symbols', 'SPY', '--strategy', 'buy-and-hold', '--timeframe', '1d', '--journal', 'new/sub/run.journal')
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(dir, 'new/sub/run.journal'))).toBe(true)
  })

  it('paper --health-port on a port in use', async () => {
    const busy: Server = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as {port: number}).port
    const emu = await serveEmulator(['--venue', 'bybit', '--symbols', 'BTCUSDT', '--manual'], {cwd: dir, env: cleanEnv({HOME: join(dir, 'home'), TRADER_DATA_DB: db})})
    try {
      const r = runTrader(
        ['paper', '--venue', 'bybit', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--account', 'busy', '--base-url', emu.url, '--ws-url', emu.wsUrl, '--health-port', String(port), '--duration', '30s'],
        {cwd: dir, env: cleanEnv({HOME: join(dir, 'home'), TRADER_HOME: join(dir, 'home'), BYBIT_API_KEY: 'EMULATORTESTKEY001', BYBIT_API_SECRET: 'emulatorOnlyTestSecretNotARealBybit1'})},
      )
      expectOneLine(r, new RegExp(`^Error: --health-port ${port}: the port is already in use on 127\\.0\\.0\\.1 .*choose another port, or 0 for any free one$`))
    } finally {
      await emu.stop()
      await new Promise<void>((resolve) => busy.close(() => resolve()))
    }
  }, 180_000)
})

describe('one market-data database, several processes', () => {
  it('four backtests at once, three rounds (the first imports the sample), all succeed with the same journal', async () => {
    // A database of its own, not there yet: the first round races to import the sample.
    const fresh = {TRADER_DATA_DB: join(dir, 'concurrent', 'market.duckdb')}
    const args = ['backtest', '--strategy', 'grid', '--symbols', 'BTCUSDT']
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all([0, 1, 2, 3].map(() => traderAsync(args, fresh)))
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
      const hashes = new Set(runs.map((r) => /journal sha256 ([0-9a-f]{64})/.exec(r.stdout)?.[1]))
      expect([...hashes]).toHaveLength(1)
    }
  }, 600_000)

  it('an import while another process reads the database: one line, exit 2', async () => {
    const held = join(dir, 'held.duckdb')
    writeFileSync(join(dir, 'bars.csv'), 'symbol,ts,open,high,low,close,volume\nXYZ,2024-01-02T14:30:00Z,1,2,0.5,1.5,100\n')
    const importBars = (): CliResult => trader('data', 'import', 'bars.csv', '--timeframe', '1m', '--db', held)
    expect(importBars().code).toBe(0)
    const reader = await DuckDBInstance.create(held, {access_mode: 'READ_ONLY'})
    try {
      expectOneLine(
        importBars(),
        /^Error: The market-data database .*held\.duckdb is open in another process \(pid \d+\) \(a backtest, replay or emulator reading it\); an import needs it to itself: wait for that to finish, or import into another file with --db$/,
      )
      // A reader does not keep other readers out.
      expect(trader('data', 'list', '--db', held).code).toBe(0)
    } finally {
      reader.closeSync()
    }
    expect(importBars().code).toBe(0)
  })
})
