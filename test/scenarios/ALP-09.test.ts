/**
 * ALP-09: the bot runs as another OS user, or from another directory. Required: every path comes from config,
 * flags or the environment; nothing is hard-coded.
 *
 * As users meet it, with the built CLI: two users, ann and bob (each with a home and a working directory of their
 * own, nothing set but HOME and the shared market data's TRADER_DATA_DB), each run a backtest that trips the kill
 * switch of an account (state), a short `trader paper` session (lock, fencing epoch, journal, log) against the
 * local exchange emulator, `trader status` and `trader risk status`. Everything each one wrote is under their own
 * home or working directory; neither sees the other's state; ann, starting from a third directory, finds her state
 * again, and relative flags resolve against where she is. The sources hold no absolute path outside documentation
 * examples and shebangs.
 * Bites: the seed's paths (a lock at /tmp/ai_trading_bot.lock, telemetry under /home/behar, trades in
 * data/trades.csv relative to the start directory) fail the same checks: both users share the lock and the
 * telemetry, and a start from another directory loses the trades; the source scan finds them.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'
import {resolveRoots} from '../../src/ops/paths.js'
import {ALPACA_TEST_KEYS, cleanEnv, filesUnder, journalOf, ROOT, sharedAlpacaEmulator, trader} from './ops-harness.js'

const shared = sharedAlpacaEmulator('trader-alp09-')
const {base, db} = shared

interface User {
  readonly name: string
  readonly home: string
  readonly work: string
  readonly env: NodeJS.ProcessEnv
}

function user(name: string): User {
  const home = join(base, name, 'home')
  const work = join(base, name, 'work')
  mkdirSync(home, {recursive: true})
  mkdirSync(work, {recursive: true})
  return {name, home, work, env: cleanEnv({HOME: home, TRADER_DATA_DB: db, ...ALPACA_TEST_KEYS})}
}

/** A backtest whose 0.05 % drawdown limit trips the kill switch of `acc` on the first day of SPY (RISK-05). */
function tripKillSwitch(u: User, cwd = u.work): void {
  writeFileSync(join(cwd, 'bt.json'), JSON.stringify({strategy: 'buy-and-hold', params: {fraction: 0.5}, symbols: ['SPY'], from: '2013-10-07', to: '2013-10-08', risk: {minDataPoints: 0, maxDrawdown: 0.0005, killPolicy: 'freeze'}}))
  const r = trader(['backtest', '--config', 'bt.json', '--account', 'acc', '--journal', 'run.journal', '--out', 'out', '--json'], {cwd, env: u.env})
  expect(r.code, r.stderr).toBe(0)
  expect(r.stderr).toMatch(/kill switch engaged for acc/)
}

function killSwitchOf(u: User, cwd = u.work): string {
  const r = trader(['risk', 'status', '--account', 'acc'], {cwd, env: u.env})
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

/** The checks of ALP-09 on where a user's files are: under their own home or working directory, not another's. */
function foreignFiles(files: readonly string[], own: User, others: readonly User[]): string[] {
  return files.filter((f) => !(f.startsWith(own.home + '/') || f.startsWith(own.work + '/')) || others.some((o) => f.startsWith(o.home) || f.startsWith(o.work)))
}

/** Absolute paths in the sources, outside oclif examples (`<%= config.bin %> …`) and shebangs. */
function hardCodedPaths(name: string, text: string): string[] {
  const out: string[] = []
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('#!') || line.includes('<%= config.bin %>')) return
    if (/(^|[\s'"`(=])(\/(home|Users|tmp|var|etc|srv|opt|root|mnt)\/|[A-Za-z]:\\)/.test(line)) out.push(`${name}:${i + 1}: ${line.trim()}`)
  })
  return out
}

/** The seed's paths (seed 003 / 004): one lock for the machine, telemetry in one user's home, trades under the start directory. */
function seedPaths(u: {home: string; cwd: string}): {lock: string; telemetry: string; trades: string} {
  void u.home
  return {lock: '/tmp/ai_trading_bot.lock', telemetry: '/home/behar/bots_telemetry', trades: join(u.cwd, 'data/trades.csv')}
}

describe('ALP-09: another OS user, another directory', () => {
  it('each user\'s files land under their own home and working directory; neither sees the other\'s state', () => {
    const ann = user('ann')
    const bob = user('bob')
    expect(killSwitchOf(bob)).toMatch(/clear \(no file yet\)/)
    tripKillSwitch(ann)
    // Ann's tripped switch is hers alone.
    expect(killSwitchOf(ann)).toMatch(/ENGAGED/i)
    expect(killSwitchOf(bob)).toMatch(/clear \(no file yet\)/)

    for (const u of [ann, bob]) {
      const r = trader(['paper', '--venue', 'alpaca', '--strategy', 'buy-and-hold', '--symbols', 'SPY', '--account', 'acc2', '--base-url', shared.emu.url, '--ws-url', shared.emu.wsUrl,
        '--time-scale', '240', '--duration', '4m'], {cwd: u.work, env: u.env})
      expect(r.code, r.stderr).toBe(0)
      expect(journalOf(r.stdout).startsWith(join(u.home, '.trader', 'journals') + '/')).toBe(true)
      const status = trader(['status', '--json'], {cwd: u.work, env: u.env})
      expect((JSON.parse(status.stdout) as {stateDir: string}).stateDir).toBe(join(u.home, '.trader', 'state'))
    }
    tripKillSwitch(bob)

    const annFiles = filesUnder(join(base, 'ann'))
    const bobFiles = filesUnder(join(base, 'bob'))
    const rel = (u: User, fs: string[]) => fs.map((f) => relative(join(base, u.name), f).replace(/\d{4}-\d\d-\d\dT[\d-]+Z/, '<t>')).sort()
    // The same files for both, each under their own directories.
    expect(rel(ann, annFiles)).toEqual(rel(bob, bobFiles))
    expect(rel(ann, annFiles)).toEqual(expect.arrayContaining([
      'home/.trader/state/acc.risk.json',
      'home/.trader/state/acc2.epoch',
      'home/.trader/journals/acc2-paper-<t>.journal',
      'work/run.journal',
      'work/bt.json',
    ]))
    expect(rel(ann, annFiles).some((f) => /^home\/\.trader\/logs\/acc2-paper(\.\d+)?\.log$/.test(f))).toBe(true)
    expect(foreignFiles(annFiles, ann, [bob])).toEqual([])
    expect(foreignFiles(bobFiles, bob, [ann])).toEqual([])
    // Nothing else was written beside the users' directories but the market data and the emulator's home.
    const all = filesUnder(base).filter((f) => !f.startsWith(join(base, 'ann') + '/') && !f.startsWith(join(base, 'bob') + '/'))
    expect(all.every((f) => f.startsWith(join(base, 'shared') + '/')), all.join('\n')).toBe(true)
  }, 180_000)

  it('from another directory the same user finds the same state, and relative flags follow the directory', () => {
    const carol = user('carol')
    tripKillSwitch(carol)
    const elsewhere = join(base, 'carol', 'elsewhere')
    mkdirSync(elsewhere)
    expect(killSwitchOf(carol, elsewhere)).toMatch(/ENGAGED/i)
    const r = trader(['backtest', '--strategy', 'buy-and-hold', '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--journal', 'here.journal', '--json'], {cwd: elsewhere, env: carol.env})
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(join(elsewhere, 'here.journal'), 'utf8').length).toBeGreaterThan(0)

    // Bites: the seed's trades file is relative to the start directory, so starting elsewhere loses it.
    expect(seedPaths({home: carol.home, cwd: elsewhere}).trades).not.toBe(seedPaths({home: carol.home, cwd: carol.work}).trades)
    expect(resolveRoots({env: {}, cwd: elsewhere, homeDir: carol.home}).state).toBe(resolveRoots({env: {}, cwd: carol.work, homeDir: carol.home}).state)
  }, 120_000)

  it('bites: the seed\'s paths are shared between users, and the same resolution of ours keeps them apart', () => {
    const people = [{home: '/home/ann', cwd: '/home/ann/bots'}, {home: '/home/bob', cwd: '/srv/bob'}]
    const seed = people.map(seedPaths)
    expect(seed[0].lock).toBe(seed[1].lock)
    expect(seed[0].telemetry).toBe(seed[1].telemetry)
    const ours = people.map((p) => resolveRoots({env: {}, cwd: p.cwd, homeDir: p.home}))
    for (const k of ['data', 'state', 'journals', 'logs'] as const) {
      expect(ours[0][k].startsWith('/home/ann/')).toBe(true)
      expect(ours[1][k].startsWith('/home/bob/')).toBe(true)
    }
  })

  it('the sources hold no absolute path outside documentation examples; the seed\'s would be found', () => {
    const sources = ['src', 'commands', 'strategies', 'bin']
      .flatMap((d) => filesUnder(join(ROOT, d)))
      .filter((f) => /\.(ts|js)$/.test(f) && !/\.test\.ts$/.test(f))
    expect(sources.length).toBeGreaterThan(100)
    const found = sources.flatMap((f) => hardCodedPaths(relative(ROOT, f), readFileSync(f, 'utf8')))
    expect(found).toEqual([])
    const seed = "LOCK_FILE = '/tmp/ai_trading_bot.lock'\nTELEMETRY_ROOT = \"/home/behar/bots_telemetry\"\nopen('data/trades.csv', 'a')"
    expect(hardCodedPaths('seed.py', seed)).toHaveLength(2)
  })
})
