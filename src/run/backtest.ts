/**
 * The wiring of a backtest: bars stream from the data store in time order; the simulated exchange matches
 * resting orders on each bar before the strategy sees it; venue events and timers run on one event loop at
 * their virtual times. The loop only awaits when something asynchronous is due, so a quiet stretch of bars
 * runs as a plain synchronous loop over typed arrays.
 */
import type {EquityCurve} from '../core/trade.js'
import type {OrderSnapshot} from '../core/order.js'
import type {Fill} from '../core/fill.js'
import type {Violation} from '../broker/order-tracker.js'
import {SimulatedExchange} from '../sim/exchange.js'
import {type FundingPayment, type FundingRate, fundingCoverageNotes, fundingTotals} from '../sim/funding.js'
import type {SimConfigInput} from '../sim/config.js'
import type {VenueProfile} from '../sim/venue-profile.js'
import {barClockFor} from '../engine/bar-clock.js'
import {EventLoop} from '../engine/event-loop.js'
import type {MetricSample} from '../engine/metrics.js'
import type {OrderGateway} from '../engine/order-gateway.js'
import type {KillSwitch} from '../risk/risk-engine.js'
import {type BarRunOptions, runSession, type SessionOutsideAction} from './session-runner.js'
import type {SessionWiring} from './session-wiring.js'
import type {StrategyFigure} from '../engine/strategy.js'
import {TradeRecorder} from '../engine/trade-recorder.js'

/**
 * A backtest is a session on the simulated exchange: the bar run's options (session-runner.ts), passed through as
 * they are, plus what the backtest builds the venue from (the loop, cash and seed come from `sim`).
 */
export interface BacktestOptions extends BarRunOptions {
  readonly profile: VenueProfile
  readonly sim?: SimConfigInput
  /** Funding rates of the run's perpetuals; each is settled at its time (none: no funding is charged, and the report says so). */
  readonly funding?: readonly FundingRate[]
  /**
   * Called at every bar instant (and after the drain) with the wiring and the simulated venue, after the equity
   * sample: the simulation tester (src/simtest) checks its invariants against the venue's own record there.
   */
  readonly observe?: (t: number, w: SessionWiring, venue: SimulatedExchange) => void
}

/** A run's perpetual funding: + received, − paid. */
export interface BacktestFunding {
  /** Every settlement, in venue order. */
  readonly payments: readonly FundingPayment[]
  /** Net: received − paid. */
  readonly total: number
  /** Sums of the positive and (as a positive number) the negative payments. */
  readonly received: number
  readonly paid: number
  /** Net per perpetual symbol of the run (0 for one that paid nothing), in symbol order. */
  readonly bySymbol: Readonly<Record<string, number>>
  /** Where the funding data did not cover a perpetual's run (then funding was not, or not fully, charged). */
  readonly notes: readonly string[]
}

/** An action on the venue by someone other than the strategy (see SessionOptions.outside). */
export type OutsideAction = SessionOutsideAction

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
  /** The kill switch's state when it engaged during the run. */
  readonly killSwitch?: KillSwitch
  /** The audit trail's outages and what stayed unwritten, when it was on. */
  readonly audit?: {readonly dir: string; readonly outages: number; readonly retries: number; readonly unwritten: number}
  /** Perpetual funding; undefined when the run trades no perpetual. */
  readonly funding?: BacktestFunding
}

export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  // What the backtest builds the venue from; everything else goes to the session as it is.
  const {profile, sim, funding, observe, ...session} = opts
  const {stream, instruments} = session
  const loop = new EventLoop(0)
  const exchange = new SimulatedExchange({loop, profile, instruments, config: sim, funding})

  // Equity is sampled once per bar instant, after every bar of that instant has been processed.
  let cap = 1024
  let eqTs: Float64Array<ArrayBuffer> = new Float64Array(cap)
  let eqVal: Float64Array<ArrayBuffer> = new Float64Array(cap)
  let eqExp: Float64Array<ArrayBuffer> = new Float64Array(cap)
  let samples = 0
  // Trades are recorded as the venue's executions happen, while the gateway still knows why each order was sent
  // (it forgets long-ended orders, so a long session stays bounded).
  let gateway: OrderGateway | undefined
  const recorder = new TradeRecorder((id) => gateway?.reasonOf(id))
  let recorded = 0
  const record = (): void => {
    const executions = exchange.executions
    while (recorded < executions.length) recorder.apply(executions[recorded++])
  }
  const sample = (t: number, w: SessionWiring): void => {
    gateway = w.gateway
    record()
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
    observe?.(t, w, exchange)
  }

  // The bar loop, the wiring and the strategy context are shared with replay (session-runner.ts).
  const run = await runSession({
    ...session,
    venue: exchange,
    barClock: barClockFor(profile.marketHours, stream.timeframe),
    loop,
    initialCash: exchange.config.initialCash,
    seed: exchange.config.seed,
    onInstant: sample,
  })
  const {view, journal, metrics, lastInstant} = run
  gateway = run.gateway
  record()
  recorder.closeOpen(lastInstant, exchange.priceOf)
  const finalEquity = samples > 0 ? eqVal[samples - 1] : exchange.config.initialCash

  return {
    bars: run.bars,
    from: run.first,
    to: lastInstant,
    symbols: stream.symbols,
    initialCash: exchange.config.initialCash,
    finalEquity,
    trades: recorder.trades,
    equity: {ts: eqTs.slice(0, samples), equity: eqVal.slice(0, samples), exposure: eqExp.slice(0, samples)},
    orders: exchange.orderSnapshots(),
    refused: run.gateway.refused,
    fills: exchange.executions,
    fees: exchange.ledger.fees,
    rejections: Object.fromEntries([...run.gateway.rejections.entries()].sort()),
    violations: view.orders.violations,
    journalHash: journal.digest(),
    journalRecords: journal.size,
    figures: run.strategy.figures?.() ?? [],
    metrics: metrics.samples(),
    killSwitch: run.risk?.kill.engaged ? {...run.risk.kill} : undefined,
    audit: run.audit ? {dir: run.audit.dir, outages: run.audit.outages.length, retries: run.audit.retries, unwritten: run.auditUnwritten} : undefined,
    funding: fundingOf(exchange, instruments, funding ?? [], run.first, lastInstant),
  }
}

/** The funding a run's perpetuals paid or received, and notes where the rates did not cover the run. */
function fundingOf(
  exchange: SimulatedExchange,
  instruments: BacktestOptions['instruments'],
  rates: readonly FundingRate[],
  from: number,
  end: number,
): BacktestFunding | undefined {
  const perpetuals = instruments.filter((i) => i.contract === 'linear_perpetual').map((i) => i.symbol).sort()
  if (perpetuals.length === 0) return undefined
  const {total, received, paid, bySymbol} = fundingTotals(exchange.fundingPayments)
  return {
    payments: exchange.fundingPayments,
    total,
    received,
    paid,
    bySymbol: Object.fromEntries(perpetuals.map((s) => [s, bySymbol[s] ?? 0])),
    notes: Number.isFinite(from) ? fundingCoverageNotes(perpetuals, rates, from, end) : [],
  }
}

function grow(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap)
  b.set(a)
  return b
}
