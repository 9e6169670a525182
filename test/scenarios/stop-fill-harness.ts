/**
 * Paper sessions in one process on a virtual clock, against a simulated venue that OUTLIVES them: the real
 * `runLiveSession` (start-up reconciliation, the session wiring, graceful shutdown) with the real strategy, while the
 * venue is a `SimulatedExchange` on its own event loop. The two loops move in lockstep (the venue first at each
 * instant); every answer and event reaches the session as a task of the session's loop at the venue time it was
 * sent, as `LoopTransport` delivers them live. No wall clock: a run is a function of its inputs.
 *
 * The venue keeps filling orders after a session stopped (a working market order fills at the next bar), and the
 * next session starts against the same venue — what a restart after a clean stop meets.
 */
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {AmendRequest, BrokerEventHandler, OrderRef, Unsubscribe} from '../../src/broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import type {Instrument} from '../../src/core/instrument.js'
import type {OrderRequest} from '../../src/core/order.js'
import {EventLoop, microtaskBarrier} from '../../src/engine/event-loop.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import type {LiveSessionHeader} from '../../src/run/live/live-header.js'
import {type LiveSessionHandle, type LiveSessionRun, type LiveVenue, runLiveSession} from '../../src/run/live/live-session.js'
import type {Strategy} from '../../src/engine/strategy.js'
import type {SimConfigInput} from '../../src/sim/config.js'
import {SimulatedExchange} from '../../src/sim/exchange.js'
import {BYBIT_HEDGE_PROFILE, profileFor} from '../../src/sim/venue-profile.js'

const noop = (): void => {}

/** The session never talks through it: the venue below is a port, not a wire. RecordingTransport needs one. */
class NoWire implements VenueTransport {
  constructor(readonly venue: string) {}
  request(req: VenueRequest): Promise<RawResponse> {
    return Promise.reject(new Error(`no wire: ${req.endpoint}`))
  }
  subscribe(_sub: StreamSubscription): Promise<void> {
    return Promise.resolve()
  }
  onFrame(_h: (frame: RawFrame) => void): Unsubscribe {
    return noop
  }
  onConnection(_h: (event: ConnectionEvent) => void): Unsubscribe {
    return noop
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

export interface SessionUnderTest {
  readonly loop: EventLoop
  readonly journal: Journal
  readonly done: Promise<LiveSessionRun>
  /** Set once the session trades (reconciled, strategy started). */
  handle(): LiveSessionHandle | undefined
  /** Journal records so far. */
  records(): readonly JournalRecord[]
}

export class VenueHost {
  readonly loop: EventLoop
  readonly exchange: SimulatedExchange
  private session: EventLoop | undefined
  private readonly barHandlers = new Set<(bar: FeedBar) => void>()

  constructor(start: number, readonly instruments: readonly Instrument[], config: SimConfigInput, venue: 'bybit' | 'alpaca' = 'bybit') {
    this.loop = new EventLoop(start)
    // The grid's Bybit account runs in hedge mode.
    this.exchange = new SimulatedExchange({loop: this.loop, profile: venue === 'bybit' ? BYBIT_HEDGE_PROFILE : profileFor(venue), instruments, config})
  }

  /** A bar of symbol index `i`: at its close the venue matches on it, then the running session sees it. */
  bar(i: number, ts: number, tfMs: number, o: number, h: number, l: number, c: number, volume: number): void {
    const symbol = this.instruments[i].symbol
    this.loop.schedule(ts + tfMs, () => {
      this.exchange.onBar(i, ts, tfMs, o, h, l, c, volume)
      const bar: FeedBar = {symbol, ts, tfMs, open: o, high: h, low: l, close: c, volume}
      for (const handler of this.barHandlers) this.toSession(() => handler(bar))
    })
  }

  /** Starts a paper session on this venue at the venue's current time; drive it with `runTo`. */
  start(strategy: Strategy, header: Omit<LiveSessionHeader, 'origin' | 'format' | 'mode' | 'scale'>): SessionUnderTest {
    if (this.session && !this.session.isHalted) throw new Error('a session is still running on this venue')
    const origin = this.loop.clock.now()
    const loop = new EventLoop(origin)
    this.session = loop
    const journal = new Journal({keep: true})
    let handle: LiveSessionHandle | undefined
    const done = runLiveSession({
      header: {format: 1, mode: 'paper', scale: 1, origin, ...header},
      loop, journal, transport: new NoWire(this.exchange.venue), strategy,
      makeVenue: () => this.venueFor(loop),
      onReady: (h) => (handle = h),
    })
    return {loop, journal, done, handle: () => handle, records: () => journal.records}
  }

  /** Runs venue and session (venue first at each instant) through `until`, then leaves both clocks there. */
  async runTo(until: number): Promise<void> {
    for (let guard = 0; guard < 1_000_000; guard++) {
      await microtaskBarrier()
      const s = this.session && !this.session.isHalted ? this.session : undefined
      const t = Math.min(this.loop.nextTime, s ? s.nextTime : Infinity)
      if (!(t <= until)) break
      // The venue's clock stands at t while the session acts at t: a request then arrives after its own latency.
      this.loop.schedule(t, noop)
      await this.loop.runUntil(t)
      await microtaskBarrier()
      if (s) await s.runUntil(t)
    }
    this.loop.schedule(until, noop)
    await this.loop.runUntil(until)
    const s = this.session && !this.session.isHalted ? this.session : undefined
    if (s) {
      s.schedule(until, noop)
      await s.runUntil(until)
    }
    await microtaskBarrier()
  }

  /** A task of the running session's loop at the venue's current time (dropped when no session runs). */
  private toSession(task: () => void): void {
    const s = this.session
    if (s && !s.isHalted) s.schedule(this.loop.clock.now(), task)
  }

  private venueFor(loop: EventLoop): LiveVenue {
    const ex = this.exchange
    const subs: Unsubscribe[] = []
    // An answer resumes the session inside one of its loop tasks, as LoopTransport does live.
    const deliver = <T>(p: Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        p.then(
          (v) =>
            this.toSession(() => {
              loop.markAsync()
              resolve(v)
            }),
          (err: unknown) =>
            this.toSession(() => {
              loop.markAsync()
              reject(err)
            }),
        )
      })
    return {
      venue: ex.venue,
      positionMode: ex.positionMode,
      instrument: (symbol: string) => ex.instrument(symbol),
      connect: () => Promise.resolve(),
      venueTime: () => Promise.resolve(this.loop.clock.now()),
      close: () => {
        for (const u of subs.splice(0)) u()
        return Promise.resolve()
      },
      subscribeBars: (_symbols: readonly string[], _tfMs: number, handler: (bar: FeedBar) => void) => {
        this.barHandlers.add(handler)
        const off = (): void => void this.barHandlers.delete(handler)
        subs.push(off)
        return Promise.resolve(off)
      },
      submitOrder: (req: OrderRequest) => deliver(ex.submitOrder(req)),
      cancelOrder: (ref: OrderRef) => deliver(ex.cancelOrder(ref)),
      amendOrder: (ref: OrderRef, changes: AmendRequest) => deliver(ex.amendOrder(ref, changes)),
      getOrder: (ref: OrderRef) => deliver(ex.getOrder(ref)),
      openOrders: (symbol?: string) => deliver(ex.openOrders(symbol)),
      positions: () => deliver(ex.positions()),
      account: () => deliver(ex.account()),
      executionsSince: (since: number) => deliver(ex.executionsSince(since)),
      subscribe: (handler: BrokerEventHandler) => {
        const off = ex.subscribe((event) => this.toSession(() => handler(event)))
        subs.push(off)
        return off
      },
    }
  }
}
