/**
 * The simulated exchange: a deterministic venue behind the broker port.
 *
 * Requests travel to the venue and answers travel back after the latency model's delay; what happens to an
 * order in between (acknowledgement, fills, cancels, expiry) reaches subscribers as events, each kind on its
 * own FIFO channel with its own latency. Queries are answered with the venue's state at the moment the query
 * arrives, so an event can overtake a query's answer exactly as on a real venue. Fault rules can delay, drop,
 * duplicate or reorder events and fail, rate-limit or time out requests, all drawn from the seed.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Fill} from '../core/fill.js'
import {floorToStep, type Instrument, isMultipleOf, type PositionMode, roundToStep} from '../core/instrument.js'
import {Ledger} from '../core/ledger.js'
import {hasLimitPrice, isConditional, type OrderRequest, type OrderSnapshot, type OrderStatus, opensLeg, type PositionSide, triggerDirection} from '../core/order.js'
import {isTerminal, transition} from '../core/order-state.js'
import {HedgeLeg, type PositionSnapshot} from '../core/position.js'
import {Rng} from '../core/rng.js'
import {
  DuplicateClientOrderIdError,
  InsufficientFundsError,
  InvalidOrderError,
  MarketClosedError,
  OrderNotFoundError,
  RateLimitError,
  RequestTimeoutError,
  VenueUnavailableError,
} from '../broker/errors.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../broker/port.js'
import type {EventLoop} from '../engine/event-loop.js'
import {type SimConfig, type SimConfigInput, SimConfigSchema} from './config.js'
import {FaultInjector, type RequestKind} from './faults.js'
import {type FundingPayment, type FundingRate, fundingPayments, fundingSchedule} from './funding.js'
import {LatencyModel} from './latency.js'
import {isMarketOpen, nextOpen, sessionOf} from '../core/calendar/index.js'
import {firstTouch, PricePath, type Touch} from './matching.js'
import {PositionModes} from './position-modes.js'
import type {VenueProfile} from './venue-profile.js'

interface SimOrder {
  req: OrderRequest
  readonly sym: number
  readonly venueOrderId: string
  status: OrderStatus
  filledQty: number
  avgFillPrice: number
  readonly createdAt: number
  updatedAt: number
  reason: string | undefined
  /** Venue time the order reached the book; it may trade against bars whose interval ends after this. */
  arrivedAt: number
  /** Queued outside market hours: not active before this time. */
  activeFrom: number
  expiresAt: number
  /** Stop and stop-limit orders: whether the stop has been hit. */
  triggered: boolean
  /** Whether the order could take liquidity when it arrived (taker) or rested first (maker). */
  marketableOnArrival: boolean
  /** Cash or margin held for the unfilled part, released as it fills or ends. */
  reserved: number
  /** Fees charged so far, and what the rates alone came to (the per-order minimum tops the first up). */
  feesCharged: number
  feesAtRate: number
}

const QTY_EPS = 1e-9

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
  readonly executions: Fill[] = []
  /** Every funding settlement, in venue order. */
  readonly fundingPayments: FundingPayment[] = []
  /** Orders as the venue knows them, by venue id. */
  private readonly orders = new Map<string, SimOrder>()
  private readonly byClientId = new Map<string, SimOrder>()
  private readonly books: SimOrder[][]
  private readonly symIndex = new Map<string, number>()
  private readonly last: Float64Array
  private readonly lastVolume: Float64Array
  /** Volume already taken by orders in the current bar, per symbol. */
  private readonly taken: Float64Array
  private readonly barTs: Float64Array
  /** The ledger's mark slot of each symbol index. */
  private readonly slots: Int32Array
  /** Length of the symbol's bars (0 for trade prints). */
  private readonly barTf: Float64Array
  /**
   * Time-true bars (openBar / pathPoint): each symbol's current path (open, two extremes, close; 4 per symbol), how
   * far along it the venue is (-1 before the open, 3 once closed), whether the bar is in a trading session, and the
   * times of the instant's path points (every bar of an instant shares them).
   */
  private readonly pathPrices: Float64Array
  private readonly pathPos: Int8Array
  private readonly pathTradable: Uint8Array
  private readonly pathAt = new Float64Array(4)
  /** Symbols whose bar opened at the current instant. */
  private readonly inBar: Int32Array
  private inBarCount = 0
  /** The path point every bar of the instant has reached (-1 right after they open). */
  private pathSynced = 3
  /** Share of a bar's volume orders may take (Infinity: no volume limit). */
  readonly share: number
  /** Whether bars come time-true (a backtest) rather than whole at their close (a live feed). */
  private timeTrue = false
  private readonly handlers: BrokerEventHandler[] = []
  private readonly latency: LatencyModel
  private readonly faults: FaultInjector
  private readonly channelTail = new Map<string, number>()
  private readonly path = new PricePath()
  private readonly touch: Touch = {index: -1, price: 0}
  private readonly loop: EventLoop
  private readonly profile: VenueProfile
  private readonly instruments: readonly Instrument[]
  private readonly idPrefix: string
  private orderSeq = 0
  private execSeq = 0
  private reservedCash = 0
  private restingCount = 0
  private perpPositions = 0
  /** Event-stream outages [from, to) from 'disconnect' fault rules, in time order. */
  private readonly outages: readonly {from: number; to: number}[]
  /** Events lost because the stream was down when they were due (a real socket loses them too). */
  eventsLostToOutage = 0
  /** The venue's request budget: requests counted in the current fixed window. */
  private rateWindowStart = -Infinity
  private rateWindowCount = 0
  readonly priceOf = (symbol: string): number => {
    const i = this.symIndex.get(symbol)
    return i === undefined ? 0 : this.last[i]
  }

  constructor(opts: SimulatedExchangeOptions) {
    this.loop = opts.loop
    this.profile = opts.profile
    this.instruments = opts.instruments
    this.venue = opts.profile.name
    this.config = SimConfigSchema.parse(opts.config ?? {})
    this.share = this.config.participation === 'none' ? Infinity : this.config.participation
    this.positionModes = new PositionModes(opts.profile.positionMode, opts.instruments, this.config.positionMode)
    this.positionMode = this.positionModes.account
    this.idPrefix = opts.profile.idPrefix + (opts.account ? `${opts.account}-` : '')
    const n = opts.instruments.length
    opts.instruments.forEach((inst, i) => this.symIndex.set(inst.symbol, i))
    this.books = Array.from({length: n}, () => [])
    this.last = new Float64Array(n)
    this.lastVolume = new Float64Array(n)
    this.taken = new Float64Array(n)
    this.barTs = new Float64Array(n).fill(-Infinity)
    this.barTf = new Float64Array(n)
    this.pathPrices = new Float64Array(4 * n)
    this.pathPos = new Int8Array(n).fill(3)
    this.pathTradable = new Uint8Array(n)
    this.inBar = new Int32Array(n)
    this.ledger = new Ledger(this.config.initialCash, (s) => this.instrument(s))
    this.slots = Int32Array.from(opts.instruments, (inst) => this.ledger.slotOf(inst.symbol))
    const rng = new Rng(this.config.seed)
    this.latency = new LatencyModel(this.config.latency, rng.fork(1).int(2 ** 31), this.config.latencyByKind)
    this.faults = new FaultInjector(this.config.faults, rng.fork(2))
    this.outages = this.faults.disconnectWindows()
    for (const w of this.outages) {
      this.loop.scheduleVenue(w.from, () => this.deliverNow({kind: 'connection', ts: w.from, status: 'disconnected'}))
      this.loop.scheduleVenue(w.to, () => this.deliverNow({kind: 'connection', ts: w.to, status: 'connected'}))
    }
    const perpetual = (s: string): boolean => this.symIndex.has(s) && this.instrument(s).contract === 'linear_perpetual'
    // A funding time already past when the venue starts settled before it existed.
    for (const f of fundingSchedule(opts.funding ?? [], perpetual)) {
      if (f.ts >= this.loop.clock.now()) this.loop.at(f.ts, () => this.settleFunding(f.symbol, f.rate, f.ts))
    }
  }

  instrument(symbol: string): Instrument {
    const i = this.symIndex.get(symbol)
    if (i === undefined) throw new InvalidOrderError(`symbol ${symbol} is not listed on the simulated ${this.venue} venue`, this.venue)
    return this.instruments[i]
  }

  // ---------------------------------------------------------------- market data (called by the engine)

  /**
   * One bar of symbol `sym` (open time `ts`, length `tfMs`), processed when the bar has closed. Matches the
   * resting orders that had reached the book before the bar ended, then marks the symbol at the close.
   */
  onBar(sym: number, ts: number, tfMs: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.lastVolume[sym] = volume
    this.barTs[sym] = ts
    this.barTf[sym] = tfMs
    this.taken[sym] = 0
    if (this.books[sym].length > 0 && this.tradable(ts, tfMs)) {
      this.path.setBar(open, high, low, close)
      this.matchBook(sym, ts + tfMs - 1, volume)
    }
    this.last[sym] = close
    this.ledger.setMarkAt(this.slots[sym], close)
    if (this.perpPositions > 0) this.checkMargin(sym)
  }

  /**
   * Time-true bars (a backtest): the bar of `sym` opens now, at `openAt`; its path (open, the extreme farthest from the
   * close, the other extreme, close — matching.ts) is reached point by point at the times the walk announces with
   * `pathPoint`, ending at `closeAt`. Resting orders meet the open now. `ts` / `tfMs` are the bar as stored.
   */
  openBar(sym: number, ts: number, tfMs: number, openAt: number, closeAt: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.timeTrue = true
    this.lastVolume[sym] = volume
    this.barTs[sym] = ts
    this.barTf[sym] = tfMs
    this.taken[sym] = 0
    if (this.inBarCount === 0) {
      this.pathSynced = -1
      const at = this.pathAt
      at[0] = openAt
      at[1] = openAt + Math.floor((closeAt - openAt) / 3)
      at[2] = openAt + Math.floor(((closeAt - openAt) * 2) / 3)
      at[3] = closeAt
    }
    const base = 4 * sym
    const pp = this.pathPrices
    pp[base] = open
    if (close >= open) {
      pp[base + 1] = low
      pp[base + 2] = high
    } else {
      pp[base + 1] = high
      pp[base + 2] = low
    }
    pp[base + 3] = close
    // Whether the bar is in a session is asked only when something could trade on it (2: not asked yet).
    this.pathTradable[sym] = 2
    this.pathPos[sym] = -1
    this.inBar[this.inBarCount++] = sym
    if (!this.quiet) this.advance(sym, 0)
  }

  /**
   * Point `k` (1, 2: the extremes; 3: the close) of the paths of the bars opened at this instant is reached. While
   * nothing rests on the book and no perpetual is open, the inner points change nothing but the marks, which are
   * brought up to date when anything looks at the venue (`syncPath`), so a quiet bar costs one call per instant.
   */
  pathPoint(k: 1 | 2 | 3): void {
    if (k < 3 && this.quiet) return
    const bars = this.inBar
    for (let j = 0; j < this.inBarCount; j++) this.advance(bars[j], k)
    this.pathSynced = k
    if (k === 3) this.inBarCount = 0
  }

  /** Nothing the inner points of a path could trade or liquidate. */
  private get quiet(): boolean {
    return this.restingCount === 0 && this.perpPositions === 0
  }

  /** Brings every bar of the instant up to the last path point at or before now (before the venue acts or answers). */
  private syncPath(): void {
    if (this.inBarCount === 0) return
    const now = this.loop.clock.now()
    const at = this.pathAt
    const k = now >= at[3] ? 3 : now >= at[2] ? 2 : now >= at[1] ? 1 : 0
    if (k <= this.pathSynced) return
    const bars = this.inBar
    for (let j = 0; j < this.inBarCount; j++) this.advance(bars[j], k)
    this.pathSynced = k
  }

  /** Walks `sym`'s path up to point `k`: each point marks the symbol, then trades the book on the way to it. */
  private advance(sym: number, k: number): void {
    const pp = this.pathPrices
    const base = 4 * sym
    if (this.pathPos[sym] >= k) return
    if (this.books[sym].length === 0 && this.perpPositions === 0) {
      // Nothing to trade or liquidate on the way: only the mark moves, straight to point k.
      this.pathPos[sym] = k
      this.last[sym] = pp[base + k]
      this.ledger.setMarkAt(this.slots[sym], pp[base + k])
      return
    }
    while (this.pathPos[sym] < k) {
      const j = ++this.pathPos[sym]
      const price = pp[base + j]
      this.last[sym] = price
      this.ledger.setMarkAt(this.slots[sym], price)
      if (this.books[sym].length > 0 && this.pathIsTradable(sym)) {
        if (j === 0) this.path.setPrint(price)
        else this.path.setSegment(pp[base + j - 1], price)
        this.marketsTrade = j === 0
        this.matchBook(sym, this.loop.clock.now(), this.lastVolume[sym])
        this.marketsTrade = true
      }
      if (this.perpPositions > 0) this.checkMargin(sym)
    }
  }

  /** Whether the symbol's bar is under way and tradable now: an arriving order meets its current price. */
  private midBar(sym: number): boolean {
    const pos = this.pathPos[sym]
    return this.timeTrue && pos >= 0 && pos < 3 && this.pathIsTradable(sym)
  }

  /** Whether the symbol's current time-true bar lies in a trading session (asked once per bar, when needed). */
  private pathIsTradable(sym: number): boolean {
    if (this.pathTradable[sym] === 2) this.pathTradable[sym] = this.tradable(this.barTs[sym], this.barTf[sym]) ? 1 : 0
    return this.pathTradable[sym] === 1
  }

  /** One trade print: a one-point path whose size bounds what orders may take from it. */
  onTrade(sym: number, ts: number, price: number, size: number): void {
    this.lastVolume[sym] = size
    this.barTs[sym] = ts
    this.barTf[sym] = 0
    this.taken[sym] = 0
    if (this.books[sym].length > 0 && this.tradable(ts, 0)) {
      this.path.setPrint(price)
      this.matchBook(sym, ts, size)
    }
    this.last[sym] = price
    this.ledger.setMarkAt(this.slots[sym], price)
    if (this.perpPositions > 0) this.checkMargin(sym)
  }

  /** Sets the last price without trading (for marks at start-up). */
  setMark(sym: number, price: number): void {
    this.last[sym] = price
    this.ledger.setMarkAt(this.slots[sym], price)
  }

  /**
   * A funding time of `symbol`: every open position (each hedge leg apart) pays or receives its value at the current
   * mark × `rate` (src/sim/funding.ts), booked in the ledger and reported as an `account` event.
   */
  settleFunding(symbol: string, rate: number, ts: number): readonly FundingPayment[] {
    const sym = this.symIndex.get(symbol)
    if (sym === undefined) return []
    // At the mark of this instant: a time-true bar under way is caught up to its last point passed.
    this.syncPath()
    const paid = fundingPayments(this.ledger.positions.snapshots(), symbol, this.last[sym], rate, ts)
    if (paid.length === 0) return paid
    for (const p of paid) {
      this.ledger.applyFunding(symbol, p.amount)
      this.fundingPayments.push(p)
    }
    this.emit({kind: 'account', ts: this.loop.clock.now(), account: this.accountSnapshot()})
    // A payment can take the account below maintenance margin.
    if (this.perpPositions > 0) this.checkMargin(sym)
    return paid
  }

  /** Every order the venue has known, in the order it received them: the venue's record for the run's outputs. */
  orderSnapshots(): OrderSnapshot[] {
    return [...this.orders.values()].map((o) => this.snapshot(o))
  }

  get openOrderCount(): number {
    return this.restingCount
  }

  // ---------------------------------------------------------------- the broker port

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    this.handlers.push(handler)
    return () => {
      const i = this.handlers.indexOf(handler)
      if (i >= 0) this.handlers.splice(i, 1)
    }
  }

  submitOrder(req: OrderRequest): Promise<SubmitReceipt> {
    return this.request('submit', req.symbol, () => this.accept(req))
  }

  cancelOrder(ref: OrderRef): Promise<void> {
    return this.request('cancel', undefined, () => this.cancel(ref))
  }

  amendOrder(ref: OrderRef, changes: AmendRequest): Promise<void> {
    return this.request('amend', undefined, () => this.amend(ref, changes))
  }

  getOrder(ref: OrderRef): Promise<OrderSnapshot | undefined> {
    return this.request('getOrder', undefined, () => {
      const o = this.find(ref)
      return o ? this.snapshot(o) : undefined
    })
  }

  openOrders(symbol?: string): Promise<OrderSnapshot[]> {
    return this.request('openOrders', symbol, () => {
      const out: OrderSnapshot[] = []
      for (const o of this.orders.values()) {
        if (!isTerminal(o.status) && (symbol === undefined || o.req.symbol === symbol)) out.push(this.snapshot(o))
      }
      return out
    })
  }

  positions(): Promise<PositionSnapshot[]> {
    return this.request('positions', undefined, () => this.ledger.positions.snapshots().filter((p) => p.qty !== 0))
  }

  account(): Promise<import('../core/ledger.js').AccountSnapshot> {
    return this.request('account', undefined, () => this.accountSnapshot())
  }

  executionsSince(since: number): Promise<Fill[]> {
    return this.request('executions', undefined, () => {
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

  // ---------------------------------------------------------------- request handling

  /**
   * A request's round trip: it reaches the venue after the request latency, is handled against the venue's
   * state at that instant, and its answer comes back after the response latency. Faults apply here.
   */
  private request<T>(kind: RequestKind, symbol: string | undefined, handle: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fault = this.faults.forRequest(kind, symbol, this.loop.clock.now())
      const arrive = this.loop.clock.now() + this.latency.sample('request') + (fault?.action === 'delay' ? fault.delayMs : 0)
      this.loop.schedule(arrive, () => {
        // The market as it is now: a time-true bar's marks (and book) caught up to this instant.
        this.syncPath()
        const respondAt = this.loop.clock.now() + this.latency.sample('response')
        // Settling the request's promise starts its caller's continuation: the loop must let it run.
        const answer = (fn: () => void): void =>
          this.loop.scheduleVenue(respondAt, () => {
            this.loop.markAsync()
            fn()
          })
        const limited = this.overBudget()
        if (limited !== undefined) {
          answer(() => reject(new RateLimitError(`simulated ${this.venue}: request budget of ${this.config.rateLimit!.requests} per ${this.config.rateLimit!.windowMs} ms used up (${kind}); retry after ${limited}`, this.venue, limited, '10006')))
          return
        }
        if (fault?.action === 'fail') {
          answer(() => reject(new VenueUnavailableError(`simulated ${this.venue}: ${kind} failed (injected fault); retry with the same client order id`, this.venue, '503')))
          return
        }
        if (fault?.action === 'rate_limit') {
          const resetAt = this.loop.clock.now() + fault.resetMs
          answer(() => reject(new RateLimitError(`simulated ${this.venue}: rate limit on ${kind}; retry after ${resetAt}`, this.venue, resetAt, '429')))
          return
        }
        let result: T
        try {
          result = handle()
        } catch (err) {
          answer(() => reject(err))
          return
        }
        if (fault?.action === 'timeout') {
          // The venue did the work; only the answer is lost. The caller must query to learn the outcome.
          answer(() => reject(new RequestTimeoutError(`simulated ${this.venue}: ${kind} timed out; outcome unknown, query the order`, this.venue)))
          return
        }
        answer(() => resolve(result))
      })
    })
  }

  private accept(req: OrderRequest): SubmitReceipt {
    const now = this.loop.clock.now()
    if (this.byClientId.has(req.clientOrderId)) {
      throw new DuplicateClientOrderIdError(`client order id ${req.clientOrderId} already used on ${this.venue}`, this.venue, 'duplicate_client_order_id')
    }
    const sym = this.symIndex.get(req.symbol)
    if (sym === undefined) throw new InvalidOrderError(`unknown symbol ${req.symbol}`, this.venue, 'unknown_symbol')
    const inst = this.instruments[sym]
    this.validate(req, inst)

    let activeFrom = now
    if (this.profile.marketHours && !isMarketOpen(now)) {
      if (this.config.whenClosed === 'reject' || req.tif === 'ioc' || req.tif === 'fok') {
        throw new MarketClosedError(`market closed for ${req.symbol} at ${new Date(now).toISOString()}; send DAY or GTC orders to queue for the open`, this.venue, 'market_closed')
      }
      activeFrom = nextOpen(now)
    }
    const reserved = this.reserve(req, inst, sym)
    const o: SimOrder = {
      req,
      sym,
      venueOrderId: `${this.idPrefix}${++this.orderSeq}`,
      status: 'accepted',
      filledQty: 0,
      avgFillPrice: 0,
      createdAt: now,
      updatedAt: now,
      reason: undefined,
      arrivedAt: now,
      activeFrom,
      expiresAt: this.expiry(req, activeFrom),
      triggered: !isConditional(req.type),
      marketableOnArrival: this.marketable(req, this.last[sym]),
      reserved,
      feesCharged: 0,
      feesAtRate: 0,
    }
    this.orders.set(o.venueOrderId, o)
    this.byClientId.set(req.clientOrderId, o)
    this.emitOrder(o)

    if (req.postOnly && o.marketableOnArrival && this.last[sym] > 0) {
      this.finish(o, 'canceled', 'post-only order would take liquidity')
    } else if (activeFrom === now && this.midBar(sym)) {
      this.matchOnArrival(o)
    } else if (req.type === 'market' && this.config.fillAt === 'close' && this.last[sym] > 0 && activeFrom === now) {
      this.fillAtLast(o)
    } else {
      this.rest(o)
    }
    return {clientOrderId: req.clientOrderId, venueOrderId: o.venueOrderId, ts: now}
  }

  private validate(req: OrderRequest, inst: Instrument): void {
    const bad = (msg: string, code: string): never => {
      throw new InvalidOrderError(`${req.clientOrderId}: ${msg}`, this.venue, code)
    }
    if (!(req.qty > 0) || !Number.isFinite(req.qty)) bad(`quantity ${req.qty} must be a positive number`, 'invalid_qty')
    if (req.qty < inst.minQty - QTY_EPS) bad(`quantity ${req.qty} is below the minimum ${inst.minQty} for ${inst.symbol}`, 'below_min_qty')
    if (!isMultipleOf(req.qty, inst.lotSize)) bad(`quantity ${req.qty} is not a multiple of the lot size ${inst.lotSize}`, 'lot_size')
    const needsLimit = hasLimitPrice(req.type)
    const needsStop = isConditional(req.type)
    if (needsLimit && !(req.limitPrice! > 0)) bad(`${req.type} order needs a positive limit price`, 'missing_limit_price')
    if (needsStop && !(req.stopPrice! > 0)) bad(`${req.type} order needs a positive stop price`, 'missing_stop_price')
    if (needsLimit && !isMultipleOf(req.limitPrice!, inst.tickSize)) bad(`limit price ${req.limitPrice} is off the tick size ${inst.tickSize}`, 'tick_size')
    if (needsStop && !isMultipleOf(req.stopPrice!, inst.tickSize)) bad(`stop price ${req.stopPrice} is off the tick size ${inst.tickSize}`, 'tick_size')
    if (req.postOnly && req.type !== 'limit') bad('post-only applies to limit orders only', 'post_only_type')
    const side = req.positionSide ?? 'net'
    const mode = this.positionModes.of(req.symbol)
    // Bybit offers no DAY orders, in either position mode.
    if ((mode === 'hedge' || this.profile.name === 'bybit') && req.tif === 'day') bad('DAY orders are not offered on this venue; use GTC, IOC or FOK', 'tif')
    if (mode === 'hedge') {
      if (side === 'net') bad(`${req.symbol} is in hedge mode: orders need positionSide long or short (positionIdx 1 or 2)`, 'position_idx')
    } else if (side !== 'net') {
      bad(`positionSide ${side} is only valid in hedge mode; ${req.symbol} is in ${inst.contract === 'linear_perpetual' ? 'one-way' : 'netting'} mode (positionIdx 0)`, 'position_idx')
    }
  }

  /** Checks buying power or margin and holds it for the order; throws when there is not enough. */
  private reserve(req: OrderRequest, inst: Instrument, sym: number, amending?: SimOrder): number {
    const side = req.positionSide ?? 'net'
    const price = req.limitPrice ?? req.stopPrice ?? this.last[sym]
    if (inst.contract === 'linear_perpetual') {
      let opening = req.qty
      if (side === 'net') {
        // One-way mode: the part of the order that closes the position needs no margin; the rest opens (or reverses).
        const q = this.ledger.positions.qty(req.symbol, 'net')
        const closable = req.side === 'sell' ? Math.max(0, q) : Math.max(0, -q)
        if (req.reduceOnly) {
          if (closable <= QTY_EPS) throw new InvalidOrderError(`${req.clientOrderId}: reduce-only ${req.side} but the position of ${req.symbol} is ${q > QTY_EPS ? 'long' : q < -QTY_EPS ? 'short' : 'flat'}`, this.venue, 'reduce_only_flat')
          return 0
        }
        opening = Math.max(0, req.qty - closable)
        if (opening <= QTY_EPS) return 0
      }
      const leg = this.ledger.positions.find(req.symbol, side)
      if (side !== 'net' && (req.reduceOnly || !opensLeg(req.side, side))) {
        if (!leg || leg.qty <= QTY_EPS) {
          throw new InvalidOrderError(`${req.clientOrderId}: reduce-only order but the ${side} leg of ${req.symbol} is flat`, this.venue, 'reduce_only_flat')
        }
        return 0
      }
      const margin = (opening * price) / inst.leverage
      const totals = this.ledger.atMarks()
      const free = totals.equity - totals.margin - this.reservedCash
      if (margin > free + 1e-9) {
        throw new InsufficientFundsError(`${req.clientOrderId}: needs margin ${margin.toFixed(2)}, free ${free.toFixed(2)}`, this.venue, 'insufficient_margin')
      }
      this.reservedCash += margin
      return margin
    }
    const position = this.ledger.positions.qty(req.symbol)
    if (req.side === 'sell') {
      const held = this.heldForSells(sym, amending)
      if (req.reduceOnly && req.qty > position - held + QTY_EPS) {
        throw new InvalidOrderError(`${req.clientOrderId}: reduce-only sell of ${req.qty} exceeds the position ${position}`, this.venue, 'reduce_only_exceeds')
      }
      if ((this.profile.noShorting || !this.config.allowShortStocks) && req.qty > position - held + QTY_EPS) {
        // Spot: a sell needs the base coin held (the venue lends nothing); stocks: short selling is off.
        const free = Math.max(0, position - held)
        const msg = inst.baseCurrency && this.profile.noShorting
          ? `insufficient ${inst.baseCurrency} balance: ${free} free for a sell of ${req.qty} ${req.symbol} (spot sells need the coin held; no shorting)`
          : `insufficient qty available: ${free} of ${req.symbol} (short selling is off)`
        throw new InsufficientFundsError(`${req.clientOrderId}: ${msg}`, this.venue, 'insufficient_qty')
      }
      return 0
    }
    if (req.reduceOnly && req.qty > Math.max(0, -position) + QTY_EPS) {
      throw new InvalidOrderError(`${req.clientOrderId}: reduce-only buy of ${req.qty} exceeds the short position ${Math.max(0, -position)}`, this.venue, 'reduce_only_exceeds')
    }
    if (!(price > 0)) throw new InvalidOrderError(`${req.clientOrderId}: no price known yet for ${req.symbol}`, this.venue, 'no_price')
    const cost = req.qty * price
    const free = this.ledger.cash - this.reservedCash
    if (cost > free + 1e-9) {
      throw new InsufficientFundsError(`${req.clientOrderId}: insufficient buying power: needs ${cost.toFixed(2)}, has ${free.toFixed(2)}`, this.venue, 'insufficient_buying_power')
    }
    this.reservedCash += cost
    return cost
  }

  /** Quantity promised to open sells (other than `except`, an order being amended). */
  private heldForSells(sym: number, except?: SimOrder): number {
    let held = 0
    for (const o of this.books[sym]) if (o !== except && o.req.side === 'sell' && !isTerminal(o.status)) held += o.req.qty - o.filledQty
    return held
  }

  private expiry(req: OrderRequest, activeFrom: number): number {
    if (req.tif !== 'day' || !this.profile.marketHours) return Infinity
    return sessionOf(activeFrom)?.close ?? Infinity
  }

  private marketable(req: OrderRequest, last: number): boolean {
    if (req.type === 'market') return true
    if (req.type !== 'limit' || !(last > 0)) return false
    return req.side === 'buy' ? last <= req.limitPrice! : last >= req.limitPrice!
  }

  private cancel(ref: OrderRef): void {
    const o = this.find(ref)
    if (!o) throw new OrderNotFoundError(`order ${describe(ref)} not found on ${this.venue}`, this.venue, 'order_not_found')
    if (isTerminal(o.status)) {
      throw new OrderNotFoundError(`order ${o.req.clientOrderId} is already ${o.status}`, this.venue, 'order_not_open')
    }
    this.finish(o, 'canceled', 'canceled by request')
    this.prune(o.sym)
  }

  private amend(ref: OrderRef, changes: AmendRequest): void {
    const o = this.find(ref)
    if (!o || isTerminal(o.status)) throw new OrderNotFoundError(`order ${describe(ref)} is not open on ${this.venue}`, this.venue, 'order_not_open')
    const next: OrderRequest = {...o.req, ...definedOnly(changes)}
    if (next.qty <= o.filledQty + QTY_EPS) throw new InvalidOrderError(`amend of ${o.req.clientOrderId}: quantity ${next.qty} is not above the ${o.filledQty} already filled; cancel instead`, this.venue, 'amend_qty')
    this.validate(next, this.instruments[o.sym])
    // The new hold is checked with the old one released; a refused amend leaves the order as it was.
    const held = o.reserved
    this.release(o)
    try {
      o.reserved = this.reserve({...next, qty: next.qty - o.filledQty}, this.instruments[o.sym], o.sym, o)
    } catch (err) {
      o.reserved = held
      this.reservedCash += held
      throw err
    }
    // A new price re-enters the book: it takes liquidity if it is marketable now.
    if (next.limitPrice !== o.req.limitPrice) o.marketableOnArrival = this.marketable(next, this.last[o.sym])
    o.req = next
    o.updatedAt = this.loop.clock.now()
    this.emitOrder(o)
  }

  private find(ref: OrderRef): SimOrder | undefined {
    return 'venueOrderId' in ref ? this.orders.get(ref.venueOrderId) : this.byClientId.get(ref.clientOrderId)
  }

  // ---------------------------------------------------------------- matching

  private tradable(ts: number, tfMs: number): boolean {
    if (!this.profile.marketHours) return true
    if (tfMs >= 86_400_000) return sessionOf(ts + 12 * 3_600_000) !== null
    return isMarketOpen(ts)
  }

  /** Market orders trade at this path point (the open of a bar, a print); not at later points of a bar. */
  private marketsTrade = true

  /** Trades the book against `this.path`; orders that reached the book (and became active) by `eligibleAt` take part. */
  private matchBook(sym: number, eligibleAt: number, volume: number): void {
    const book = this.books[sym]
    const inst = this.instruments[sym]
    let available = floorToStep(this.share * volume, inst.lotSize) - this.taken[sym]
    let ended = false
    for (let k = 0; k < book.length; k++) {
      const o = book[k]
      if (isTerminal(o.status)) {
        ended = true
        continue
      }
      if (o.arrivedAt > eligibleAt || o.activeFrom > eligibleAt) continue
      available -= this.matchOne(o, inst, available)
      if (isTerminal(o.status)) ended = true
    }
    if (ended) this.prune(sym)
  }

  /** Trades `o` against `this.path` with `available` of the bar's volume left; returns the quantity it took. */
  private matchOne(o: SimOrder, inst: Instrument, available: number): number {
    let took = 0
    const price = this.matchPrice(o, inst)
    if (price > 0) {
      const remaining = o.req.qty - o.filledQty
      let qty = Math.min(remaining, available)
      if (this.reduces(o)) qty = Math.min(qty, this.reducible(o))
      qty = floorToStep(qty, inst.lotSize)
      if (o.req.tif === 'fok' && qty < remaining - QTY_EPS) qty = 0
      if (qty > QTY_EPS) {
        took = qty
        this.taken[o.sym] += qty
        this.fill(o, qty, price, this.liquidityOf(o))
      }
    }
    if (!isTerminal(o.status) && (o.req.tif === 'ioc' || o.req.tif === 'fok') && this.hadChance(o)) {
      this.finish(o, 'canceled', o.req.tif === 'fok' ? 'fill-or-kill could not fill in full' : 'immediate-or-cancel remainder')
    }
    return took
  }

  /**
   * An order reaching the book while its symbol's bar is under way (time-true bars) meets the price of the last path
   * point passed, as a one-point path: a market order fills there at once, a marketable limit takes it, a stop
   * already crossed triggers there; what does not trade rests for the rest of the path.
   */
  private matchOnArrival(o: SimOrder): void {
    const inst = this.instruments[o.sym]
    this.path.setPrint(this.last[o.sym])
    this.matchOne(o, inst, floorToStep(this.share * this.lastVolume[o.sym], inst.lotSize) - this.taken[o.sym])
    if (!isTerminal(o.status)) this.rest(o)
  }

  /** IOC / FOK orders get one matching opportunity: the first bar they are active for. */
  private hadChance(o: SimOrder): boolean {
    return isConditional(o.req.type) ? o.triggered : true
  }

  /** The price at which `o` trades on the current path, or 0 when it does not. */
  private matchPrice(o: SimOrder, inst: Instrument): number {
    const p = this.path
    const buy = o.req.side === 'buy'
    const t = this.touch
    let from = 0
    let fromPrice = p.points[0]
    if (!o.triggered) {
      // Stops trigger against the order's side, if-touched orders with it (core/order.ts triggerDirection).
      if (!firstTouch(p, o.req.stopPrice!, triggerDirection(o.req) === 'rise' ? 'up' : 'down', 0, p.points[0], t)) return 0
      o.triggered = true
      if (o.req.type === 'stop' || o.req.type === 'market_if_touched') return this.slip(t.price, buy, inst)
      from = t.index
      fromPrice = t.price
      // A triggered stop-limit (or limit-if-touched) is a limit from the trigger on: marketable if within the limit.
      if (buy ? fromPrice <= o.req.limitPrice! : fromPrice >= o.req.limitPrice!) return fromPrice
    }
    switch (o.req.type) {
      case 'market':
        return this.marketsTrade ? this.slip(p.points[0], buy, inst) : 0
      case 'stop':
      case 'market_if_touched':
        return this.slip(fromPrice, buy, inst)
      case 'limit':
      case 'stop_limit':
      case 'limit_if_touched': {
        const limit = o.req.limitPrice!
        if (!firstTouch(p, limit, buy ? 'down' : 'up', from, fromPrice, t)) return 0
        // Limit orders never trade through their limit; a marketable arrival may take slippage up to it.
        if (o.marketableOnArrival && o.filledQty === 0 && o.req.type === 'limit') {
          const slipped = this.slip(t.price, buy, inst)
          return buy ? Math.min(slipped, limit) : Math.max(slipped, limit)
        }
        return t.price
      }
    }
  }

  private liquidityOf(o: SimOrder): 'maker' | 'taker' {
    return o.req.type === 'limit' && !o.marketableOnArrival ? 'maker' : 'taker'
  }

  private slip(price: number, buy: boolean, inst: Instrument): number {
    const s = this.config.slippage
    if (s.ticks === 0 && s.bps === 0) return price
    const d = s.ticks * inst.tickSize + (price * s.bps) / 10_000
    // Venues print on the tick grid: round the slipped price adversely onto it.
    const k = buy ? Math.ceil((price + d) / inst.tickSize - 1e-9) : Math.floor((price - d) / inst.tickSize + 1e-9)
    return roundToStep(Math.max(1, k) * inst.tickSize, inst.tickSize)
  }

  /** Reduce-only orders, and hedge-mode orders against their leg (they can only close it), never exceed the position. */
  private reduces(o: SimOrder): boolean {
    const side = o.req.positionSide ?? 'net'
    return o.req.reduceOnly === true || (side !== 'net' && !opensLeg(o.req.side, side))
  }

  private reducible(o: SimOrder): number {
    const side: PositionSide = o.req.positionSide ?? 'net'
    const q = this.ledger.positions.qty(o.req.symbol, side)
    if (side === 'net') return o.req.side === 'sell' ? Math.max(0, q) : Math.max(0, -q)
    return q
  }

  private fillAtLast(o: SimOrder): void {
    const inst = this.instruments[o.sym]
    const available = floorToStep(this.share * this.lastVolume[o.sym], inst.lotSize) - this.taken[o.sym]
    let qty = floorToStep(Math.min(o.req.qty, available), inst.lotSize)
    if (this.reduces(o)) qty = Math.min(qty, this.reducible(o))
    if (o.req.tif === 'fok' && qty < o.req.qty - QTY_EPS) qty = 0
    if (qty > QTY_EPS) {
      this.taken[o.sym] += qty
      this.fill(o, qty, this.slip(this.last[o.sym], o.req.side === 'buy', inst), 'taker')
    }
    if (isTerminal(o.status)) return
    if (o.req.tif === 'ioc' || o.req.tif === 'fok') {
      this.finish(o, 'canceled', 'immediate-or-cancel remainder')
      return
    }
    this.rest(o)
  }

  /** Puts an order on the book; a DAY order gets its expiry. */
  private rest(o: SimOrder): void {
    this.books[o.sym].push(o)
    this.restingCount++
    if (Number.isFinite(o.expiresAt)) this.loop.at(o.expiresAt, () => this.expire(o))
  }

  private fill(o: SimOrder, qty: number, price: number, liquidity: 'maker' | 'taker'): void {
    const now = this.loop.clock.now()
    const inst = this.instruments[o.sym]
    const fees = this.config.fees
    const rate = liquidity === 'maker' ? fees.makerRate : fees.takerRate
    const atRate = qty * price * rate + (inst.assetClass === 'us_equity' ? qty * fees.perShare : 0)
    // The per-order minimum: what an order has paid in all is max(minimum, its fees at the rates).
    const fee = fees.minPerOrder > 0 ? Math.max(fees.minPerOrder, o.feesAtRate + atRate) - o.feesCharged : atRate
    o.feesAtRate += atRate
    o.feesCharged += fee
    const fill: Fill = {
      execId: `${this.idPrefix}E${++this.execSeq}`,
      clientOrderId: o.req.clientOrderId,
      venueOrderId: o.venueOrderId,
      symbol: o.req.symbol,
      side: o.req.side,
      positionSide: o.req.positionSide ?? 'net',
      qty,
      price,
      fee,
      liquidity,
      ts: now,
    }
    const wasOpen = this.ledger.positions.qty(fill.symbol, fill.positionSide) !== 0
    // Release the share of the hold this fill used before the ledger spends it.
    const share = o.req.qty - o.filledQty > 0 ? (o.reserved * qty) / (o.req.qty - o.filledQty) : o.reserved
    o.reserved -= share
    this.reservedCash -= share
    this.ledger.applyFill(fill)
    this.executions.push(fill)
    if (inst.contract === 'linear_perpetual') {
      const isOpen = this.ledger.positions.qty(fill.symbol, fill.positionSide) !== 0
      if (isOpen && !wasOpen) this.perpPositions++
      else if (!isOpen && wasOpen) this.perpPositions--
    }
    o.avgFillPrice = (o.avgFillPrice * o.filledQty + price * qty) / (o.filledQty + qty)
    o.filledQty += qty
    o.updatedAt = now
    const full = o.filledQty >= o.req.qty - QTY_EPS
    o.status = transition(o.status, full ? 'filled' : 'partially_filled', o.req.clientOrderId)
    if (full) this.release(o)
    this.emit({kind: 'execution', ts: now, fill})
    this.emitOrder(o)
    this.emit({kind: 'position', ts: now, position: this.ledger.positions.get(fill.symbol, fill.positionSide).snapshot()})
    this.emit({kind: 'account', ts: now, account: this.accountSnapshot()})
  }

  private finish(o: SimOrder, status: 'canceled' | 'expired', reason: string): void {
    o.status = transition(o.status, status, o.req.clientOrderId)
    o.reason = reason
    o.updatedAt = this.loop.clock.now()
    this.release(o)
    this.emitOrder(o)
  }

  /**
   * Expires a DAY order at the session close, but not before the bar that covers the close has been matched:
   * bars are processed when they end, so a daily bar (or the 15:59 minute bar) ends at or after the close.
   */
  private expire(o: SimOrder, final = false): void {
    if (isTerminal(o.status)) return
    // Time-true bars: the print at the close instant comes after the timers of that instant; the order meets it first.
    if (this.timeTrue) {
      if (!final) this.loop.at(o.expiresAt + 1, () => this.expire(o, true))
      else {
        this.finish(o, 'expired', 'day order expired at the session close')
        this.prune(o.sym)
      }
      return
    }
    const tf = this.barTf[o.sym]
    const lastEnd = this.barTs[o.sym] + tf
    if (!final && tf > 0 && lastEnd <= o.expiresAt) {
      const coveringEnd = this.barTs[o.sym] + tf * Math.ceil((o.expiresAt - this.barTs[o.sym]) / tf)
      this.loop.at(Math.max(coveringEnd, lastEnd) + 1, () => this.expire(o, true))
      return
    }
    this.finish(o, 'expired', 'day order expired at the session close')
    this.prune(o.sym)
  }

  private release(o: SimOrder): void {
    this.reservedCash -= o.reserved
    o.reserved = 0
  }

  private prune(sym: number): void {
    const book = this.books[sym]
    const kept = book.filter((o) => !isTerminal(o.status))
    this.restingCount -= book.length - kept.length
    this.books[sym] = kept
  }

  /** Perpetuals: below maintenance margin, every position is closed at the mark (the venue's liquidation). */
  private checkMargin(sym: number): void {
    if (this.instruments[sym].contract !== 'linear_perpetual') return
    const totals = this.ledger.atMarks()
    if (totals.equity >= totals.maintenance) return
    for (const p of [...this.ledger.positions.open()]) {
      const i = this.symIndex.get(p.symbol)!
      if (this.instruments[i].contract !== 'linear_perpetual') continue
      const side: PositionSide = p instanceof HedgeLeg ? p.side : 'net'
      const req: OrderRequest = {
        clientOrderId: `liq-${this.orderSeq + 1}`,
        symbol: p.symbol,
        side: side === 'short' || (side === 'net' && p.qty < 0) ? 'buy' : 'sell',
        type: 'market',
        qty: Math.abs(p.qty),
        tif: 'ioc',
        reduceOnly: true,
        positionSide: side,
      }
      const o: SimOrder = {req, sym: i, venueOrderId: `${this.idPrefix}${++this.orderSeq}`, status: 'accepted', filledQty: 0, avgFillPrice: 0, createdAt: this.loop.clock.now(), updatedAt: this.loop.clock.now(), reason: 'liquidation', arrivedAt: this.loop.clock.now(), activeFrom: this.loop.clock.now(), expiresAt: Infinity, triggered: true, marketableOnArrival: true, reserved: 0, feesCharged: 0, feesAtRate: 0}
      this.orders.set(o.venueOrderId, o)
      this.byClientId.set(req.clientOrderId, o)
      this.fill(o, req.qty, this.last[i], 'taker')
    }
    // Orders of a liquidated account are cancelled with it.
    for (let s = 0; s < this.books.length; s++) {
      for (const o of this.books[s]) if (!isTerminal(o.status)) this.finish(o, 'canceled', 'liquidation')
      this.prune(s)
    }
  }

  // ---------------------------------------------------------------- events

  /** Built field by field (no spread): one of these is made for every order event. */
  private snapshot(o: SimOrder): OrderSnapshot {
    const r = o.req
    const snap: {-readonly [K in keyof OrderSnapshot]: OrderSnapshot[K]} = {
      clientOrderId: r.clientOrderId,
      symbol: r.symbol,
      side: r.side,
      type: r.type,
      qty: r.qty,
      tif: r.tif,
      venueOrderId: o.venueOrderId,
      status: o.status,
      filledQty: o.filledQty,
      avgFillPrice: o.avgFillPrice,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
    }
    if (r.limitPrice !== undefined) snap.limitPrice = r.limitPrice
    if (r.stopPrice !== undefined) snap.stopPrice = r.stopPrice
    if (r.reduceOnly !== undefined) snap.reduceOnly = r.reduceOnly
    if (r.postOnly !== undefined) snap.postOnly = r.postOnly
    if (r.positionSide !== undefined) snap.positionSide = r.positionSide
    if (o.reason) snap.reason = o.reason
    return snap
  }

  private accountSnapshot(): import('../core/ledger.js').AccountSnapshot {
    return this.ledger.snapshotAtMarks(this.loop.clock.now(), this.reservedCash)
  }

  private emitOrder(o: SimOrder): void {
    this.emit({kind: 'order', ts: this.loop.clock.now(), order: this.snapshot(o)})
  }

  /**
   * Sends an event down its channel: after the channel's latency, never before an earlier event of the same
   * channel (websocket frames do not overtake each other), unless a fault says otherwise.
   */
  private emit(event: BrokerEvent): void {
    if (this.handlers.length === 0) return
    const now = this.loop.clock.now()
    const symbol = eventSymbol(event)
    const fault = this.faults.forEvent(event.kind, symbol, now)
    if (fault?.action === 'drop') return
    const tail = this.channelTail.get(event.kind) ?? -Infinity
    let at = Math.max(now + this.latency.sample(event.kind), tail)
    if (fault?.action === 'delay') {
      // A delayed frame holds back the channel behind it, as on one socket.
      at += fault.delayMs
    }
    if (fault?.action === 'reorder') {
      // Held back until just after the channel's next event.
      this.faults.holdForReorder(event.kind, event)
      return
    }
    this.channelTail.set(event.kind, at)
    this.deliverAt(at, event)
    const held = this.faults.releaseHeld(event.kind)
    if (held) this.deliverAt(at, held)
    if (fault?.action === 'duplicate') this.deliverAt(at, event)
  }

  private deliverAt(at: number, event: BrokerEvent): void {
    this.loop.scheduleVenue(at, () => {
      if (this.outages.length > 0 && this.streamDownAt(at)) {
        this.eventsLostToOutage++
        return
      }
      for (let i = 0; i < this.handlers.length; i++) this.handlers[i](event)
    })
  }

  private deliverNow(event: BrokerEvent): void {
    for (let i = 0; i < this.handlers.length; i++) this.handlers[i](event)
  }

  /** Whether the event stream is down at venue time `t` (a 'disconnect' fault window covers it). */
  streamDownAt(t: number): boolean {
    for (const w of this.outages) if (t >= w.from && t < w.to) return true
    return false
  }

  /** Counts a request against the venue's budget; returns the reset time when the budget is used up. */
  private overBudget(): number | undefined {
    const rl = this.config.rateLimit
    if (!rl) return undefined
    const now = this.loop.clock.now()
    if (now >= this.rateWindowStart + rl.windowMs) {
      this.rateWindowStart = now - (now % rl.windowMs)
      this.rateWindowCount = 0
    }
    if (this.rateWindowCount >= rl.requests) return this.rateWindowStart + rl.windowMs
    this.rateWindowCount++
    return undefined
  }

  /**
   * Releases reordered events still held back (when no later event came to pass them). Called after the strategies
   * stopped; delivered a millisecond later so a replay, which holds nothing and delivers them at their recorded
   * time, also delivers them after its stop (at the stop's own time they would reach a strategy still running).
   */
  flushHeld(): void {
    for (const ev of this.faults.drainHeld()) this.deliverAt(this.loop.clock.now() + 1, ev)
  }
}

function eventSymbol(e: BrokerEvent): string | undefined {
  switch (e.kind) {
    case 'order':
      return e.order.symbol
    case 'execution':
      return e.fill.symbol
    case 'position':
      return e.position.symbol
    default:
      return undefined
  }
}

function describe(ref: OrderRef): string {
  return 'venueOrderId' in ref ? `venue id ${ref.venueOrderId}` : `client id ${ref.clientOrderId}`
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
