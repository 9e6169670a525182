/**
 * Scenario files (`fixtures/scenarios/*.json`): a data slice, simulator settings with a fault script, the strategy
 * and its parameters, and the expectations that must hold. The scenario tests in test/scenarios/ load them, and
 * `trader replay SCENARIO` runs them in CI. Every scenario also checks the general invariants.
 */
import {readFile} from 'node:fs/promises'
import {z} from 'zod'
import {defaultInstrument} from '../core/instrument.js'
import {type BarChunk, type BarStream, TIMEFRAME_MS, type Timeframe} from '../core/market-data.js'
import {ConfigError} from '../ops/errors.js'
import {zodOneLine} from '../ops/zod-message.js'
import {SimConfigSchema} from '../sim/config.js'
import {profileFor} from '../sim/venue-profile.js'
import {findStrategy} from '../../strategies/index.js'
import {type BacktestResult, runBacktest} from './backtest.js'
import {Journal} from './journal.js'

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
}

/** Runs a scenario through the same backtest wiring as `trader backtest`, then checks its expectations. */
export async function runScenario(scenario: Scenario): Promise<ScenarioOutcome> {
  const factory = findStrategy(scenario.strategy)
  if (!factory) throw new ConfigError(`scenario ${scenario.id}: unknown strategy '${scenario.strategy}'`)
  const params = factory.params.safeParse(scenario.params)
  if (!params.success) throw new ConfigError(zodOneLine(params.error, `scenario ${scenario.id} params`))
  const journal = new Journal({keep: true})
  const {stream, instruments, venue} = await scenarioBars(scenario)
  const result = await runBacktest({stream, instruments, profile: profileFor(venue), strategy: factory.create(params.data), sim: scenario.sim, journal})
  return {scenario, result, journal, failures: checkExpectations(scenario, result, journal)}
}

async function scenarioBars(scenario: Scenario): Promise<{stream: BarStream; instruments: ReturnType<typeof defaultInstrument>[]; venue: string}> {
  const data = scenario.data
  if ('inline' in data) {
    const {timeframe, venue, assetClass, bars} = data.inline
    const stream = inlineStream(bars, timeframe)
    return {stream, instruments: stream.symbols.map((s) => defaultInstrument(s, assetClass, venue)), venue}
  }
  const {MarketDataStore} = await import('../data/store.js')
  const {defaultDatabasePath, ensureSampleData} = await import('../data/sample.js')
  const {parseTimeInput} = await import('../ops/time-input.js')
  const q = data.store
  const store = await MarketDataStore.open(q.db ?? defaultDatabasePath())
  try {
    if (!q.db) await ensureSampleData(store)
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

function checkExpectations(s: Scenario, r: BacktestResult, journal: Journal): string[] {
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
  if (e.journal) {
    const counts = new Map<string, number>()
    for (const rec of journal.records) counts.set(rec.type, (counts.get(rec.type) ?? 0) + 1)
    for (const [type, c] of Object.entries(e.journal)) range(`journal ${type}`, counts.get(type) ?? 0, c)
  }
  return failures
}
