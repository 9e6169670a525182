/**
 * The simulated exchange: a deterministic venue behind the broker port.
 *
 * Requests travel to the venue and answers travel back after the latency model's delay; what happens to an
 * order in between (acknowledgement, fills, cancels, expiry) reaches subscribers as events, each kind on its
 * own FIFO channel with its own latency. Queries are answered with the venue's state at the moment the query
 * arrives, so an event can overtake a query's answer exactly as on a real venue. Fault rules can delay, drop,
 * duplicate or reorder events and fail, rate-limit or time out requests, all drawn from the seed.
 *
 * This class is the facade over the venue's parts, each with one job: the wire (wire.ts), the market data fed in
 * (price-feed.ts, tape.ts), order entry (order-entry.ts) and its rules (validation.ts), the book (order-book.ts),
 * matching (matcher.ts, matching.ts), fills and expiry (fills.ts), margin and liquidation (margin.ts).
 */
import type {Fill} from '../core/fill.js'
import type {Instrument, PositionMode} from '../core/instrument.js'
import {type AccountSnapshot, Ledger} from '../core/ledger.js'
import type {OrderRequest, OrderSnapshot} from '../core/order.js'
import {isTerminal} from '../core/order-state.js'
import type {PositionSnapshot} from '../core/position.js'
import {Rng} from '../core/rng.js'
import {InvalidOrderError} from '../broker/errors.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../broker/port.js'
import type {EventLoop} from '../engine/event-loop.js'
import {type SimConfig, type SimConfigInput, SimConfigSchema} from './config.js'
import {FaultInjector} from './faults.js'
import {Fills} from './fills.js'
import {type FundingPayment, type FundingRate, fundingPayments, fundingSchedule} from './funding.js'
import {LatencyModel} from './latency.js'
import {Margin} from './margin.js'
import {Matcher} from './matcher.js'
import {OrderBook, orderSnapshot} from './order-book.js'
import {OrderEntry} from './order-entry.js'
import {PositionModes} from './position-modes.js'
import {PriceFeed} from './price-feed.js'
import {MarketTape} from './tape.js'
import {RequestRules} from './validation.js'
import type {VenueProfile} from './venue-profile.js'
import {EventWire, RequestWire} from './wire.js'

export interface SimulatedExchangeOptions {
  readonly loop: EventLoop
  readonly profile: VenueProfile
  /** Instruments in the engine's symbol-index order. */
  readonly instruments: readonly Instrument[]
  readonly config?: SimConfigInput
  /** Account id, for several accounts on one simulated venue. */
  readonly account?: string
  /** Funding rates of the perpetuals listed (others are ignored): each is settled at its time (src/sim/funding.ts). */
  readonly funding?: readonly FundingRate[]
}

export class SimulatedExchange implements BrokerPort {
  readonly venue: string
  /** The account's position mode (perpetuals without a mode of their own); per symbol: `positionModeOf`. */
  readonly positionMode: PositionMode
  /** Per-symbol position modes (the emulator's switch-mode request changes them). */
  readonly positionModes: PositionModes
  readonly positionModeOf = (symbol: string): PositionMode => this.positionModes.of(symbol)
  readonly config: SimConfig
  readonly ledger: Ledger
  /** Every execution, in venue order: the venue's own record, for reconciliation and the report. */
  readonly executions: Fill[]
  /** Every funding settlement, in venue order. */
  readonly fundingPayments: FundingPayment[] = []
  /** Share of a bar's volume orders may take (Infinity: no volume limit). */
  readonly share: number
  private readonly symIndex = new Map<string, number>()
  private readonly loop: EventLoop
  private readonly instruments: readonly Instrument[]
  private readonly tape: MarketTape
  private readonly events: EventWire
  private readonly requests: RequestWire
  private readonly book: OrderBook
  private readonly fills: Fills
  private readonly margin: Margin
  private readonly feed: PriceFeed
  private readonly entry: OrderEntry
  readonly priceOf = (symbol: string): number => {
    const i = this.symIndex.get(symbol)
    return i === undefined ? 0 : this.tape.last[i]
  }

  constructor(opts: SimulatedExchangeOptions) {
    const {loop, profile, instruments} = opts
    this.loop = loop
    this.instruments = instruments
    this.venue = profile.name
    const config = (this.config = SimConfigSchema.parse(opts.config ?? {}))
    this.share = config.participation === 'none' ? Infinity : config.participation
    this.positionModes = new PositionModes(profile.positionMode, instruments, config.positionMode)
    this.positionMode = this.positionModes.account
    const idPrefix = profile.idPrefix + (opts.account ? `${opts.account}-` : '')
    instruments.forEach((inst, i) => this.symIndex.set(inst.symbol, i))
    const ledger = (this.ledger = new Ledger(config.initialCash, (s) => this.instrument(s)))
    const tape = (this.tape = new MarketTape(instruments, ledger))
    const rng = new Rng(config.seed)
    const latency = new LatencyModel(config.latency, rng.fork(1).int(2 ** 31), config.latencyByKind)
    const faults = new FaultInjector(config.faults, rng.fork(2))
    const events = (this.events = new EventWire(loop, latency, faults))
    const book = (this.book = new OrderBook(instruments.length, idPrefix))
    const fills = (this.fills = new Fills(loop, instruments, config.fees, profile.marketHours, ledger, tape, book, events, idPrefix))
    this.executions = fills.executions
    const matcher = new Matcher(instruments, config.slippage, this.share, ledger, tape, book, fills)
    const marginRules = {venue: this.venue, noShorting: profile.noShorting === true, allowShortStocks: config.allowShortStocks}
    const margin = (this.margin = new Margin(loop, marginRules, instruments, this.symIndex, ledger, tape, book, fills))
    const feed = (this.feed = new PriceFeed(loop, profile.marketHours, tape, book, fills, matcher, margin))
    const rules = new RequestRules(profile, this.positionModes, config.whenClosed)
    this.entry = new OrderEntry(loop, this.venue, config.fillAt, instruments, this.symIndex, tape, book, rules, margin, fills, matcher, feed)
    this.requests = new RequestWire(loop, this.venue, latency, faults, config.rateLimit, feed)
    const perpetual = (s: string): boolean => this.symIndex.has(s) && this.instrument(s).contract === 'linear_perpetual'
    // A funding time already past when the venue starts settled before it existed.
    for (const f of fundingSchedule(opts.funding ?? [], perpetual)) {
      if (f.ts >= loop.clock.now()) loop.at(f.ts, () => this.settleFunding(f.symbol, f.rate, f.ts))
    }
  }

  instrument(symbol: string): Instrument {
    const i = this.symIndex.get(symbol)
    if (i === undefined) throw new InvalidOrderError(`symbol ${symbol} is not listed on the simulated ${this.venue} venue`, this.venue)
    return this.instruments[i]
  }

  // ---------------------------------------------------------------- market data (called by the engine; price-feed.ts)

  /** One bar of symbol `sym` (open time `ts`, length `tfMs`), processed when the bar has closed. */
  onBar(sym: number, ts: number, tfMs: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.feed.onBar(sym, ts, tfMs, open, high, low, close, volume)
  }

  /** Time-true bars (a backtest): the bar of `sym` opens now, at `openAt`; its path ends at `closeAt`. */
  openBar(sym: number, ts: number, tfMs: number, openAt: number, closeAt: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.feed.openBar(sym, ts, tfMs, openAt, closeAt, open, high, low, close, volume)
  }

  /** Point `k` (1, 2: the extremes; 3: the close) of the paths of the bars opened at this instant is reached. */
  pathPoint(k: 1 | 2 | 3): void {
    this.feed.pathPoint(k)
  }

  /** One trade print: a one-point path whose size bounds what orders may take from it. */
  onTrade(sym: number, ts: number, price: number, size: number): void {
    this.feed.onTrade(sym, ts, price, size)
  }

  /** Sets the last price without trading (for marks at start-up). */
  setMark(sym: number, price: number): void {
    this.tape.mark(sym, price)
  }

  /**
   * A funding time of `symbol`: every open position (each hedge leg apart) pays or receives its value at the current
   * mark × `rate` (src/sim/funding.ts), booked in the ledger and reported as an `account` event.
   */
  settleFunding(symbol: string, rate: number, ts: number): readonly FundingPayment[] {
    const sym = this.symIndex.get(symbol)
    if (sym === undefined) return []
    // At the mark of this instant: a time-true bar under way is caught up to its last point passed.
    this.feed.syncPath()
    const paid = fundingPayments(this.ledger.positions.snapshots(), symbol, this.tape.last[sym], rate, ts)
    if (paid.length === 0) return paid
    for (const p of paid) {
      this.ledger.applyFunding(symbol, p.amount)
      this.fundingPayments.push(p)
    }
    this.events.emit({kind: 'account', ts: this.loop.clock.now(), account: this.fills.accountSnapshot()})
    // A payment can take the account below maintenance margin.
    if (this.fills.perpPositions > 0) this.margin.checkMargin(sym)
    return paid
  }

  /** Every order the venue has known, in the order it received them: the venue's record for the run's outputs. */
  orderSnapshots(): OrderSnapshot[] {
    return [...this.book.orders.values()].map((o) => orderSnapshot(o))
  }

  get openOrderCount(): number {
    return this.book.restingCount
  }

  /** Events lost because the stream was down when they were due (a real socket loses them too). */
  get eventsLostToOutage(): number {
    return this.events.eventsLostToOutage
  }

  /** Whether the event stream is down at venue time `t` (a 'disconnect' fault window covers it). */
  streamDownAt(t: number): boolean {
    return this.events.streamDownAt(t)
  }

  /** Releases reordered events still held back, a millisecond after the strategies stopped (wire.ts). */
  flushHeld(): void {
    this.events.flushHeld()
  }

  // ---------------------------------------------------------------- the broker port (requests: wire.ts)

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    return this.events.subscribe(handler)
  }

  submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    return this.requests.request('submit', req.symbol, () => this.entry.accept(req))
  }

  cancelOrder(ref: OrderRef): Promise<void> {
    return this.requests.request('cancel', undefined, () => this.entry.cancel(ref))
  }

  amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    return this.requests.request('amend', undefined, () => this.entry.amend(ref, changes))
  }

  getOrder(ref: OrderRef): Promise<OrderSnapshot | undefined> {
    return this.requests.request('getOrder', undefined, () => {
      const o = this.book.find(ref)
      return o ? orderSnapshot(o) : undefined
    })
  }

  openOrders(symbol?: string): Promise<OrderSnapshot[]> {
    return this.requests.request('openOrders', symbol, () => {
      const out: OrderSnapshot[] = []
      for (const o of this.book.orders.values()) {
        if (!isTerminal(o.status) && (symbol === undefined || o.req.symbol === symbol)) out.push(orderSnapshot(o))
      }
      return out
    })
  }

  positions(): Promise<PositionSnapshot[]> {
    return this.requests.request('positions', undefined, () => this.ledger.positions.snapshots().filter((p) => p.qty !== 0))
  }

  account(): Promise<AccountSnapshot> {
    return this.requests.request('account', undefined, () => this.fills.accountSnapshot())
  }

  executionsSince(since: number): Promise<Fill[]> {
    return this.requests.request('executions', undefined, () => {
      let lo = 0
      let hi = this.executions.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (this.executions[mid].ts < since) lo = mid + 1
        else hi = mid
      }
      return this.executions.slice(lo)
    })
  }
}
