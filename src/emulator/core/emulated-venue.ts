/**
 * The emulator's inside: the real SimulatedExchange on the deterministic EventLoop, with venue time driven either
 * by hand (tests: `advance`, `pushBar`) or by the wall clock (`paced`: venue time = venueStart + wall elapsed ×
 * speed). Market data replays as venue time passes each bar's end: the loop runs up to the bar's end, the
 * simulator matches the bar, then the `onBar` handlers see it. Every operation on the loop (time passing, a bar,
 * a request) runs one at a time on a single chain, so the simulation is the same whichever of them asks first.
 *
 * This is a test and tooling process, outside the deterministic core: wall time and real timers are allowed here.
 * In manual mode nothing reads the wall clock except the rate-limit windows, so the same inputs give the same
 * events at the same venue times.
 */
import type {FeedBar} from '../../broker/market-feed.js'
import type {AmendRequest, BrokerEventHandler, BrokerPort, OrderRef, SubmitReceipt, Unsubscribe} from '../../broker/port.js'
import type {Fill} from '../../core/fill.js'
import type {Instrument, PositionMode} from '../../core/instrument.js'
import {isTerminal} from '../../core/order-state.js'
import type {AccountSnapshot} from '../../core/ledger.js'
import type {OrderRequest, OrderSnapshot} from '../../core/order.js'
import type {PositionSnapshot} from '../../core/position.js'
import {EventLoop} from '../../engine/event-loop.js'
import type {PositionModeSetting, SimConfigInput} from '../../sim/config.js'
import {SimulatedExchange} from '../../sim/exchange.js'
import {type FundingRate, fundingSchedule} from '../../sim/funding.js'
import {ALPACA_PROFILE, BYBIT_PROFILE, type VenueProfile} from '../../sim/venue-profile.js'
import type {EmulatedVenue, EmulatorCredentials, EmulatorStats, RateDecision, RateRule, RequestFault} from '../venue-api.js'
import {type BarSource, BarTape} from './bar-tape.js'
import {EmulatorError, PositionModeSwitchError} from './errors.js'
import {FaultBoard} from './fault-board.js'
import {RateWindows} from './rate-windows.js'

export type Pacing = {readonly mode: 'manual'} | {readonly mode: 'paced'; readonly speed: number}

export interface EmulatorOptions {
  venue: 'alpaca' | 'bybit'
  credentials: EmulatorCredentials
  /** The symbols served, in the simulator's symbol-index order (defaultInstrument(...) from src/core/instrument.ts). */
  instruments: Instrument[]
  /** Market data, oldest first (by close time): FeedBars, or the store's columnar chunks (what the CLI loads). */
  bars?: BarSource
  /**
   * Funding rates of the perpetuals (data time, moved with the bars to venue time): the simulator settles each into
   * the wallet at its time, and the venue serves the ones past as its funding history.
   */
  funding?: readonly FundingRate[]
  /** manual: tests drive `advance()` / `pushBar()`; paced: venue time follows the wall clock × speed after `start()`. */
  pacing: Pacing
  /**
   * Venue-time origin: data is shifted so the first bar opens here. Default: the first bar's own open (no shift);
   * without bars, 2024-01-02 14:30 UTC (a Tuesday, 09:30 New York) in manual mode and the wall clock when paced.
   */
  venueStart?: number
  sim?: {
    seed?: number; cash?: number; latencyMs?: number; participation?: number
    /** Bybit perpetuals: 'one-way' (default, as on Bybit), 'hedge', or per symbol ({BTCUSDT: 'hedge'}). */
    positionMode?: PositionModeSetting
    /** Account id: prefixes the venue's order ids, so orders of several emulated accounts never share an id (GRID-09). */
    account?: string
  }
  /**
   * Rate windows shared with other emulators (GRID-09: one emulator per account, all reached from one IP). Per-IP
   * buckets then count the requests of every account together, per-key buckets stay per account; each emulator
   * counts the refusals of its own requests. Default: this emulator's own windows.
   */
  rateWindows?: RateWindows
  /** Wall clock, epoch ms (rate windows, pacing). Default Date.now; tests inject their own. */
  wallClock?: () => number
  /** Errors of paced replay and of `onBar` handlers (default: one line on stderr); they never stop the emulator. */
  onError?: (err: unknown) => void
}

/** Stats plus what an operator wants to see on the admin route. */
export interface ControlledStats extends EmulatorStats {
  readonly venue: 'alpaca' | 'bybit'
  readonly mode: 'manual' | 'paced'
  /** Venue time, epoch ms. */
  readonly now: number
  readonly bars: {readonly replayed: number; readonly total: number}
  /** Sockets open now (`wsConnections` counts every socket ever registered). */
  readonly wsOpen: number
  readonly faultsArmed: number
  /** Faults consumed so far, by kind. */
  readonly faultsFired: Readonly<Record<RequestFault['kind'], number>>
}

export interface ControlledVenue extends EmulatedVenue {
  /** The simulator behind `broker`, for tests (marks, executions, the ledger). Time only moves through the venue. */
  readonly exchange: SimulatedExchange
  readonly pacing: Pacing
  /** Manual mode: run the simulation `ms` forward, replaying bars that close on the way (events flow to sockets). */
  advance(ms: number): Promise<void>
  /** Manual mode: one bar (in venue time) into the simulator and then the onBar handlers, at the bar's end. */
  pushBar(bar: FeedBar): Promise<void>
  /** Paced mode: begin replaying on the wall clock (no-op in manual mode). */
  start(): void
  /** Stops the pacing timer and waits for the work in progress. */
  stop(): Promise<void>
  stats(): ControlledStats
}

/** 2024-01-02 14:30 UTC: 09:30 in New York on a Tuesday, so an Alpaca-like venue is open. */
export const DEFAULT_MANUAL_START = Date.UTC(2024, 0, 2, 14, 30)
/** Longest single wait of the pacing timer (setTimeout's own limit is ~24.8 days). */
const MAX_TIMER_MS = 3_600_000

export function createEmulatedVenue(opts: EmulatorOptions): ControlledVenue {
  return new Venue(opts)
}

class Venue implements ControlledVenue {
  readonly venue: 'alpaca' | 'bybit'
  readonly credentials: EmulatorCredentials
  readonly symbols: readonly string[]
  readonly exchange: SimulatedExchange
  readonly broker: BrokerPort
  readonly pacing: Pacing
  private readonly loop: EventLoop
  private readonly tape: BarTape
  private readonly bySymbol = new Map<string, {index: number; instrument: Instrument}>()
  private readonly barHandlers: ((bar: FeedBar) => void)[] = []
  /** Funding rates in venue time, oldest first. */
  private readonly funding: readonly FundingRate[]
  private readonly rates: RateWindows
  private readonly faults = new FaultBoard()
  private readonly sockets = new Set<() => void>()
  private readonly wall: () => number
  private readonly onError: (err: unknown) => void
  private readonly venueStart: number
  private chain: Promise<void> = Promise.resolve()
  private wallStart = 0
  private started = false
  private stopped = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastPaced: number
  private counts = {requests: 0, violations: 0, injected: 0, wsConnections: 0, wsCut: 0}
  private readonly byEndpoint: Record<string, number> = {}
  private readonly fired: Record<RequestFault['kind'], number> = {rate_limit: 0, drop_response: 0, server_error: 0, delay: 0}

  constructor(opts: EmulatorOptions) {
    if (opts.venue !== 'alpaca' && opts.venue !== 'bybit') throw new EmulatorError(`venue '${String(opts.venue)}' is not emulated; use alpaca or bybit`)
    if (opts.instruments.length === 0) throw new EmulatorError('the emulator needs at least one instrument')
    if (opts.pacing.mode === 'paced' && !(opts.pacing.speed > 0 && Number.isFinite(opts.pacing.speed))) {
      throw new EmulatorError(`paced speed must be a positive number (1 = real time), got ${opts.pacing.speed}`)
    }
    this.venue = opts.venue
    this.credentials = opts.credentials
    this.pacing = opts.pacing
    this.wall = opts.wallClock ?? Date.now
    this.rates = opts.rateWindows ?? new RateWindows()
    this.onError = opts.onError ?? ((err) => process.stderr.write(`emulator: ${err instanceof Error ? err.message : String(err)}\n`))
    opts.instruments.forEach((instrument, index) => {
      if (this.bySymbol.has(instrument.symbol)) throw new EmulatorError(`instrument ${instrument.symbol} is listed twice; list each symbol once`)
      this.bySymbol.set(instrument.symbol, {index, instrument})
    })
    this.symbols = opts.instruments.map((i) => i.symbol)

    this.tape = new BarTape(opts.bars ?? [], new Set(this.symbols))
    this.venueStart = opts.venueStart ?? this.tape.firstOpen() ?? (opts.pacing.mode === 'manual' ? DEFAULT_MANUAL_START : this.wall())
    this.tape.shiftTo(this.venueStart)
    this.lastPaced = this.venueStart

    const profile: VenueProfile = opts.venue === 'bybit' ? BYBIT_PROFILE : ALPACA_PROFILE
    const config: SimConfigInput = {
      seed: opts.sim?.seed ?? 1,
      ...(opts.sim?.positionMode !== undefined ? {positionMode: opts.sim.positionMode} : {}),
      latency: {fixedMs: opts.sim?.latencyMs ?? 0, jitterMs: 0},
      ...(opts.sim?.cash !== undefined ? {initialCash: opts.sim.cash} : {}),
      ...(opts.sim?.participation !== undefined ? {participation: opts.sim.participation} : {}),
    }
    this.loop = new EventLoop(this.venueStart)
    const shift = this.tape.shift
    this.funding = fundingSchedule(opts.funding ?? [], (s) => this.bySymbol.has(s)).map((f) => ({...f, ts: f.ts + shift}))
    this.exchange = new SimulatedExchange({loop: this.loop, profile, instruments: opts.instruments, config, funding: this.funding, ...(opts.sim?.account ? {account: opts.sim.account} : {})})
    // Market orders sent before the first bar closes need a reference price.
    for (const [symbol, open] of this.tape.firstOpens()) this.exchange.setMark(this.bySymbol.get(symbol)!.index, open)
    this.broker = this.pacedBroker()
  }

  instrument(symbol: string): Instrument {
    const s = this.bySymbol.get(symbol)
    if (!s) throw new EmulatorError(`symbol ${symbol} is not served by this emulator (${this.symbols.join(', ')})`)
    return s.instrument
  }

  wallNow(): number {
    return this.wall()
  }

  now(): number {
    return this.pacing.mode === 'manual' ? this.loop.clock.now() : Math.max(this.pacedNow(), this.loop.clock.now())
  }

  onBar(handler: (bar: FeedBar) => void): Unsubscribe {
    this.barHandlers.push(handler)
    return () => {
      const i = this.barHandlers.indexOf(handler)
      if (i >= 0) this.barHandlers.splice(i, 1)
    }
  }

  fundingHistory(symbol: string): readonly FundingRate[] {
    const now = this.now()
    return this.funding.filter((f) => f.symbol === symbol && f.ts <= now)
  }

  // ---------------------------------------------------------------- pacing

  advance(ms: number): Promise<void> {
    const wrongMode = this.manualOnly('advance')
    if (wrongMode) return Promise.reject(wrongMode)
    if (!(ms >= 0 && Number.isFinite(ms))) return Promise.reject(new EmulatorError(`advance(ms) needs a finite ms >= 0, got ${ms}`))
    return this.serial(() => this.walk(this.loop.clock.now() + ms))
  }

  pushBar(bar: FeedBar): Promise<void> {
    const wrongMode = this.manualOnly('pushBar')
    if (wrongMode) return Promise.reject(wrongMode)
    if (!this.bySymbol.has(bar.symbol)) return Promise.reject(new EmulatorError(`pushBar: ${bar.symbol} is not served by this emulator (${this.symbols.join(', ')})`))
    return this.serial(async () => {
      await this.walk(bar.ts + bar.tfMs)
      this.feed(bar)
      await this.loop.runUntil(this.loop.clock.now())
    })
  }

  start(): void {
    if (this.pacing.mode !== 'paced' || this.started || this.stopped) return
    this.started = true
    this.wallStart = this.wall()
    this.tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.chain
  }

  /** Venue time on the wall clock: frozen at the origin until `start()`, never backwards. */
  private pacedNow(): number {
    if (!this.started || this.pacing.mode !== 'paced') return this.lastPaced
    const t = Math.floor(this.venueStart + (this.wall() - this.wallStart) * this.pacing.speed)
    if (t > this.lastPaced) this.lastPaced = t
    return this.lastPaced
  }

  private tick(): void {
    this.timer = undefined
    if (this.stopped) return
    void this.serial(() => this.walk(this.pacedNow())).then(
      () => this.armTimer(),
      (err: unknown) => {
        this.onError(err)
        this.armTimer()
      },
    )
  }

  /** Paced mode: wakes up when the next loop item or bar is due in venue time. */
  private armTimer(): void {
    if (this.pacing.mode !== 'paced' || !this.started || this.stopped) return
    const due = Math.min(this.loop.nextTime, this.tape.nextEnd())
    if (!Number.isFinite(due)) return
    const wallAt = this.wallStart + (due - this.venueStart) / this.pacing.speed
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(wallAt - this.wall())))
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.tick(), delay)
    // The server (or the test) keeps the process alive, not the pacing timer.
    this.timer.unref()
  }

  /** Runs the simulation up to venue time `target`, replaying every bar that closes on the way. */
  private async walk(target: number): Promise<void> {
    while (this.tape.nextEnd() <= target) {
      const end = this.tape.nextEnd()
      if (end > this.loop.clock.now()) {
        await this.loop.runUntil(end)
        this.loop.clock.advanceTo(end)
      }
      while (this.tape.nextEnd() === end) this.feed(this.tape.take())
      await this.loop.runUntil(end)
    }
    await this.loop.runUntil(target)
    if (target > this.loop.clock.now()) this.loop.clock.advanceTo(target)
  }

  /** One closed bar: matched by the simulator first, then seen by the protocols (as in the backtest). */
  private feed(bar: FeedBar): void {
    this.exchange.onBar(this.bySymbol.get(bar.symbol)!.index, bar.ts, bar.tfMs, bar.open, bar.high, bar.low, bar.close, bar.volume)
    for (const h of [...this.barHandlers]) {
      try {
        h(bar)
      } catch (err) {
        this.onError(err)
      }
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn)
    this.chain = next.then(
      () => undefined,
      () => undefined,
    )
    return next
  }

  private manualOnly(what: string): EmulatorError | undefined {
    if (this.pacing.mode === 'manual') return undefined
    return new EmulatorError(`${what}() drives a manual emulator; this one is paced by the wall clock (speed ${this.pacing.speed})`)
  }

  // ---------------------------------------------------------------- the broker, on the venue's clock

  /**
   * The simulator's port, with each request issued at the venue's present: the loop first catches up with venue
   * time, then the request goes in and the loop runs that instant, so a zero-latency answer is back at once. A
   * later answer (latency) comes when time reaches it (advance, or the pacing timer).
   */
  private pacedBroker(): BrokerPort {
    const ex = this.exchange
    const call = async <T>(fn: () => Promise<T>): Promise<T> => {
      let p!: Promise<T>
      await this.serial(async () => {
        await this.walk(this.now())
        p = fn()
        // Handled here so a rejection settled inside the loop is not reported as unhandled; the caller still sees it.
        p.catch(() => undefined)
        await this.loop.runUntil(this.loop.clock.now())
      })
      this.armTimer()
      return p
    }
    return {
      venue: ex.venue,
      positionMode: ex.positionMode,
      positionModeOf: ex.positionModeOf,
      instrument: (symbol: string) => ex.instrument(symbol),
      subscribe: (handler: BrokerEventHandler) => ex.subscribe(handler),
      submitOrder: (req: OrderRequest): Promise<SubmitReceipt> => call(() => ex.submitOrder(req)),
      cancelOrder: (ref: OrderRef): Promise<void> => call(() => ex.cancelOrder(ref)),
      amendOrder: (ref: OrderRef, changes: AmendRequest): Promise<void> => call(() => ex.amendOrder(ref, changes)),
      getOrder: (ref: OrderRef): Promise<OrderSnapshot | undefined> => call(() => ex.getOrder(ref)),
      openOrders: (symbol?: string): Promise<OrderSnapshot[]> => call(() => ex.openOrders(symbol)),
      positions: (): Promise<PositionSnapshot[]> => call(() => ex.positions()),
      account: (): Promise<AccountSnapshot> => call(() => ex.account()),
      executionsSince: (since: number): Promise<Fill[]> => call(() => ex.executionsSince(since)),
    }
  }

  // ---------------------------------------------------------------- position mode

  switchPositionMode(symbol: string, mode: PositionMode): Promise<'switched' | 'unchanged'> {
    const ex = this.exchange
    return this.serial(async () => {
      await this.walk(this.now())
      if (!ex.positionModes.switchable(symbol)) throw new PositionModeSwitchError('not_perpetual', `${symbol} is not a perpetual; only perpetuals have a position mode`)
      if (ex.positionModes.of(symbol) === mode) return 'unchanged'
      // As on Bybit: a symbol switches only while it has no position and no open order.
      if (ex.ledger.positions.snapshots().some((p) => p.symbol === symbol && p.qty !== 0)) {
        throw new PositionModeSwitchError('position', `${symbol} has an open position; close it before switching the position mode`)
      }
      if (ex.orderSnapshots().some((o) => o.symbol === symbol && !isTerminal(o.status))) {
        throw new PositionModeSwitchError('orders', `${symbol} has open orders; cancel them before switching the position mode`)
      }
      ex.positionModes.set(symbol, mode)
      return 'switched'
    })
  }

  // ---------------------------------------------------------------- rate limits, faults, sockets, stats

  checkRate(clientId: string, endpoint: string, rules: readonly RateRule[]): RateDecision {
    const decision = this.rates.check(clientId, rules, this.wall())
    // Injected refusals never come through here (the protocol answers a `rate_limit` fault itself), so every
    // refusal is the client's own doing.
    if (!decision.allowed) this.counts.violations++
    return decision
  }

  takeFault(endpoint: string): RequestFault | undefined {
    const fault = this.faults.take(endpoint)
    if (fault) this.fired[fault.kind]++
    if (fault?.kind === 'rate_limit') this.counts.injected++
    return fault
  }

  armFault(fault: RequestFault): void {
    this.faults.arm(fault)
  }

  registerSocket(close: () => void): Unsubscribe {
    this.sockets.add(close)
    this.counts.wsConnections++
    return () => void this.sockets.delete(close)
  }

  disconnectStreams(): void {
    const all = [...this.sockets]
    this.sockets.clear()
    for (const close of all) {
      this.counts.wsCut++
      try {
        close()
      } catch (err) {
        this.onError(err)
      }
    }
  }

  recordRequest(endpoint: string): void {
    this.counts.requests++
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1
  }

  stats(): ControlledStats {
    return {
      venue: this.venue,
      mode: this.pacing.mode,
      now: this.now(),
      requests: this.counts.requests,
      rateLimitViolations: this.counts.violations,
      injectedRateLimits: this.counts.injected,
      byEndpoint: {...this.byEndpoint},
      wsConnections: this.counts.wsConnections,
      wsDisconnectsInjected: this.counts.wsCut,
      wsOpen: this.sockets.size,
      faultsArmed: this.faults.pending().length,
      faultsFired: {...this.fired},
      bars: {replayed: this.tape.replayed, total: this.tape.total},
    }
  }
}
