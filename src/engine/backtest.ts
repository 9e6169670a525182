/**
 * The wiring of a backtest: bars stream from the data store in time order; the simulated exchange matches
 * resting orders on each bar before the strategy sees it; venue events and timers run on one event loop at
 * their virtual times. The loop only awaits when something asynchronous is due, so a quiet stretch of bars
 * runs as a plain synchronous loop over typed arrays.
 */
import type {Instrument} from '../core/instrument.js'
import {type Bar, type BarStream, TIMEFRAME_MS} from '../core/market-data.js'
import {Rng} from '../core/rng.js'
import type {EquityCurve} from '../core/trade.js'
import type {OrderSnapshot} from '../core/order.js'
import type {Fill} from '../core/fill.js'
import {clientOrderId} from '../core/ids.js'
import type {Violation} from '../broker/order-tracker.js'
import {SimulatedExchange} from '../sim/exchange.js'
import type {SimConfigInput} from '../sim/config.js'
import type {VenueProfile} from '../sim/venue-profile.js'
import {AccountView} from './account-view.js'
import {type EngineLog, silentLog} from './engine-log.js'
import {EventLoop} from './event-loop.js'
import {Journal} from './journal.js'
import {type MetricSample, MetricsRegistry} from './metrics.js'
import {OrderGateway} from './order-gateway.js'
import {RecordingBroker} from './recording-broker.js'
import type {Strategy, StrategyContext, StrategyFigure} from './strategy.js'
import {TradeRecorder} from './trade-recorder.js'

export interface BacktestOptions {
  readonly stream: BarStream
  /** One per stream symbol, in the stream's order. */
  readonly instruments: readonly Instrument[]
  readonly profile: VenueProfile
  readonly strategy: Strategy
  readonly sim?: SimConfigInput
  /** Fencing epoch put into client order ids. */
  readonly epoch?: number
  readonly journal?: Journal
  readonly log?: EngineLog
  /** Called every `progressEvery` bars with the bars done and the current bar time. */
  readonly onProgress?: (bars: number, ts: number) => void
  readonly progressEvery?: number
  /** Where the run's metrics go (a fresh registry when absent); strategies see it as `ctx.metrics`. */
  readonly metrics?: MetricsRegistry
  /**
   * In-process restarts (ALP-02, ALP-13): at each of these engine times the running strategy is snapshotted,
   * stopped, and replaced by `rebuild(snapshot)`, started on the same venue with the next fencing epoch.
   */
  readonly restartAt?: readonly number[]
  readonly rebuild?: (snapshot: unknown) => Strategy
  /** Things done to the account from outside the strategy (a person trading by hand), at their engine times. */
  readonly outside?: readonly OutsideAction[]
}

/** An action on the venue by someone other than the strategy, straight on the port (not through the gateway). */
export interface OutsideAction {
  readonly at: number
  readonly label: string
  readonly run: (venue: import('../broker/port.js').BrokerPort) => Promise<unknown>
}

export interface BacktestResult {
  readonly bars: number
  readonly from: number
  readonly to: number
  readonly symbols: readonly string[]
  readonly initialCash: number
  readonly finalEquity: number
  readonly trades: ReturnType<TradeRecorder['trades']['slice']>
  readonly equity: EquityCurve
  readonly orders: readonly OrderSnapshot[]
  /** Orders the venue refused outright (never on its book). */
  readonly refused: OrderGateway['refused']
  readonly fills: readonly Fill[]
  readonly fees: number
  readonly rejections: Record<string, number>
  readonly violations: readonly Violation[]
  readonly journalHash: string
  readonly journalRecords: number
  /** The strategy's own figures for the report (empty when it has none). */
  readonly figures: readonly StrategyFigure[]
  /** The run's metrics at the end, flattened and sorted. */
  readonly metrics: readonly MetricSample[]
}

/** Time allowed after the last bar for in-flight requests and events to land. */
const DRAIN_MS = 60_000

export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const {stream, instruments, strategy} = opts
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const loop = new EventLoop(0)
  const journal = opts.journal ?? new Journal()
  const log = opts.log ?? silentLog
  const exchange = new SimulatedExchange({loop, profile: opts.profile, instruments, config: opts.sim})
  const broker = new RecordingBroker(exchange, journal, loop.clock)
  const view = new AccountView(exchange.config.initialCash)
  const gateway = new OrderGateway(broker, view, loop.clock, journal)
  const recorder = new TradeRecorder((id) => gateway.reasonOf(id))
  const epoch = opts.epoch ?? 1
  const rng = new Rng(exchange.config.seed).fork(7)
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]))
  const metrics = opts.metrics ?? new MetricsRegistry()
  const restartAt = [...(opts.restartAt ?? [])].sort((a, b) => a - b)
  if (restartAt.length > 0 && !opts.rebuild) throw new Error('runBacktest: restartAt needs rebuild (how to build the next strategy instance)')
  let restarts = 0
  let current: Strategy = strategy
  for (const a of opts.outside ?? []) {
    loop.schedule(a.at, () => {
      journal.append({t: loop.clock.now(), type: 'outside', data: a.label})
      a.run(exchange).catch((err: unknown) => journal.append({t: loop.clock.now(), type: 'outside_failed', data: {label: a.label, error: String(err)}}))
    })
  }

  broker.subscribe((event) => {
    view.apply(event, loop.clock.now())
    const r = current.onEvent?.(event)
    if (r) {
      loop.markAsync()
      r.catch((err) => log.error('strategy event handler failed', {error: String(err)}))
    }
  })

  const ctx: StrategyContext = {
    clock: loop.clock,
    scheduler: loop,
    rng,
    broker,
    orders: gateway,
    account: view,
    symbols: stream.symbols,
    log,
    instrument: (s) => {
      const i = bySymbol.get(s)
      if (!i) throw new Error(`symbol ${s} is not part of this run`)
      return i
    },
    clientOrderId: (key, leg) => clientOrderId({scope: current.name, key, leg, epoch: epoch + restarts}),
    record: (type, data) => journal.append({t: loop.clock.now(), type, data}),
    metrics,
  }

  // Equity is sampled once per bar instant, after every bar of that instant has been processed.
  let cap = 1024
  let eqTs: Float64Array<ArrayBuffer> = new Float64Array(cap)
  let eqVal: Float64Array<ArrayBuffer> = new Float64Array(cap)
  let eqExp: Float64Array<ArrayBuffer> = new Float64Array(cap)
  let samples = 0
  const sample = (t: number): void => {
    if (samples === cap) {
      cap *= 2
      eqTs = grow(eqTs, cap)
      eqVal = grow(eqVal, cap)
      eqExp = grow(eqExp, cap)
    }
    const totals = exchange.ledger.atMarks()
    eqTs[samples] = t
    eqVal[samples] = totals.equity
    eqExp[samples] = totals.equity > 0 ? totals.gross / totals.equity : 0
    samples++
  }

  const symbols = stream.symbols
  const bar = {symbol: '', index: 0, ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0} satisfies Bar as {
    -readonly [K in keyof Bar]: Bar[K]
  }
  let onBar = strategy.onBar?.bind(strategy)
  const progressEvery = opts.progressEvery ?? 1_000_000
  let bars = 0
  let first = NaN
  let lastInstant = -Infinity
  let started = false
  const restartUntil = async (until: number): Promise<void> => {
    while (restarts < restartAt.length && restartAt[restarts] <= until) {
      const at = restartAt[restarts]
      await loop.runUntil(at)
      loop.clock.advanceTo(Math.max(at, loop.clock.now()))
      const snapshot = current.snapshot?.()
      await current.stop?.()
      restarts++
      journal.append({t: loop.clock.now(), type: 'restart', data: {n: restarts, epoch: epoch + restarts}})
      current = opts.rebuild!(snapshot)
      onBar = current.onBar?.bind(current)
      await current.start?.(ctx)
    }
  }

  // The next chunks are requested before the current one is processed, so DuckDB reads while the engine runs.
  const chunks = stream[Symbol.asyncIterator]()
  const ahead = [chunks.next(), chunks.next()]
  for (;;) {
    const step = await ahead.shift()!
    if (step.done) break
    ahead.push(chunks.next())
    const {length, symbol, ts, open, high, low, close, volume} = step.value
    for (let i = 0; i < length; i++) {
      const t = ts[i]
      const end = t + tfMs
      if (!started) {
        started = true
        first = t
        loop.clock.advanceTo(t)
        await strategy.start?.(ctx)
        await loop.runUntil(t)
      }
      if (end !== lastInstant) {
        if (lastInstant > -Infinity) sample(lastInstant)
        lastInstant = end
      }
      if (restarts < restartAt.length && restartAt[restarts] <= end) await restartUntil(end)
      if (loop.nextTime <= end) await loop.runUntil(end)
      loop.clock.advanceTo(end)
      const s = symbol[i]
      exchange.onBar(s, t, tfMs, open[i], high[i], low[i], close[i], volume[i])
      if (onBar) {
        bar.symbol = symbols[s]
        bar.index = s
        bar.ts = t
        bar.open = open[i]
        bar.high = high[i]
        bar.low = low[i]
        bar.close = close[i]
        bar.volume = volume[i]
        const r = onBar(bar)
        if (r) await r
      }
      if (++bars % progressEvery === 0) opts.onProgress?.(bars, t)
    }
  }

  if (started) {
    await loop.runUntil(lastInstant + DRAIN_MS)
    await current.stop?.()
    exchange.flushHeld()
    await loop.runUntil(loop.clock.now() + DRAIN_MS)
    sample(lastInstant)
  }

  for (const f of exchange.executions) recorder.apply(f)
  recorder.closeOpen(lastInstant, exchange.priceOf)
  const finalEquity = samples > 0 ? eqVal[samples - 1] : exchange.config.initialCash

  return {
    bars,
    from: first,
    to: lastInstant,
    symbols,
    initialCash: exchange.config.initialCash,
    finalEquity,
    trades: recorder.trades,
    equity: {ts: eqTs.slice(0, samples), equity: eqVal.slice(0, samples), exposure: eqExp.slice(0, samples)},
    orders: exchange.orderSnapshots(),
    refused: gateway.refused,
    fills: exchange.executions,
    fees: exchange.ledger.fees,
    rejections: Object.fromEntries([...gateway.rejections.entries()].sort()),
    violations: view.orders.violations,
    journalHash: journal.digest(),
    journalRecords: journal.size,
    figures: current.figures?.() ?? [],
    metrics: metrics.samples(),
  }
}

function grow(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap)
  b.set(a)
  return b
}
