/**
 * OPS-02: data, state and logs roots come from the environment (or flags), with portable defaults.
 *
 * As a user meets it, with the built CLI: a short `trader paper` session (against the local exchange emulator)
 * writes its lock and fencing epoch (state), its journal and its log. Run four ways — nothing set but HOME
 * (default: ~/.trader/…), TRADER_HOME, one variable per root (TRADER_STATE_DIR, TRADER_JOURNAL_DIR,
 * TRADER_LOG_DIR, a relative one resolving against the working directory), and flags over all of those — every
 * file lands in the root the user asked for and nowhere else, and `trader status` looks in that same state root.
 * Market data: `--db` over TRADER_DATA_DB, which the store is created at.
 * Bites: the seed's placement (a lock in /tmp, trades and logs relative to the working directory, environment
 * ignored) puts the same files somewhere else in every case but none.
 *
 * Not covered: the fleet file's `roots` section is validated (OPS-01) but no command reads a fleet file yet.
 */
import {existsSync, mkdirSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ALPACA_TEST_KEYS, cleanEnv, filesUnder, journalOf, sharedAlpacaEmulator, trader} from './ops-harness.js'

const shared = sharedAlpacaEmulator('trader-ops02-')
const {base, db} = shared

interface Roots {
  readonly state: string
  readonly journals: string
  readonly logs: string
}

interface Case {
  readonly name: string
  /** Environment besides HOME (paths under the case's directory, `{dir}` replaced). */
  readonly env: Record<string, string>
  readonly flags: readonly string[]
  /** Where the files must land. */
  readonly expected: (dir: string) => Roots
}

const CASES: readonly Case[] = [
  {name: 'defaults', env: {}, flags: [], expected: (d) => ({state: `${d}/home/.trader/state`, journals: `${d}/home/.trader/journals`, logs: `${d}/home/.trader/logs`})},
  {name: 'TRADER_HOME', env: {TRADER_HOME: '{dir}/th'}, flags: [], expected: (d) => ({state: `${d}/th/state`, journals: `${d}/th/journals`, logs: `${d}/th/logs`})},
  {
    name: 'one variable per root',
    env: {TRADER_HOME: '{dir}/th', TRADER_STATE_DIR: '{dir}/var/state', TRADER_JOURNAL_DIR: '{dir}/var/journals', TRADER_LOG_DIR: 'rel-logs'},
    flags: [],
    expected: (d) => ({state: `${d}/var/state`, journals: `${d}/var/journals`, logs: `${d}/work/rel-logs`}),
  },
  {
    name: 'flags over environment',
    env: {TRADER_HOME: '{dir}/th', TRADER_STATE_DIR: '{dir}/var/state', TRADER_JOURNAL_DIR: '{dir}/var/journals', TRADER_LOG_DIR: '{dir}/var/logs'},
    flags: ['--state-dir', '{dir}/flag-state', '--journal-dir', '~/flag-journals', '--log-dir', 'flag-logs'],
    expected: (d) => ({state: `${d}/flag-state`, journals: `${d}/home/flag-journals`, logs: `${d}/work/flag-logs`}),
  },
]

/** What the session left, by kind: the fencing epoch (state), the journal, the log. */
function placed(files: readonly string[]): {state: string[]; journals: string[]; logs: string[]; other: string[]} {
  const out = {state: [] as string[], journals: [] as string[], logs: [] as string[], other: [] as string[]}
  for (const f of files) {
    const name = basename(f)
    if (name === 'acc.epoch' || name === 'acc.lock') out.state.push(dirname(f))
    else if (/^acc-paper-.*\.journal$/.test(name)) out.journals.push(dirname(f))
    else if (/^acc-paper-.*\.journal\.(index\.json|\d{6})$/.test(name)) continue // the journal's segment index (and later segments), beside it
    else if (/^acc-paper(\.\d+)?\.log$/.test(name)) out.logs.push(dirname(f))
    else out.other.push(f)
  }
  return out
}

/** The failures of a placement against the required roots (empty: as required). */
function misplaced(actual: Roots, expected: Roots): string[] {
  return (['state', 'journals', 'logs'] as const).filter((k) => actual[k] !== expected[k]).map((k) => `${k}: ${actual[k]} instead of ${expected[k]}`)
}

/** The seed's placement: a lock in /tmp, telemetry and logs next to wherever the bot was started, no environment. */
function seedRoots(cwd: string): Roots {
  return {state: '/tmp', journals: join(cwd, 'data'), logs: join(cwd, 'logs')}
}

describe('OPS-02: roots from the environment and flags, with portable defaults', () => {
  for (const c of CASES) {
    it(`${c.name}: the lock, the journal and the log land in the roots asked for, and status looks there`, () => {
      const dir = join(base, c.name.replace(/\W+/g, '-'))
      const work = join(dir, 'work')
      mkdirSync(work, {recursive: true})
      const sub = (s: string): string => s.replaceAll('{dir}', dir)
      const env = cleanEnv({HOME: join(dir, 'home'), TRADER_DATA_DB: db, ...ALPACA_TEST_KEYS, ...Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, sub(v)]))})
      const flags = c.flags.map(sub)
      const expected = c.expected(dir)

      const r = trader(['paper', '--venue', 'alpaca', '--strategy', 'buy-and-hold', '--symbols', 'SPY', '--account', 'acc', '--base-url', shared.emu.url, '--ws-url', shared.emu.wsUrl,
        '--time-scale', '240', '--duration', '4m', ...flags], {cwd: work, env})
      expect(r.code, r.stderr).toBe(0)
      expect(dirname(journalOf(r.stdout))).toBe(expected.journals)

      const p = placed(filesUnder(dir))
      expect(p.other).toEqual([])
      const actual = {state: p.state[0], journals: p.journals[0], logs: p.logs[0]}
      expect(p.state.every((d) => d === actual.state) && p.journals.length === 1 && p.logs.length >= 1).toBe(true)
      expect(misplaced(actual, expected)).toEqual([])

      // `trader status` (same environment and state flag) looks in the same root.
      const stateFlag = flags.includes('--state-dir') ? ['--state-dir', flags[flags.indexOf('--state-dir') + 1]] : []
      const status = trader(['status', '--json', ...stateFlag], {cwd: work, env})
      expect(status.code, status.stderr).toBe(0)
      expect((JSON.parse(status.stdout) as {stateDir: string}).stateDir).toBe(expected.state)

      // Bites: the seed would have put them elsewhere (only its lock in /tmp could ever agree with anything).
      expect(misplaced(seedRoots(work), expected).length).toBeGreaterThanOrEqual(2)
    }, 120_000)
  }

  it('market data: the store is created at TRADER_DATA_DB, and --db wins over it', () => {
    const dir = join(base, 'data')
    mkdirSync(join(dir, 'work'), {recursive: true})
    mkdirSync(join(dir, 'env'))
    const env = cleanEnv({HOME: join(dir, 'home'), TRADER_DATA_DB: join(dir, 'env', 'market.duckdb')})
    const run = trader(['backtest', '--strategy', 'buy-and-hold', '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--json'], {cwd: join(dir, 'work'), env})
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({symbols: ['SPY']})
    expect(existsSync(join(dir, 'env', 'market.duckdb'))).toBe(true)
    const listed = trader(['data', 'list', '--json'], {cwd: join(dir, 'work'), env})
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as {symbol: string}[]).some((x) => x.symbol === 'SPY')).toBe(true)
    // A flag names another store (relative: against the working directory), whatever the environment says.
    const flagged = trader(['data', 'list', '--json', '--db', 'mine.duckdb'], {cwd: join(dir, 'work'), env})
    expect(flagged.code).toBe(2)
    expect(flagged.stderr).toContain(`No market-data database at ${join(dir, 'work', 'mine.duckdb')}`)
    // Nothing landed in the home directory: market data is not state.
    expect(filesUnder(join(dir, 'home'))).toEqual([])
  }, 120_000)
})
