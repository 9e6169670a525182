/**
 * Several simulated accounts in one run (GRID-09): the public bar stream is read once and every account's venue
 * and strategy see each bar; each account keeps its own simulated exchange (so its own orders, positions, ledger,
 * fault script and request budget), journal, metrics labels and error record, and is wired as a single-account
 * session is (session-wiring.ts): engine view, pre-trade pipeline with its risk engine and audit trail, gateway,
 * strategy context.
 * Everything an account's strategy runs — bars, events, timers — is guarded: an exception halts that account
 * only (recorded in its errors), never the run or the other accounts.
 */
import type {Instrument} from '../core/instrument.js'
import {type BarStream, TIMEFRAME_MS} from '../core/market-data.js'
import {RateLimitError} from '../broker/errors.js'
import type {BrokerPort} from '../broker/port.js'
import {SimulatedExchange} from '../sim/exchange.js'
import type {SimConfigInput} from '../sim/config.js'
import type {VenueProfile} from '../sim/venue-profile.js'
import {barClockFor} from '../engine/bar-clock.js'
import {fillBar, reusedBar, walkBars} from '../engine/bar-walk.js'
import type {BacktestResult} from './backtest.js'
import {type EngineLog, silentLog} from '../engine/engine-log.js'
import {EventLoop} from '../engine/event-loop.js'
import {Journal} from '../engine/journal.js'
import {keyOf, type MetricSample, MetricsRegistry} from '../engine/metrics.js'
import type {KernelOptions} from './kernel-options.js'
import type {Scheduler, TimerHandle} from '../core/time/scheduler.js'
import {type SessionWiring, wireSession} from './session-wiring.js'
import type {Strategy} from '../engine/strategy.js'
import type {AuditTrail} from '../risk/audit-trail.js'
import {TradeRecorder} from '../engine/trade-recorder.js'

export interface AccountSpec {
  /** Account id: labels its metrics, prefixes its venue order ids. Letters, digits, '_' and '-'. */
  readonly id: string
  readonly strategy: Strategy
  /** The account's simulator settings: cash, latency, faults, request budget. */
  readonly sim?: SimConfigInput
  readonly log?: EngineLog
  readonly journal?: Journal
  /** The account's pre-trade risk (limits, kill switch), as in a single-account run; off when absent. */
  readonly risk?: KernelOptions['risk']
  /** The account's audit trail (RISK-04), as in a single-account run. */
  readonly audit?: AuditTrail
}

export interface MultiAccountOptions {
  readonly stream: BarStream
  readonly instruments: readonly Instrument[]
  readonly profile: VenueProfile
  readonly accounts: readonly AccountSpec[]
  readonly epoch?: number
  /** One registry for every account; each account's series carry `account="<id>"`. */
  readonly metrics?: MetricsRegistry
}

export interface AccountError {
  readonly ts: number
  readonly where: string
  readonly message: string
}

export interface AccountOutcome {
  readonly id: string
  /** The same shape a single-account backtest gives (the run's metrics are in MultiAccountResult). */
  readonly result: BacktestResult
  readonly errors: readonly AccountError[]
  /** True once the account's strategy threw: it was cut off from further bars, events and timers. */
  readonly halted: boolean
  readonly barsSeen: number
  /** Requests the account's venue refused with a rate-limit error. */
  readonly rateLimited: number
}

export interface MultiAccountResult {
  readonly bars: number
  /** Chunks read from the shared stream (it is read once, whatever the number of accounts). */
  readonly chunks: number
  readonly accounts: readonly AccountOutcome[]
  readonly metrics: readonly MetricSample[]
}

export class MultiAccountError extends Error {
  override readonly name = 'MultiAccountError'
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,16}$/

interface Account {
  readonly spec: AccountSpec
  readonly exchange: SimulatedExchange
  /** The account's session wiring (session-wiring.ts): broker, view, pre-trade pipeline, gateway, context. */
  readonly wiring: SessionWiring
  readonly journal: Journal
  readonly log: EngineLog
  readonly errors: AccountError[]
  halted: boolean
  barsSeen: number
  rateLimited: number
  readonly eqTs: number[]
  readonly eqVal: number[]
  readonly eqExp: number[]
  /** Trades recorded as the venue's executions happen, while the gateway still knows each order's reason. */
  readonly recorder: TradeRecorder
  recorded: number
}

export async function runMultiAccount(opts: MultiAccountOptions): Promise<MultiAccountResult> {
  const {stream, instruments} = opts
  if (opts.accounts.length === 0) throw new MultiAccountError('no accounts: give at least one account to run')
  const ids = new Set<string>()
  for (const a of opts.accounts) {
    if (!ACCOUNT_ID.test(a.id)) throw new MultiAccountError(`account id '${a.id}' is not valid; use 1-16 letters, digits, '_' or '-'`)
    if (ids.has(a.id)) throw new MultiAccountError(`account id '${a.id}' is given twice; each account needs its own id`)
    ids.add(a.id)
  }
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const loop = new EventLoop(0)
  const metrics = opts.metrics ?? new MetricsRegistry()
  const epoch = opts.epoch ?? 1

  const fail = (a: Account, where: string, err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err)
    a.errors.push({ts: loop.clock.now(), where, message})
    if (!a.halted) a.log.error(`account ${a.spec.id}: strategy failed in ${where} (${message}); this account is halted, the others go on`)
    a.halted = true
    a.journal.append({t: loop.clock.now(), type: 'account_halted', data: {where, message}})
  }

  /** Runs one of the account's strategy callbacks, keeping a throw (or a rejected promise) inside the account. */
  const guard = (a: Account, where: string, fn: () => void | Promise<void>): void | Promise<void> => {
    if (a.halted) return
    try {
      const r = fn()
      if (r) {
        loop.markAsync()
        return r.catch((err: unknown) => fail(a, where, err))
      }
    } catch (err) {
      fail(a, where, err)
    }
  }

  const schedulerFor = (a: Account): Scheduler => ({
    at: (time: number, fn: () => void): TimerHandle => loop.at(time, () => void guard(a, 'timer', fn)),
    after: (delayMs: number, fn: () => void): TimerHandle => loop.after(delayMs, () => void guard(a, 'timer', fn)),
    every: (intervalMs: number, fn: () => void, firstAt?: number): TimerHandle => loop.every(intervalMs, () => void guard(a, 'timer', fn), firstAt),
  })

  /** Once per bar instant (and after the drain): the account's trades so far and its equity. */
  const sample = (a: Account, t: number): void => {
    const executions = a.exchange.executions
    while (a.recorded < executions.length) a.recorder.apply(executions[a.recorded++])
    const totals = a.exchange.ledger.atMarks()
    a.eqTs.push(t)
    a.eqVal.push(totals.equity)
    a.eqExp.push(totals.equity > 0 ? totals.gross / totals.equity : 0)
  }

  // Every account is wired as a single-account session is (session-wiring.ts): the same strategy context, the
  // same pre-trade pipeline (risk, audit trail), its own venue, journal and metric labels; what its strategy runs
  // (events, timers) is guarded.
  const accounts: Account[] = opts.accounts.map((spec) => {
    const exchange = new SimulatedExchange({loop, profile: opts.profile, instruments, config: spec.sim, account: spec.id})
    const journal = spec.journal ?? new Journal()
    const account: Account = {
      spec,
      exchange,
      wiring: undefined!,
      journal,
      log: spec.log ?? silentLog,
      errors: [],
      halted: false,
      barsSeen: 0,
      rateLimited: 0,
      eqTs: [],
      eqVal: [],
      eqExp: [],
      recorder: new TradeRecorder((id) => account.wiring.gateway.reasonOf(id)),
      recorded: 0,
    }
    const wiring = wireSession({
      strategy: spec.strategy,
      log: account.log,
      risk: spec.risk,
      audit: spec.audit,
      venue: countRateLimits(exchange, () => account.rateLimited++),
      loop,
      journal,
      symbols: stream.symbols,
      instruments,
      initialCash: exchange.config.initialCash,
      seed: exchange.config.seed,
      epoch,
      metrics,
      metricLabels: {account: spec.id},
      scheduler: schedulerFor(account),
      isolate: (where, fn) => void guard(account, where, fn),
      onInstant: (t) => sample(account, t),
    })
    Object.assign(account, {wiring})
    return account
  })

  const symbols = stream.symbols
  const bar = reusedBar()
  // The same walk as a single-account session (bar-walk.ts): each account's strategy gets its own settle turns
  // after a bar on which it made a call, and every strategy stops at the drain's end.
  const walk = await walkBars(stream, loop, {
    accounts: accounts.length,
    start: (k) => {
      const a = accounts[k]
      return guard(a, 'start', () => a.spec.strategy.start?.(a.wiring.ctx))
    },
    // Per account: the kill switch watches equity, the audit trail retries, then the sample.
    endInstant: (t) => {
      for (const a of accounts) a.wiring.endInstant(t)
    },
    calls: (k) => accounts[k].wiring.gateway.calls + accounts[k].wiring.broker.requestCount,
    clock: barClockFor(opts.profile.marketHours, stream.timeframe),
    // Each account's venue sees the bars time-true, at their own times, before its strategy (bar-walk.ts).
    venue: {
      open: (chunk, i, openAt, closeAt, k) =>
        accounts[k].exchange.openBar(chunk.symbol[i], chunk.ts[i], tfMs, openAt, closeAt, chunk.open[i], chunk.high[i], chunk.low[i], chunk.close[i], chunk.volume[i]),
      point: (p, _t, k) => accounts[k].exchange.pathPoint(p),
    },
    bar: (chunk, i, end, k) => {
      const a = accounts[k]
      // The risk engine's view of the data, as in a single-account run.
      a.wiring.market?.onBar(chunk.symbol[i], end, chunk.close[i])
      if (a.halted) return
      a.barsSeen++
      const onBar = a.spec.strategy.onBar
      if (!onBar) return
      // Guarded inline rather than through `guard`, so a bar allocates no closure. The bar is filled for each
      // account: one account's strategy cannot change the bar the next one sees.
      try {
        const r = onBar.call(a.spec.strategy, fillBar(bar, chunk, i, symbols))
        if (r) {
          loop.markAsync()
          return r.catch((err: unknown) => fail(a, 'onBar', err))
        }
      } catch (err) {
        fail(a, 'onBar', err)
      }
    },
    stop: (k) => {
      const a = accounts[k]
      return guard(a, 'stop', () => a.spec.strategy.stop?.())
    },
    flushHeld: (k) => accounts[k].exchange.flushHeld(),
    drained: (t) => {
      for (const a of accounts) sample(a, t)
    },
  })
  const {bars, chunks, first} = walk
  const lastInstant = walk.instant

  const outcomes: AccountOutcome[] = []
  for (const a of accounts) {
    const {gateway, view, guard: risk, audit} = a.wiring
    const auditUnwritten = audit ? await audit.close(loop.clock.now()) : 0
    const recorder = a.recorder
    for (const executions = a.exchange.executions; a.recorded < executions.length; ) recorder.apply(executions[a.recorded++])
    recorder.closeOpen(lastInstant, a.exchange.priceOf)
    const n = a.eqVal.length
    const result: BacktestResult = {
      bars,
      from: first,
      to: lastInstant,
      symbols,
      initialCash: a.exchange.config.initialCash,
      finalEquity: n > 0 ? a.eqVal[n - 1] : a.exchange.config.initialCash,
      trades: recorder.trades,
      equity: {ts: Float64Array.from(a.eqTs), equity: Float64Array.from(a.eqVal), exposure: Float64Array.from(a.eqExp)},
      orders: a.exchange.orderSnapshots(),
      refused: gateway.refused,
      fills: a.exchange.executions,
      fees: a.exchange.ledger.fees,
      rejections: Object.fromEntries([...gateway.rejections.entries()].sort()),
      violations: view.orders.violations,
      journalHash: a.journal.digest(),
      journalRecords: a.journal.size,
      figures: a.halted ? [] : (a.spec.strategy.figures?.() ?? []),
      // The account's own series, keyed as in a single-account run (without the account label).
      metrics: metrics
        .samples()
        .filter((m) => m.labels.account === a.spec.id)
        .map((m) => {
          const labels = Object.fromEntries(Object.entries(m.labels).filter(([k]) => k !== 'account'))
          return {...m, labels, key: keyOf(m.name, labels)}
        }),
      killSwitch: risk?.engine.kill.engaged ? {...risk.engine.kill} : undefined,
      audit: audit ? {dir: audit.dir, outages: audit.outages.length, retries: audit.retries, unwritten: auditUnwritten} : undefined,
    }
    outcomes.push({id: a.spec.id, result, errors: a.errors, halted: a.halted, barsSeen: a.barsSeen, rateLimited: a.rateLimited})
  }
  return {bars, chunks, accounts: outcomes, metrics: metrics.samples()}
}

/** The port with every rate-limit refusal counted (the account's own budget, as its venue enforces it). */
function countRateLimits(inner: BrokerPort, onLimited: () => void): BrokerPort {
  const watch = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (err instanceof RateLimitError) onLimited()
      throw err
    })
  return {
    venue: inner.venue,
    positionMode: inner.positionMode,
    positionModeOf: inner.positionModeOf?.bind(inner),
    instrument: (s) => inner.instrument(s),
    submitOrder: (r) => watch(inner.submitOrder(r)),
    cancelOrder: (r) => watch(inner.cancelOrder(r)),
    amendOrder: (r, c) => watch(inner.amendOrder(r, c)),
    getOrder: (r) => watch(inner.getOrder(r)),
    openOrders: (s) => watch(inner.openOrders(s)),
    positions: () => watch(inner.positions()),
    account: () => watch(inner.account()),
    executionsSince: (t) => watch(inner.executionsSince(t)),
    subscribe: (h) => inner.subscribe(h),
  }
}
