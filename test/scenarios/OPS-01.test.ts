/**
 * OPS-01: many bots in one config file, one with a typo. Required: the whole file is validated by schema before
 * anything starts, and the error names the bot, the field and the fix.
 *
 * As a user meets it: `trader config validate FILE` (the built CLI) on a fleet of twelve bots over three accounts
 * and every strategy, YAML and JSON. Each case plants one typo in one bot — a field name, a strategy name, a
 * parameter name (top level and nested), an account reference, a timeframe — and expects exit code 2 and exactly
 * one line naming that bot, the field and the fix, and no other bot. A file with mistakes in three bots reports all
 * three in one run. The clean fleet passes.
 * Bites: the seed's loader (global_config.json read with per-bot defaults, no schema) accepts every one of those
 * files, so a typo'd setting silently becomes its default.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {stringify} from 'yaml'

const ROOT = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'trader-ops01-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function trader(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: {...process.env, NODE_ENV: 'production', NO_COLOR: '1', TRADER_HOME: join(dir, 'home'), TRADER_DATA_DB: join(dir, 'market.duckdb')},
    timeout: 60_000,
  })
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

type Bot = Record<string, unknown> & {id: string}

/** Twelve bots over three accounts, every strategy at least once, with parameters, risk overrides and schedules. */
function fleet(): {accounts: Record<string, unknown>[]; bots: Bot[]; roots: Record<string, string>} {
  const bots: Bot[] = [
    {id: 'sma-spy', account: 'alpaca-paper', strategy: 'sma-cross', symbols: ['SPY'], timeframe: '1m', cooldownMinutes: 30, params: {fast: 10, slow: 30, fraction: 0.2}, schedule: {start: '09:30', end: '16:00'}},
    {id: 'sma-qqq', account: 'alpaca-paper', strategy: 'sma-cross', symbols: ['QQQ'], params: {fast: 5, slow: 20}},
    {id: 'hold-spy', account: 'sim-local', strategy: 'buy-and-hold', symbols: ['SPY', 'QQQ'], timeframe: '1d'},
    {id: 'orb-ibm', account: 'alpaca-paper', strategy: 'opening-range', symbols: ['IBM']},
    {id: 'sar-aapl', account: 'alpaca-paper', strategy: 'parabolic-sar', symbols: ['AAPL'], risk: {maxOpenOrders: 5}},
    {id: 'vp-msft', account: 'alpaca-paper', strategy: 'volume-profile', symbols: ['MSFT']},
    {id: 'consensus-1', account: 'alpaca-paper', strategy: 'consensus', symbols: ['SPY']},
    {id: 'momentum-1', account: 'alpaca-paper', strategy: 'momentum', symbols: ['AAPL', 'MSFT'], params: {buyer: {maxPositions: 3}}},
    {id: 'grid-btc', account: 'bybit-main', strategy: 'grid', symbols: ['BTCUSDT'], params: {gridStepPct: 1, tpPct: 1.5}},
    {id: 'grid-eth', account: 'bybit-main', strategy: 'grid', symbols: ['ETHUSDT'], cooldownMinutes: 5},
    {id: 'sma-btc', account: 'bybit-main', strategy: 'sma-cross', symbols: ['BTCUSDT'], timeframe: '5m'},
    {id: 'hold-btc', account: 'sim-local', strategy: 'buy-and-hold', symbols: ['BTCUSDT'], enabled: false},
  ]
  return {
    roots: {state: '~/.trader/state', logs: '~/.trader/logs'},
    accounts: [
      {id: 'alpaca-paper', venue: 'alpaca', mode: 'paper', keys: {keyEnv: 'ALPACA_KEY_ID', secretEnv: 'ALPACA_SECRET_KEY'}},
      {id: 'bybit-main', venue: 'bybit', mode: 'live', keys: {keyEnv: 'BYBIT_API_KEY', secretEnv: 'BYBIT_API_SECRET'}},
      {id: 'sim-local', venue: 'sim', mode: 'sim'},
    ],
    bots,
  }
}

/** One planted typo: which bot, the edit, and what the line must name (field) and offer (fix). */
interface Typo {
  readonly what: string
  readonly bot: string
  readonly edit: (b: Bot) => void
  readonly field: RegExp
  readonly fix: RegExp
}

const TYPOS: readonly Typo[] = [
  {
    what: 'a misspelt field name',
    bot: 'grid-eth',
    edit: (b) => {
      b.cooldwnMinutes = b.cooldownMinutes
      delete b.cooldownMinutes
    },
    field: /'cooldwnMinutes'/,
    fix: /remove or correct the spelling \(did you mean 'cooldownMinutes'\?\)/,
  },
  {what: 'a misspelt strategy', bot: 'vp-msft', edit: (b) => (b.strategy = 'volume-profil'), field: /field 'strategy'/, fix: /did you mean 'volume-profile'\?/},
  {
    what: 'a misspelt parameter (which the strategy alone would drop, running on its default)',
    bot: 'sma-qqq',
    edit: (b) => (b.params = {fats: 5, slow: 20}),
    field: /field 'params\.fats'/,
    fix: /did you mean 'fast'\? remove or correct the spelling/,
  },
  {
    what: 'a misspelt nested parameter',
    bot: 'momentum-1',
    edit: (b) => (b.params = {buyer: {maxPostions: 3}}),
    field: /field 'params\.buyer\.maxPostions'/,
    fix: /did you mean 'maxPositions'\?/,
  },
  {what: 'a misspelt account', bot: 'sar-aapl', edit: (b) => (b.account = 'alpaca-papr'), field: /field 'account'/, fix: /use one of: alpaca-paper, bybit-main, sim-local/},
  {what: 'a timeframe that does not exist', bot: 'sma-btc', edit: (b) => (b.timeframe = '5min'), field: /field 'timeframe'/, fix: /expected one of "1m"\|"5m"/},
]

function write(name: string, content: object, format: 'yaml' | 'json'): string {
  const file = join(dir, `${name}.${format}`)
  writeFileSync(file, format === 'json' ? JSON.stringify(content, null, 2) : stringify(content))
  return file
}

function withTypo(t: Typo): ReturnType<typeof fleet> {
  const f = fleet()
  const bot = f.bots.find((b) => b.id === t.bot)
  if (!bot) throw new Error(`no bot ${t.bot}`)
  t.edit(bot)
  return f
}

/**
 * The seed's way (global_config.json): each bot's settings merged over defaults, read with `.get(key, default)`;
 * no schema, so it reports nothing it does not look for.
 */
function seedLoad(content: ReturnType<typeof fleet>): {bots: number; errors: string[]} {
  const defaults = {timeframe: '1m', cooldownMinutes: 0, params: {}, enabled: true}
  const errors: string[] = []
  const bots: Record<string, unknown>[] = content.bots.map((b) => ({...defaults, ...b}))
  for (const b of bots) if (!b.strategy) errors.push(`${String(b.id)}: no strategy`)
  return {bots: bots.length, errors}
}

describe('OPS-01: a fleet of twelve bots, one with a typo', () => {
  it('passes the clean fleet, in YAML and in JSON', () => {
    for (const format of ['yaml', 'json'] as const) {
      const r = trader('config', 'validate', write('clean', fleet(), format))
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/ok \(3 accounts, 12 bots\)/)
    }
  })

  for (const t of TYPOS) {
    it(`names the bot, the field and the fix for ${t.what}; the seed's loader says nothing`, () => {
      for (const format of ['yaml', 'json'] as const) {
        const file = write(`typo-${t.bot}`, withTypo(t), format)
        const r = trader('config', 'validate', file)
        expect(r.code, r.stdout).toBe(2)
        const lines = r.stderr.trim().split('\n')
        expect(lines, r.stderr).toHaveLength(1)
        const line = lines[0]
        expect(line.startsWith(`${file}: bot '${t.bot}'`), line).toBe(true)
        expect(line).toMatch(t.field)
        expect(line).toMatch(t.fix)
        // Only that bot: the eleven others are fine and not mentioned.
        for (const other of fleet().bots.filter((b) => b.id !== t.bot)) expect(line).not.toContain(`'${other.id}'`)
      }
      expect(seedLoad(withTypo(t))).toEqual({bots: 12, errors: []})
    })
  }

  it('validates the whole file at once: mistakes in three bots come out together, one line each', () => {
    const f = fleet()
    for (const t of [TYPOS[0], TYPOS[2], TYPOS[4]]) t.edit(f.bots.find((b) => b.id === t.bot)!)
    const r = trader('config', 'validate', write('three', f, 'yaml'))
    expect(r.code).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(3)
    for (const t of [TYPOS[0], TYPOS[2], TYPOS[4]]) expect(lines.filter((l) => l.includes(`bot '${t.bot}'`) && t.field.test(l) && t.fix.test(l)), t.what).toHaveLength(1)
    // --json gives the same issues as data.
    const j = trader('config', 'validate', join(dir, 'three.yaml'), '--json')
    expect(j.code).toBe(2)
    const issues = (JSON.parse(j.stdout) as {ok: boolean; issues: {where: string; message: string}[]}).issues
    expect(issues.map((i) => i.where.split(' field')[0]).sort()).toEqual(["bot 'grid-eth'", "bot 'sar-aapl'", "bot 'sma-qqq'"])
    expect(seedLoad(f).errors).toEqual([])
  })
})
