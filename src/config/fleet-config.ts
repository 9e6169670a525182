/**
 * The fleet file (OPS-01): accounts (venue, keys by environment-variable name) and bots (strategy, symbols,
 * timeframe, cooldown, risk overrides, schedule), in YAML or JSON. The whole file is validated before anything
 * starts, and every problem is reported — bot, field, what is wrong and how to fix it — not just the first.
 */
import {readFile} from 'node:fs/promises'
import {z} from 'zod'
import {TIMEFRAME_MS, type Timeframe} from '../core/market-data.js'
import {STRATEGIES, findStrategy} from '../../strategies/index.js'
import {ConfigError} from '../core/errors.js'
import {PositionModeSettingSchema} from '../sim/config.js'
import {closest, paramIssues} from './strategy-params.js'
import {TradingScheduleSchema} from '../risk/trading-hours.js'
import type {AssetClass} from '../core/instrument.js'

const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]
const ID = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'use 1–32 letters, digits, _ or -, starting with a letter or digit')
const ENV_NAME = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'name an environment variable (UPPER_CASE), not the key itself')

export const RiskOverridesSchema = z
  .object({
    maxExposure: z.number().gt(0).max(1).optional().describe('cap on gross exposure per asset class, as a fraction of equity (default 0.8)'),
    maxOpenOrders: z.number().int().positive().optional().describe('concurrent open orders (default 50)'),
    minOrderSpacingMs: z.number().int().min(0).optional().describe('minimum time between orders (default 1000)'),
    maxPositionPerSymbol: z.number().positive().optional().describe('largest position value per symbol'),
    maxDrawdown: z.number().gt(0).lt(1).optional().describe('kill switch: drawdown from peak equity'),
    staleDataMs: z.number().int().positive().optional().describe('no decision on data older than this (default 900000)'),
  })
  .strict()

export const AccountSchema = z
  .object({
    id: ID,
    venue: z.enum(['alpaca', 'bybit', 'sim']),
    mode: z.enum(['paper', 'live', 'sim']).default('paper'),
    positionMode: PositionModeSettingSchema.optional().describe(
      "bybit perpetuals: one-way (Bybit's default) or hedge, or per symbol {BTCUSDT: hedge}; set on the account at session start. Default: what the bot's strategy needs (grid: hedge), else one-way",
    ),
    keys: z
      .object({keyEnv: ENV_NAME, secretEnv: ENV_NAME})
      .strict()
      .optional()
      .describe('names of the environment variables holding the API key and secret (never the values)'),
  })
  .strict()

export const BotSchema = z
  .object({
    id: ID,
    account: ID,
    strategy: z.string().min(1),
    symbols: z.array(z.string().regex(/^[A-Z0-9./-]{1,20}$/, 'use upper-case tickers such as SPY or BTCUSDT')).min(1),
    timeframe: z.enum(TIMEFRAMES).default('1m'),
    cooldownMinutes: z
      .number()
      .min(0)
      .default(0)
      .describe('after a position in a symbol closes, no new entry in that symbol for this many minutes (kept across restarts); 0: off'),
    params: z.record(z.string(), z.unknown()).default({}),
    risk: RiskOverridesSchema.default({}),
    schedule: TradingScheduleSchema.optional().describe(
      'trading hours: new entries only inside [start, end) local time of `timezone` on `days`; at the end working entry orders are cancelled, positions and exits stay',
    ),
    enabled: z.boolean().default(true),
  })
  .strict()

export const FleetSchema = z
  .object({
    roots: z
      .object({data: z.string().optional(), state: z.string().optional(), journals: z.string().optional(), logs: z.string().optional()})
      .strict()
      .optional(),
    risk: RiskOverridesSchema.default({}),
    accounts: z.array(AccountSchema).min(1),
    bots: z.array(BotSchema).min(1),
  })
  .strict()

export type Fleet = z.infer<typeof FleetSchema>

/** One problem in a fleet file: where (bot or account, and field), what, and the fix. */
export interface FleetIssue {
  readonly where: string
  readonly message: string
}

export class FleetConfigError extends ConfigError {
  override readonly name = 'FleetConfigError'
  constructor(readonly file: string, readonly issues: readonly FleetIssue[]) {
    super(`${file}: ${issues.length} problem(s): ${issues.map((i) => `${i.where}: ${i.message}`).join('; ')}`)
  }
}

export async function parseFleetText(text: string, file: string): Promise<unknown> {
  if (/\.json$/i.test(file)) {
    try {
      return JSON.parse(text)
    } catch (err) {
      throw new FleetConfigError(file, [{where: '(file)', message: `not valid JSON: ${(err as Error).message}; fix the syntax`}])
    }
  }
  const {parseDocument} = await import('yaml')
  const doc = parseDocument(text, {prettyErrors: false})
  if (doc.errors.length > 0) {
    throw new FleetConfigError(file, doc.errors.map((e) => ({where: `line ${e.linePos?.[0]?.line ?? '?'}`, message: `${e.message.split('\n')[0]}; fix the YAML syntax`})))
  }
  return doc.toJS()
}

/** Reads and validates a fleet file; throws FleetConfigError listing every problem found. */
export async function loadFleet(file: string): Promise<Fleet> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new FleetConfigError(file, [{where: '(file)', message: 'cannot be read; check the path'}])
  }
  const {fleet, issues} = validateFleet(await parseFleetText(text, file))
  if (issues.length > 0 || !fleet) throw new FleetConfigError(file, issues)
  return fleet
}

/**
 * Schema and cross-reference checks; returns every issue, with bot and account ids in place of array indexes.
 * The cross-checks (strategy names, account references, strategy parameters) run on the raw file too, so a typo
 * in one bot is reported beside a schema error in another.
 */
export function validateFleet(raw: unknown): {fleet?: Fleet; issues: FleetIssue[]} {
  const parsed = FleetSchema.safeParse(raw)
  const issues: FleetIssue[] = []
  if (!parsed.success) for (const i of parsed.error.issues) issues.push({where: locate(raw, i.path), message: explain(i, FleetSchema)})
  const r = (raw ?? {}) as {accounts?: unknown; bots?: unknown}
  const accounts = asList(r.accounts)
  const bots = asList(r.bots)
  const accountIds = accounts.map((a) => a.id).filter((id): id is string => typeof id === 'string')
  duplicates(accountIds).forEach((id) => issues.push({where: `account '${id}'`, message: 'id used twice; give each account its own id'}))
  duplicates(bots.map((b) => b.id).filter((id): id is string => typeof id === 'string')).forEach((id) =>
    issues.push({where: `bot '${id}'`, message: 'id used twice; give each bot its own id'}),
  )
  for (const a of accounts) {
    if (typeof a.venue === 'string' && a.venue !== 'sim' && a.keys === undefined) {
      issues.push({where: `account '${String(a.id)}' field 'keys'`, message: `a ${a.venue} account needs keys: {keyEnv, secretEnv}`})
    }
    if (a.venue === 'sim' && a.mode === 'live') {
      issues.push({where: `account '${String(a.id)}' field 'mode'`, message: 'a sim account cannot trade live; use mode: sim (or a bybit / alpaca account for live trading)'})
    }
    const keys = a.keys as {keyEnv?: unknown; secretEnv?: unknown} | undefined
    if (typeof keys?.keyEnv === 'string' && keys.keyEnv === keys.secretEnv) {
      issues.push({where: `account '${String(a.id)}' field 'keys.secretEnv'`, message: `is the same variable as keyEnv (${keys.keyEnv}); name the variable that holds the secret`})
    }
    if (a.venue === 'alpaca' && a.positionMode !== undefined) {
      issues.push({where: `account '${String(a.id)}' field 'positionMode'`, message: 'Alpaca nets positions; positionMode applies to bybit accounts only — remove it'})
    }
  }
  bots.forEach((b, i) => {
    const name = typeof b.id === 'string' ? `'${b.id}'` : `#${i + 1}`
    if (typeof b.account === 'string' && !accountIds.includes(b.account)) {
      issues.push({where: `bot ${name} field 'account'`, message: `unknown account '${b.account}'; use one of: ${accountIds.join(', ')}`})
    }
    if (Array.isArray(b.symbols)) {
      for (const sym of duplicates(b.symbols.filter((x): x is string => typeof x === 'string'))) {
        issues.push({where: `bot ${name} field 'symbols'`, message: `${sym} is listed twice; list each symbol once`})
      }
    }
    if (typeof b.strategy !== 'string') return
    const factory = findStrategy(b.strategy)
    if (!factory) {
      const near = closest(b.strategy, STRATEGIES.map((s) => s.name))
      issues.push({
        where: `bot ${name} field 'strategy'`,
        message: `unknown strategy '${b.strategy}'; ${near ? `did you mean '${near}'? ` : ''}choose one of: ${STRATEGIES.map((s) => s.name).join(', ')}`,
      })
      return
    }
    for (const e of paramIssues(factory.params, b.params ?? {})) issues.push({where: `bot ${name} field 'params.${e.path.join('.')}'`, message: e.message})
    const account = accounts.find((a) => a.id === b.account)
    // A strategy runs only on a venue that offers what it trades (the grid: perpetuals, which Alpaca does not have).
    const offered = typeof account?.venue === 'string' ? VENUE_ASSET_CLASSES[account.venue] : undefined
    if (offered && factory.assetClasses && !factory.assetClasses.some((c) => offered.includes(c))) {
      issues.push({
        where: `bot ${name} field 'account'`,
        message: `${b.strategy} trades ${factory.assetClasses.join(', ')}, which ${String(account?.venue)} account '${String(account?.id)}' does not offer; put the bot on a ${venuesFor(factory.assetClasses)} account`,
      })
      return
    }
    // A strategy that needs a position mode cannot run on an account set to the other one.
    const given = account?.positionMode
    if (factory.positionMode !== undefined && (given === 'one-way' || given === 'hedge') && given !== factory.positionMode) {
      issues.push({
        where: `bot ${name} field 'strategy'`,
        message: `${b.strategy} needs ${factory.positionMode} mode, but account '${String(account?.id)}' has positionMode: ${given}; set positionMode: ${factory.positionMode} on the account (or leave it out)`,
      })
    }
  })
  return parsed.success && issues.length === 0 ? {fleet: parsed.data, issues} : {issues}
}

/** What each venue trades (the sim venue: anything its market data holds). */
const VENUE_ASSET_CLASSES: Record<string, readonly AssetClass[] | undefined> = {
  alpaca: ['us_equity', 'crypto_spot'],
  bybit: ['crypto_perp', 'crypto_spot'],
}

function venuesFor(classes: readonly AssetClass[]): string {
  const names = Object.entries(VENUE_ASSET_CLASSES).filter(([, offered]) => classes.some((c) => offered?.includes(c))).map(([v]) => v)
  return [...names, 'sim'].join(' or ')
}

function asList(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []
}

/** "bots[2].strategy" → "bot 'momentum-2' field 'strategy'", using the ids present in the raw file. */
function locate(raw: unknown, path: readonly PropertyKey[]): string {
  const [top, index, ...rest] = path
  const field = rest.length > 0 ? ` field '${rest.map(String).join('.')}'` : ''
  if ((top === 'bots' || top === 'accounts') && typeof index === 'number') {
    const list = (raw as Record<string, unknown[]> | undefined)?.[top]
    const id = (list?.[index] as {id?: unknown} | undefined)?.id
    const kind = top === 'bots' ? 'bot' : 'account'
    return `${kind} ${typeof id === 'string' ? `'${id}'` : `#${index + 1}`}${field}`
  }
  return path.length > 0 ? `field '${path.map(String).join('.')}'` : '(file)'
}

function explain(i: z.core.$ZodIssue, schema: z.ZodType): string {
  if (i.code === 'unrecognized_keys') {
    const known = fieldsAt(schema, i.path)
    const near = i.keys.map((k) => [k, closest(k, known)] as const).filter(([, n]) => n !== undefined)
    const hint = near.length === 0 ? '' : i.keys.length === 1 ? ` (did you mean '${near[0][1]}'?)` : ` (did you mean ${near.map(([k, n]) => `'${n}' for '${k}'`).join(', ')}?)`
    return `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}; remove or correct the spelling${hint}`
  }
  if (i.code === 'invalid_value') return `${i.message}`
  if (i.code === 'invalid_type' && i.input === undefined) return `missing; add it (${i.message.replace(/^Invalid input: /, '')})`
  return i.message
}

/** The field names of the object the schema describes at `path` (array indexes step into the element). */
function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at: unknown = schema
  for (let k = 0; ; k++) {
    while (at instanceof z.ZodOptional || at instanceof z.ZodDefault) at = at.unwrap()
    if (k === path.length) break
    if (at instanceof z.ZodArray && typeof path[k] === 'number') at = at.element
    else if (at instanceof z.ZodObject) at = at.shape[String(path[k])]
    else return []
  }
  return at instanceof z.ZodObject ? Object.keys(at.shape) : []
}

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>()
  const dup = new Set<string>()
  for (const id of ids) (seen.has(id) ? dup : seen).add(id)
  return [...dup]
}

/** JSON Schema of the fleet file, for editors (`trader config schema`). */
export function fleetJsonSchema(): unknown {
  return z.toJSONSchema(FleetSchema, {io: 'input'})
}
