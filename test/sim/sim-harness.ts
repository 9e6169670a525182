/**
 * A simulated exchange on its own event loop, driven by hand: feed bars, send requests, record every event with
 * the virtual time it was delivered at. Requests are sent at the current venue time; bars are fed the way the
 * backtest does it (the loop runs up to the bar's end, then the bar is matched at its end).
 */
import type {BrokerEvent, BrokerEventOf} from '../../src/core/events.js'
import type {Fill} from '../../src/core/fill.js'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import type {OrderRequest, OrderStatus} from '../../src/core/order.js'
import {EventLoop} from '../../src/engine/event-loop.js'
import type {SimConfigInput} from '../../src/sim/config.js'
import {SimulatedExchange} from '../../src/sim/exchange.js'
import {profileFor, type VenueProfile} from '../../src/sim/venue-profile.js'

export const MINUTE = 60_000
/** 2024-01-02 00:00 UTC, minute-aligned; any instant works on the round-the-clock 'sim' venue. */
export const T0 = Date.UTC(2024, 0, 2)

export interface Delivered {
  readonly at: number
  readonly event: BrokerEvent
}

export type Outcome<T> = {readonly ok: true; readonly value: T; readonly at: number} | {readonly ok: false; readonly error: unknown; readonly at: number}

export interface SimOptions {
  readonly profile?: VenueProfile
  readonly instruments?: Instrument[]
  readonly config?: SimConfigInput
  readonly start?: number
  readonly tfMs?: number
  /** Marks to set before anything trades (symbol index → price). */
  readonly marks?: readonly number[]
}

export class Sim {
  readonly loop: EventLoop
  readonly ex: SimulatedExchange
  readonly log: Delivered[] = []
  readonly tfMs: number
  readonly instruments: Instrument[]
  private cursor: number
  private n = 0

  constructor(opts: SimOptions = {}) {
    const start = opts.start ?? T0
    this.loop = new EventLoop(start)
    this.cursor = start
    this.tfMs = opts.tfMs ?? MINUTE
    this.instruments = opts.instruments ?? [defaultInstrument('XYZ', 'crypto_spot', 'sim')]
    this.ex = new SimulatedExchange({loop: this.loop, profile: opts.profile ?? profileFor('sim'), instruments: this.instruments, config: opts.config})
    this.ex.subscribe((event) => this.log.push({at: this.loop.clock.now(), event}))
    for (const [i, p] of (opts.marks ?? [100]).entries()) this.ex.setMark(i, p)
  }

  now(): number {
    return this.loop.clock.now()
  }

  /** Lets `ms` of venue time pass. */
  async run(ms: number): Promise<void> {
    const to = this.now() + ms
    await this.loop.runUntil(to)
    this.loop.clock.advanceTo(to)
  }

  /** Records when `p` settles and how, without letting time pass. */
  track<T>(p: Promise<T>): {readonly result: () => Outcome<T> | undefined} {
    let out: Outcome<T> | undefined
    p.then(
      (value) => void (out = {ok: true, value, at: this.now()}),
      (error: unknown) => void (out = {ok: false, error, at: this.now()}),
    )
    return {result: () => out}
  }

  /** Runs the loop item by item until `p` is answered; the clock stops at the answer's time. */
  async settle<T>(p: Promise<T>): Promise<Outcome<T>> {
    const t = this.track(p)
    await this.loop.runUntil(this.now())
    while (!t.result()) {
      const next = this.loop.nextTime
      if (!Number.isFinite(next)) throw new Error('request never answered: the event loop ran dry')
      await this.loop.runUntil(next)
    }
    return t.result()!
  }

  /** Sends a request that must succeed and returns its value. */
  async ok<T>(p: Promise<T>): Promise<T> {
    const r = await this.settle(p)
    if (!r.ok) throw r.error
    return r.value
  }

  /** Sends a request that must fail and returns its error. */
  async fails(p: Promise<unknown>): Promise<unknown> {
    const r = await this.settle(p)
    if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.value)}`)
    return r.error
  }

  order(req: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'type' | 'qty'>): OrderRequest {
    return {clientOrderId: `o${++this.n}`, symbol: this.instruments[0].symbol, tif: 'gtc', ...req}
  }

  /** Submits an order that must be accepted; returns its client order id. */
  async submit(req: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'type' | 'qty'>): Promise<string> {
    const r = this.order(req)
    await this.ok(this.ex.submitOrder(r))
    return r.clientOrderId
  }

  /** The next bar of symbol `sym` (default 0), starting where the previous one ended. */
  async bar(o: number, h: number, l: number, c: number, volume = 1e6, sym = 0): Promise<void> {
    await this.barAt(this.cursor, o, h, l, c, volume, sym)
  }

  /** A bar opening at `ts`; the loop runs up to its end, then it is matched, as in a backtest. */
  async barAt(ts: number, o: number, h: number, l: number, c: number, volume = 1e6, sym = 0, tfMs = this.tfMs): Promise<void> {
    const end = ts + tfMs
    if (end > this.now()) {
      await this.loop.runUntil(end)
      this.loop.clock.advanceTo(end)
    }
    this.ex.onBar(sym, ts, tfMs, o, h, l, c, volume)
    await this.loop.runUntil(end)
    this.cursor = end
  }

  /** One trade print at the current time + `afterMs`. */
  async print(price: number, size: number, afterMs = 1_000, sym = 0): Promise<void> {
    await this.run(afterMs)
    this.ex.onTrade(sym, this.now(), price, size)
    await this.loop.runUntil(this.now())
  }

  events<K extends BrokerEvent['kind']>(kind: K): BrokerEventOf<K>[] {
    return this.log.filter((d) => d.event.kind === kind).map((d) => d.event as BrokerEventOf<K>)
  }

  statuses(cid: string): OrderStatus[] {
    return this.events('order')
      .filter((e) => e.order.clientOrderId === cid)
      .map((e) => e.order.status)
  }

  fills(cid?: string): Fill[] {
    return this.events('execution')
      .map((e) => e.fill)
      .filter((f) => cid === undefined || f.clientOrderId === cid)
  }

  /** [qty, price] of each fill of `cid`, in order. */
  fillsOf(cid: string): [number, number][] {
    return this.fills(cid).map((f) => [f.qty, f.price])
  }
}
