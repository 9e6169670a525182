/**
 * Scenario files (`fixtures/scenarios/*.json`): a data slice, simulator settings with a fault script, the strategy
 * and its parameters, and the expectations that must hold. The scenario tests in test/scenarios/ load them, and
 * `trader replay SCENARIO` runs them in CI. Every scenario also checks the general invariants.
 */
import {readFile} from 'node:fs/promises'
import {z} from 'zod'
import {defaultInstrument} from '../core/instrument.js'
import {type BarChunk, type BarStream, TIMEFRAME_MS, type Timeframe} from '../core/market-data.js'
import {ConfigError} from '../core/errors.js'
import {zodOneLine} from '../config/zod-message.js'
import {parseStrategyParams} from '../config/strategy-params.js'
import {SimConfigSchema, withNeededPositionMode} from '../sim/config.js'
import {RiskLimitsSchema} from '../risk/risk-engine.js'
import {profileFor} from '../sim/venue-profile.js'
import {findStrategy} from '../../strategies/index.js'
import {type BacktestOptions, type BacktestResult, runBacktest} from './backtest.js'
import {Journal} from '../engine/journal.js'
import {captureStartState, ReplayScratch} from './start-state.js'
import type {EngineLog} from '../engine/engine-log.js'
import type {MetricsRegistry} from '../engine/metrics.js'
import type {Strategy} from '../engine/strategy.js'
import type {BrokerPort} from '../broker/port.js'
import type {SessionHeader} from '../engine/session-header.js'

const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]

/** One bar: [symbol, open time (UTC ms), open, high, low, close, volume]. */
const InlineBar = z.tuple([z.string(), z.number(), z.number(), z.number(), z.number(), z.number(), z.number()])

const DataSchema = z.union([
  z
    .object({
      /** Bars from the market-data store (the bundled sample unless `db` says otherwise). */
      store: z.object({
        symbols: z.array(z.string()).min(1),
        timeframe: z.enum(TIMEFRAMES),
        from: z.string().optional(),
        to: z.string().optional(),
        db: z.string().optional(),
      }),
    })
    .strict(),
  z
    .object({
      /** Bars written into the scenario: small, exact setups. */
      inline: z.object({
        timeframe: z.enum(TIMEFRAMES),
        venue: z.enum(['alpaca', 'bybit', 'sim']).default('sim'),
        assetClass: z.enum(['us_equity', 'crypto_perp', 'crypto_spot']).default('crypto_spot'),
        bars: z.array(InlineBar).min(1),
      }),
    })
    .strict(),
])

/** An order placed on the account by hand (ALP-06, ALP-13): not by the strategy, straight on the venue. */
const OutsideOrder = z
  .object({
    clientOrderId: z.string().min(1),
    symbol: z.string().min(1),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit', 'stop', 'stop_limit']),
    qty: z.number().positive(),
    limitPrice: z.number().positive().optional(),
    stopPrice: z.number().positive().optional(),
    tif: z.enum(['gtc', 'ioc', 'fok', 'day']).default('gtc'),
  })
  .strict()

const OutsideSchema = z
  .object({at: z.number(), submit: OutsideOrder.optional(), cancel: z.string().min(1).optional()})
  .strict()
  .refine((a) => (a.submit === undefined) !== (a.cancel === undefined), {message: 'give exactly one of submit (an order) or cancel (a client order id)'})

const CountRange = z.object({min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional()}).strict()

export const ScenarioSchema = z
  .object({
    /** The catalog id (ALP-01, GRID-03, ...) or a free name. */
    id: z.string().min(1),
    title: z.string().min(1),
    strategy: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    data: DataSchema,
    sim: SimConfigSchema.partial().default({}),
    /** Pre-trade risk limits (src/risk/risk-engine.ts); risk is off when absent. */
    risk: RiskLimitsSchema.partial().optional(),
    /** Engine times (UTC ms) at which the strategy is restarted in process from its snapshot (ALP-02, ALP-13). */
    restartAt: z.array(z.number()).optional(),
    /**
     * Engine times (UTC ms) at which the process "crashes": the strategy ends without a final write and the next
     * instance starts from its durable state alone (params.stateDir). The simulation tester draws them (DST-*).
     */
    crashAt: z.array(z.number()).optional(),
    /** Orders placed or cancelled on the account from outside the strategy, at engine times. */
    outside: z.array(OutsideSchema).optional(),
    /**
     * Several accounts in one run (GRID-09): they share the bars and each has its own venue. `params` and `sim`
     * override the scenario's for that account (validated once merged). Run with runMultiAccountScenario.
     */
    accounts: z
      .array(z.object({id: z.string().min(1), params: z.record(z.string(), z.unknown()).optional(), sim: z.record(z.string(), z.unknown()).optional()}).strict())
      .min(1)
      .optional(),
    expect: z
      .object({
        /** No invariant violation recorded by the order tracker (default true). */
        invariants: z.boolean().default(true),
        trades: CountRange.optional(),
        orders: CountRange.optional(),
        fills: CountRange.optional(),
        /** Rejections by code, e.g. {"insufficient_buying_power": {"max": 0}}. */
        rejections: z.record(z.string(), CountRange).optional(),
        /** Journal records by type, e.g. {"intent": {"max": 4}}. */
        journal: z.record(z.string(), CountRange).optional(),
        /** Metric samples by key, e.g. {"grid_orphan_orders_total": {"max": 0}, "grid_tp_close_latency_ms_max": {"max": 50}}. */
        metrics: z.record(z.string(), z.object({min: z.number().optional(), max: z.number().optional()}).strict()).optional(),
        /** Largest gross exposure / equity over the equity samples. */
        maxExposure: z.number().min(0).optional(),
        /** Whether the risk kill switch must have engaged (true) or must not have (false). */
        killSwitch: z.boolean().optional(),
      })
      .strict()
      .default({invariants: true}),
  })
  .strict()

export type Scenario = z.infer<typeof ScenarioSchema>

export async function loadScenario(path: string): Promise<Scenario> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(`scenario ${path} cannot be read as JSON (${(err as Error).message}); check the path and the syntax`)
  }
  const parsed = ScenarioSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(zodOneLine(parsed.error, path))
  return parsed.data
}

export interface ScenarioOutcome {
  readonly scenario: Scenario
  readonly result: BacktestResult
  readonly journal: Journal
  /** Expectations that failed, one line each; empty when the scenario passed. */
  readonly failures: readonly string[]
  /** The strategy instance running at the end (the last one built after restarts). */
  readonly strategy: Strategy
}

/** A scenario's `params.stateDir` meaning "a fresh empty directory for each run" (crash-restart scenarios). */
export const FRESH_STATE_DIR = '<simtest-state>'

export interface RunScenarioOptions {
  /** Runs this strategy instead of the registry's (tests: a deliberately naive variant must fail the same checks). */
  readonly strategy?: Strategy
  readonly log?: EngineLog
  readonly metrics?: MetricsRegistry
  /** Builds the instance after a restart (default: the registry's factory with the snapshot). */
  readonly rebuild?: (snapshot: unknown) => Strategy
  /** The journal to write (kept in memory); a caller that must see it even when the run throws passes its own. */
  readonly journal?: Journal
  /** Sees the wiring and the simulated venue at every bar instant (the simulation tester's invariant checks). */
  readonly observe?: BacktestOptions['observe']
  /** Where a FRESH_STATE_DIR scenario's private state directory is made (default: the system's temp directory). */
  readonly stateRoot?: string
}

/** Runs a scenario through the same backtest wiring as `trader backtest`, then checks its expectations. */
export async function runScenario(scenario: Scenario, opts: RunScenarioOptions = {}): Promise<ScenarioOutcome> {
  if (scenario.accounts) {
    // Several accounts (GRID-09): every account's expectations, prefixed with its id; the first account's run stands for the result.
    const {runMultiAccountScenario} = await import('./multi-account-scenario.js')
    const multi = await runMultiAccountScenario(scenario, {logFor: opts.log ? () => opts.log! : undefined, metrics: opts.metrics})
    const first = multi.accounts[0]
    return {scenario, result: first.outcome.result, journal: first.journal, failures: multi.failures, strategy: first.strategy}
  }
  const factory = findStrategy(scenario.strategy)
  if (!factory) throw new ConfigError(`scenario ${scenario.id}: unknown strategy '${scenario.strategy}'`)
  const params = parseStrategyParams(factory, scenario.params, `scenario ${scenario.id} params`)
  if (!params.ok) throw new ConfigError(params.message)
  const journal = opts.journal ?? new Journal({keep: true})
  const {stream, instruments, venue} = await scenarioBars(scenario)
  const strategy = opts.strategy ?? factory.create(params.data)
  let last = strategy
  const build = opts.rebuild ?? ((snapshot: unknown) => factory.create(params.data, snapshot))
  const rebuild = (snapshot: unknown): Strategy => (last = build(snapshot))
  const outside = (scenario.outside ?? []).map((a) => ({
    at: a.at,
    label: outsideLabel(a),
    run: (venue: BrokerPort) => (a.submit ? venue.submitOrder(a.submit) : venue.cancelOrder({clientOrderId: a.cancel!})),
  }))
  // The registry's strategy can be rebuilt by replay from the header; an injected one (a test's variant) cannot.
  const header = opts.strategy || opts.rebuild ? undefined : scenarioHeader(scenario, params.data, stream, venue)
  // A scenario whose state directory is FRESH_STATE_DIR runs in a private empty one (as its replay does), so no run
  // reads what an earlier one left and nothing is written where the command was started.
  const spec = factory.stateFiles?.(params.data)
  const fresh = spec?.dir === FRESH_STATE_DIR ? new ReplayScratch(undefined, opts.stateRoot) : undefined
  try {
    const result = await runBacktest({stream, instruments, profile: profileFor(venue), strategy, sim: withNeededPositionMode(scenario.sim, factory.positionMode), journal, header, log: opts.log, metrics: opts.metrics, restartAt: scenario.restartAt, crashAt: scenario.crashAt, rebuild, outside, risk: scenario.risk ? {limits: scenario.risk} : undefined, observe: opts.observe, startState: header ? captureStartState(spec, {where: fresh?.stateDir}) : undefined, stateDir: fresh?.stateDir})
    return {scenario, result, journal, failures: checkExpectations(scenario, result, journal), strategy: last}
  } finally {
    fresh?.dispose()
  }
}

/** The journal label of an outside action (the same in the recording and its replay). */
export function outsideLabel(a: NonNullable<Scenario['outside']>[number]): string {
  return a.submit ? `submit ${a.submit.clientOrderId}` : `cancel ${a.cancel}`
}

/**
 * The session header of a scenario run: the scenario itself rides along (mode `scenario`), so replay rebuilds
 * the same bars, restarts and outside actions from the journal alone.
 */
export function scenarioHeader(scenario: Scenario, params: unknown, stream: BarStream, venue: string): SessionHeader {
  const data = scenario.data
  return {
    format: 1,
    mode: 'scenario',
    strategy: scenario.strategy,
    params,
    symbols: [...stream.symbols].sort(),
    timeframe: stream.timeframe,
    from: null,
    to: null,
    source: 'store' in data && data.store.db ? {db: data.store.db} : 'sample',
    rows: 'inline' in data ? data.inline.bars.length : 0,
    venue,
    sim: scenario.sim as Record<string, unknown>,
    seed: SimConfigSchema.parse(scenario.sim).seed,
    epoch: 1,
    risk: scenario.risk ?? null,
    scenario: scenario as unknown as Record<string, unknown>,
  }
}

export async function scenarioBars(scenario: Scenario): Promise<{stream: BarStream; instruments: ReturnType<typeof defaultInstrument>[]; venue: string}> {
  const data = scenario.data
  if ('inline' in data) {
    const {timeframe, venue, assetClass, bars} = data.inline
    const stream = inlineStream(bars, timeframe)
    return {stream, instruments: stream.symbols.map((s) => defaultInstrument(s, assetClass, venue)), venue}
  }
  const {defaultDatabasePath, openStoreForReading} = await import('../data/sample.js')
  const {parseTimeInput} = await import('../config/time-input.js')
  const q = data.store
  const store = await openStoreForReading(q.db ?? defaultDatabasePath(), {sample: !q.db})
  try {
    const infos = await store.instrumentsFor(q.symbols)
    const stream = await store.streamBars({
      symbols: q.symbols,
      timeframe: q.timeframe,
      from: q.from === undefined ? undefined : parseTimeInput(q.from, 'from'),
      to: q.to === undefined ? undefined : parseTimeInput(q.to, 'to', true),
    })
    // Read it all now: the slice is small, and the store can close before the run.
    const chunks: BarChunk[] = []
    for await (const c of stream) chunks.push(c)
    const bySymbol = new Map(infos.map((i) => [i.symbol, i]))
    return {
      stream: {symbols: stream.symbols, timeframe: stream.timeframe, [Symbol.asyncIterator]: async function* () { yield* chunks }},
      instruments: stream.symbols.map((s) => defaultInstrument(s, bySymbol.get(s)!.assetClass, bySymbol.get(s)!.venue)),
      venue: infos[0].venue,
    }
  } finally {
    store.close()
  }
}

/** A stream over inline bars, in (time, sorted symbol) order like the store's. */
export function inlineStream(bars: readonly (readonly [string, number, number, number, number, number, number])[], timeframe: Timeframe): BarStream {
  const symbols = [...new Set(bars.map((b) => b[0]))].sort()
  const index = new Map(symbols.map((s, i) => [s, i]))
  const rows = [...bars].sort((a, b) => a[1] - b[1] || index.get(a[0])! - index.get(b[0])!)
  const chunk: BarChunk = {
    length: rows.length,
    symbol: Uint16Array.from(rows, (r) => index.get(r[0])!),
    ts: Float64Array.from(rows, (r) => r[1]),
    open: Float64Array.from(rows, (r) => r[2]),
    high: Float64Array.from(rows, (r) => r[3]),
    low: Float64Array.from(rows, (r) => r[4]),
    close: Float64Array.from(rows, (r) => r[5]),
    volume: Float64Array.from(rows, (r) => r[6]),
  }
  return {symbols, timeframe, [Symbol.asyncIterator]: async function* () { yield chunk }}
}

export function checkExpectations(s: Scenario, r: BacktestResult, journal: Journal): string[] {
  const failures: string[] = []
  const e = s.expect
  const range = (what: string, n: number, c: z.infer<typeof CountRange> | undefined): void => {
    if (!c) return
    if (c.min !== undefined && n < c.min) failures.push(`${what}: ${n} < min ${c.min}`)
    if (c.max !== undefined && n > c.max) failures.push(`${what}: ${n} > max ${c.max}`)
  }
  if (e.invariants) for (const v of r.violations) failures.push(`invariant ${v.rule}: ${v.detail}`)
  range('trades', r.trades.length, e.trades)
  range('orders', r.orders.length, e.orders)
  range('fills', r.fills.length, e.fills)
  for (const [code, c] of Object.entries(e.rejections ?? {})) range(`rejections ${code}`, r.rejections[code] ?? 0, c)
  if (e.maxExposure !== undefined) {
    const peak = r.equity.exposure.reduce((m, x) => Math.max(m, x), 0)
    if (peak > e.maxExposure) failures.push(`exposure: peak ${peak.toFixed(4)} > max ${e.maxExposure}`)
  }
  if (e.killSwitch !== undefined && Boolean(r.killSwitch) !== e.killSwitch) {
    failures.push(`kill switch: ${r.killSwitch ? `engaged (${r.killSwitch.reason})` : 'not engaged'}, expected ${e.killSwitch ? 'engaged' : 'not engaged'}`)
  }
  if (e.journal) {
    const counts = new Map<string, number>()
    for (const rec of journal.records) counts.set(rec.type, (counts.get(rec.type) ?? 0) + 1)
    for (const [type, c] of Object.entries(e.journal)) range(`journal ${type}`, counts.get(type) ?? 0, c)
  }
  if (e.metrics) {
    const values = new Map(r.metrics.map((m) => [m.key, m.value]))
    for (const [key, c] of Object.entries(e.metrics)) {
      const v = values.get(key)
      if (v === undefined) failures.push(`metric ${key}: not reported`)
      else range(`metric ${key}`, v, c)
    }
  }
  return failures
}
