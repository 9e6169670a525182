/**
 * A backtest as the CLI asks for it: settings from a config file and flags (validated by zod), data from the
 * market-data store, the strategy from the registry, then the run and its report. Commands stay thin.
 */
import {readFile} from 'node:fs/promises'
import {z} from 'zod'
import {defaultInstrument, type Instrument, positionModeName} from '../core/instrument.js'
import {type BarStream, TIMEFRAME_MS, type Timeframe} from '../core/market-data.js'
import {ConfigError, UserInputError} from '../core/errors.js'
import {parseStrategyParams} from '../config/strategy-params.js'
import {parseTimeInput} from '../config/time-input.js'
import {zodOneLine} from '../config/zod-message.js'
import {type SimConfigInput, SimConfigSchema} from '../sim/config.js'
import {type KillSwitch, type RiskLimits, RiskLimitsSchema} from '../risk/risk-engine.js'
import type {AuditTrail} from '../risk/audit-trail.js'
import {profileFor} from '../sim/venue-profile.js'
import {DEFAULT_STRATEGY, findStrategy, STRATEGIES} from '../../strategies/index.js'
import type {FundingRate} from '../sim/funding.js'
import {type BacktestResult, runBacktest} from './backtest.js'
import {chooseDefaultSymbols} from './default-symbols.js'
import type {Journal} from '../engine/journal.js'
import type {SessionHeader} from '../engine/session-header.js'
import {captureStartState} from './start-state.js'

const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]

const timeValue = z.union([z.string(), z.number()])

/** The `--config` file of `trader backtest`. Flags given on the command line override it. */
export const BacktestConfigSchema = z
  .object({
    strategy: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    symbols: z.array(z.string().min(1)).optional(),
    from: timeValue.optional(),
    to: timeValue.optional(),
    timeframe: z.enum(TIMEFRAMES).optional(),
    db: z.string().optional(),
    sim: SimConfigSchema.partial().optional(),
    /** Pre-trade risk limits (src/risk/risk-engine.ts); the defaults apply when absent. */
    risk: RiskLimitsSchema.partial().optional(),
  })
  .strict()
export type BacktestConfig = z.infer<typeof BacktestConfigSchema>

export interface BacktestFlags {
  strategy?: string
  symbols?: string
  from?: string
  to?: string
  timeframe?: string
  cash?: number
  fee?: number
  slippage?: string
  latency?: string
  participation?: string
  seed?: number
  config?: string
  /** With `config` a fleet file: the bot whose strategy, parameters, symbols, timeframe, risk, hours and cooldown run. */
  bot?: string
  db?: string
  params?: string
  /** false turns the pre-trade risk checks off (--no-risk). */
  risk?: boolean
  /** --position-mode: perpetuals in one-way (Bybit's default) or hedge mode. */
  positionMode?: 'one-way' | 'hedge'
}

export interface BacktestPlan {
  readonly strategy: string
  readonly params: unknown
  readonly symbols: readonly string[] | undefined
  readonly from: number | undefined
  readonly to: number | undefined
  readonly timeframe: Timeframe
  readonly db: string | undefined
  readonly sim: SimConfigInput
  /** Risk limits on top of the strategy's and the product's defaults; null when risk is off. */
  readonly risk: Partial<RiskLimits> | null
  /** Whether the flags or the config set fee rates; a venue with a fee schedule of its own (spot) applies it otherwise. */
  readonly feesGiven?: boolean
}

export async function loadBacktestConfig(path: string): Promise<BacktestConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new ConfigError(`config file ${path} cannot be read; check the path`)
  }
  if (/\.ya?ml$/i.test(path)) throw new ConfigError(`config file ${path} is YAML: a backtest config is JSON; for a fleet file add --bot ID to backtest one of its bots`)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON (${(err as Error).message}); fix the syntax`)
  }
  if (typeof raw === 'object' && raw !== null && 'bots' in raw && 'accounts' in raw) {
    throw new ConfigError(`config file ${path} is a fleet file; add --bot ID to backtest one of its bots`)
  }
  const parsed = BacktestConfigSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(zodOneLine(parsed.error, path))
  return parsed.data
}

/** Merges config and flags into one validated plan; every problem is a one-line UserInputError. */
export async function planBacktest(flags: BacktestFlags): Promise<BacktestPlan> {
  if (flags.bot !== undefined && flags.config === undefined) throw new UserInputError('--bot needs --config FILE (the fleet file the bot is in)')
  const cfg: BacktestConfig = flags.bot !== undefined ? await fleetBotConfig(flags.config!, flags.bot) : flags.config ? await loadBacktestConfig(flags.config) : {}
  const strategy = flags.strategy ?? cfg.strategy ?? DEFAULT_STRATEGY
  const factory = findStrategy(strategy)
  if (!factory) {
    throw new UserInputError(`unknown strategy '${strategy}'; choose one of: ${STRATEGIES.map((s) => s.name).join(', ')}`)
  }
  let paramsInput: unknown = cfg.params ?? {}
  if (flags.params) {
    try {
      paramsInput = {...(paramsInput as object), ...JSON.parse(flags.params)}
    } catch {
      throw new UserInputError(`--params '${flags.params}' is not JSON; use e.g. --params '{"fast":5,"slow":20}'`)
    }
  }
  const params = parseStrategyParams(factory, paramsInput, `parameters of ${strategy}`)
  if (!params.ok) throw new UserInputError(params.message)

  const timeframe = (flags.timeframe ?? cfg.timeframe ?? '1m') as Timeframe
  if (!TIMEFRAMES.includes(timeframe)) throw new UserInputError(`--timeframe '${timeframe}' is not one of ${TIMEFRAMES.join(', ')}`)
  const from = flags.from ?? cfg.from
  const to = flags.to ?? cfg.to
  const fromMs = from === undefined ? undefined : typeof from === 'number' ? from : parseTimeInput(from, '--from')
  const toMs = to === undefined ? undefined : typeof to === 'number' ? to : parseTimeInput(to, '--to', true)
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    throw new UserInputError(`--from (${new Date(fromMs).toISOString()}) must be before --to (${new Date(toMs).toISOString()})`)
  }
  const symbols = flags.symbols
    ? flags.symbols.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)
    : cfg.symbols?.map((s) => s.toUpperCase())

  const sim: Record<string, unknown> = {...cfg.sim}
  if (flags.cash !== undefined) sim.initialCash = flags.cash
  if (flags.seed !== undefined) sim.seed = flags.seed
  if (flags.fee !== undefined) sim.fees = {...(cfg.sim?.fees ?? {}), makerRate: flags.fee, takerRate: flags.fee}
  if (flags.slippage !== undefined) sim.slippage = parseSlippage(flags.slippage)
  if (flags.participation !== undefined) sim.participation = parseParticipation(flags.participation)
  if (flags.latency !== undefined) sim.latency = parseLatency(flags.latency)
  // A wire takes time: 20 ms unless told otherwise. At 0 ms a venue message can land at the very instant of a bar,
  // and a recording cannot tell on which side of that bar it arrived, so its replay is not exact.
  else if (cfg.sim?.latency === undefined) sim.latency = DEFAULT_LATENCY
  const modeSource = flags.positionMode !== undefined ? '--position-mode' : 'sim.positionMode in the config file'
  if (flags.positionMode !== undefined) sim.positionMode = flags.positionMode
  // The user owns the simulated account: without a mode of their own, it runs in the one the strategy needs.
  else if (sim.positionMode === undefined && factory.positionMode !== undefined) sim.positionMode = factory.positionMode
  const need = factory.positionMode
  if (need !== undefined && typeof sim.positionMode === 'string' && sim.positionMode !== need) {
    throw new UserInputError(`${strategy} needs ${need} mode on perpetuals, but ${modeSource} says ${String(sim.positionMode)}; use --position-mode ${need} (positionMode: ${need} in the sim settings) or leave it out`)
  }
  const simParsed = SimConfigSchema.safeParse(sim)
  if (!simParsed.success) throw new UserInputError(zodOneLine(simParsed.error, 'simulator settings'))

  const risk = flags.risk === false ? null : {...factory.riskDefaults, ...cfg.risk}
  const feesGiven = flags.fee !== undefined || cfg.sim?.fees !== undefined
  return {strategy, params: params.data, symbols, from: fromMs, to: toMs, timeframe, db: flags.db ?? cfg.db, sim: simParsed.data, risk, feesGiven}
}

/** A fleet bot as a backtest config: its strategy, parameters, symbols, timeframe and risk (with hours and cooldown). */
async function fleetBotConfig(file: string, botId: string): Promise<BacktestConfig> {
  const {fleetBotBacktest} = await import('../config/fleet-session.js')
  const bot = await fleetBotBacktest(file, botId)
  return {strategy: bot.strategy, params: bot.params, symbols: [...bot.symbols], timeframe: bot.timeframe, risk: bot.riskOverrides as Partial<RiskLimits>}
}

/** `--participation 0.25` (a share of each bar's volume) or `none` (no volume limit). */
function parseParticipation(v: string): number | 'none' {
  if (v === 'none') return 'none'
  const share = Number(v)
  if (!(share > 0 && share <= 1)) throw new UserInputError(`--participation '${v}' must be a share of bar volume in (0, 1], e.g. 0.1, or none for no volume limit`)
  return share
}

/** `--slippage 2` or `2bps` (basis points), `1tick` / `1ticks` (ticks). */
export function parseSlippage(v: string): {bps: number; ticks: number} {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(bps|ticks?|)\s*$/.exec(v)
  if (!m) throw new UserInputError(`--slippage '${v}' is not understood; use basis points (2 or 2bps) or ticks (1tick)`)
  const n = Number(m[1])
  return m[2].startsWith('tick') ? {bps: 0, ticks: n} : {bps: n, ticks: 0}
}

/** Venue latency of a backtest when neither the flags nor the config set one. */
export const DEFAULT_LATENCY = {fixedMs: 20, jitterMs: 0}

/** `--latency 50` (fixed ms) or `50:20` (fixed ms : seeded jitter ms). */
export function parseLatency(v: string): {fixedMs: number; jitterMs: number} {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+(?:\.\d+)?))?\s*$/.exec(v)
  if (!m) throw new UserInputError(`--latency '${v}' is not understood; use fixed milliseconds (50) or fixed:jitter (50:20)`)
  return {fixedMs: Number(m[1]), jitterMs: m[2] === undefined ? 0 : Number(m[2])}
}

export interface BacktestJobResult {
  readonly plan: BacktestPlan
  readonly result: BacktestResult
  readonly instruments: readonly Instrument[]
  readonly notices: readonly string[]
}

export interface BacktestJobOptions {
  readonly onProgress?: (bars: number, ts: number, totalRows: number) => void
  readonly journal?: Journal
  /** The account's persisted kill switch to start from, and where to persist it when it trips. */
  readonly kill?: KillSwitch
  readonly onKill?: (kill: KillSwitch) => void
  /** The audit trail (RISK-04). */
  readonly audit?: AuditTrail
}

/** The bars and instruments of a planned run: the stream (read on a worker thread) and what the store said. */
export interface BacktestData {
  readonly stream: BarStream
  readonly instruments: readonly Instrument[]
  readonly venue: string
  readonly totalRows: number
  readonly symbols: readonly string[]
  readonly notices: readonly string[]
  /** Funding rates of the run's perpetuals over its period (with a margin of a funding interval each side). */
  readonly funding: readonly FundingRate[]
}

/**
 * Opens the store (importing the bundled sample on first use), plans the bar stream and closes the store; the
 * bars are then read on a worker thread (the reader and the engine use one core each). Replay uses it too.
 */
export async function openBacktestData(plan: BacktestPlan): Promise<BacktestData> {
  const {defaultDatabasePath, openStoreForReading} = await import('../data/sample.js')
  const {threadedBarStream} = await import('../data/threaded-stream.js')
  const notices: string[] = []
  const dbPath = plan.db ?? defaultDatabasePath()
  // Read-only (the sample imported first if needed): concurrent runs share the file.
  const store = await openStoreForReading(dbPath, {sample: !plan.db})
  let prepared: Awaited<ReturnType<typeof prepareRun>>
  try {
    prepared = await prepareRun(store, plan, notices)
  } finally {
    store.close()
  }
  const {streamPlan, instruments, venue, totalRows, funding} = prepared
  return {stream: threadedBarStream(dbPath, streamPlan), instruments, venue, totalRows, symbols: streamPlan.symbols, notices, funding}
}

/** The journal's first record for a backtest of `plan` over `data`. */
export function backtestHeader(plan: BacktestPlan, data: BacktestData, epoch = 1): SessionHeader {
  return {
    format: 1,
    mode: 'backtest',
    strategy: plan.strategy,
    params: plan.params ?? {},
    symbols: [...data.symbols].sort(),
    timeframe: plan.timeframe,
    from: plan.from ?? null,
    to: plan.to ?? null,
    source: plan.db ? {db: plan.db} : 'sample',
    rows: data.totalRows,
    venue: data.venue,
    sim: plan.sim as Record<string, unknown>,
    seed: SimConfigSchema.parse(plan.sim).seed,
    epoch,
    risk: plan.risk,
  }
}

/** Runs the planned backtest; the journal starts with the session header, so the run can be replayed. */
export async function runBacktestJob(plan: BacktestPlan, opts: BacktestJobOptions = {}): Promise<BacktestJobResult> {
  const data = await openBacktestData(plan)
  const {stream, instruments, venue, totalRows} = data
  const factory = findStrategy(plan.strategy)!
  // Crypto spot data runs on the spot venue; its fee schedule applies unless the run set fees of its own.
  const profile = profileFor(venue, instruments)
  if (profile.fees && plan.feesGiven === false) plan = {...plan, sim: {...plan.sim, fees: {...SimConfigSchema.parse(plan.sim).fees, ...profile.fees}}}
  // Perpetuals: the journal header names the position mode the venue ran in, the venue's default included.
  if (plan.sim.positionMode === undefined && instruments.some((i) => i.contract === 'linear_perpetual')) {
    plan = {...plan, sim: {...plan.sim, positionMode: positionModeName(profile.positionMode)}}
  }
  const result = await runBacktest({
    stream,
    instruments,
    profile,
    strategy: factory.create(plan.params),
    sim: plan.sim,
    funding: data.funding,
    journal: opts.journal,
    header: backtestHeader(plan, data),
    // What the run starts from on disk (the strategy's state files, the account's kill switch): replay needs it.
    startState: captureStartState(factory.stateFiles?.(plan.params), {kill: plan.risk ? opts.kill : undefined}),
    risk: plan.risk ? {limits: plan.risk, kill: opts.kill, onKill: opts.onKill} : undefined,
    audit: opts.audit,
    onProgress: opts.onProgress ? (bars, ts) => opts.onProgress!(bars, ts, totalRows) : undefined,
    progressEvery: 50_000,
  })
  if (result.bars === 0) throw new UserInputError(`no bars for ${data.symbols.join(',')} in the chosen period; check --from / --to against \`trader data list\``)
  return {plan, result, instruments, notices: data.notices}
}

/** Chooses the symbols, checks they share one venue, and plans the stream while the store is open. */
async function prepareRun(store: import('../data/store.js').MarketDataStore, plan: BacktestPlan, notices: string[]) {
  let symbols = plan.symbols
  if (!symbols || symbols.length === 0) {
    // One venue's symbols, of the asset classes the strategy trades (src/run/default-symbols.ts).
    const chosen = chooseDefaultSymbols(await store.list(), plan.timeframe, findStrategy(plan.strategy) ?? {name: plan.strategy})
    symbols = chosen.symbols
    notices.push(chosen.note)
  }
  const infos = await store.instrumentsFor(symbols)
  const venues = [...new Set(infos.map((i) => i.venue))]
  if (venues.length > 1) {
    throw new UserInputError(`--symbols span several venues (${venues.join(', ')}); a backtest runs against one venue, so run them separately`)
  }
  const streamPlan = await store.planStream({symbols, timeframe: plan.timeframe, from: plan.from, to: plan.to})
  const infoBySymbol = new Map(infos.map((i) => [i.symbol, i]))
  const instruments = streamPlan.symbols.map((s) => {
    const info = infoBySymbol.get(s)!
    return defaultInstrument(s, info.assetClass, info.venue)
  })
  const funding = await fundingFor(store, instruments, streamPlan.windows, TIMEFRAME_MS[plan.timeframe])
  return {streamPlan, instruments, venue: venues[0], totalRows: streamPlan.rows, funding}
}

/** Funding rates of the perpetuals among `instruments` over the stream's span, a funding interval (8 h) wider each side. */
async function fundingFor(
  store: import('../data/store.js').MarketDataStore,
  instruments: readonly Instrument[],
  windows: ReadonlyArray<readonly [number, number]>,
  tfMs: number,
): Promise<FundingRate[]> {
  const perpetuals = instruments.filter((i) => i.contract === 'linear_perpetual').map((i) => i.symbol)
  if (perpetuals.length === 0 || windows.length === 0) return []
  const margin = 8 * 3_600_000
  return store.fundingRates(perpetuals, {from: windows[0][0] - margin, to: windows[windows.length - 1][1] + tfMs + margin})
}
