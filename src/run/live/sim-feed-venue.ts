/**
 * `trader paper --venue sim --feed alpaca|bybit`: the simulated exchange as the venue, on a live venue's market
 * data. Orders never leave the process; the feed's bars reach the simulator first (it matches resting orders on
 * them, as in a backtest) and then the strategy. The feed's traffic is journaled like any venue's, and the
 * simulator is deterministic on the session loop, so the session replays exactly.
 */
import {defaultInstrument, type Instrument} from '../../core/instrument.js'
import type {FeedBar, MarketFeed} from '../../broker/market-feed.js'
import type {BrokerEventHandler, OrderRef, AmendRequest, Unsubscribe} from '../../broker/port.js'
import type {OrderRequest} from '../../core/order.js'
import {SimulatedExchange} from '../../sim/exchange.js'
import type {SimConfigInput} from '../../sim/config.js'
import {profileFor} from '../../sim/venue-profile.js'
import type {EventLoop} from '../../engine/event-loop.js'
import type {LiveVenue} from './live-session.js'

/** The market-data side of a live adapter: its bars and its clock. */
export interface FeedSource extends MarketFeed {
  venueTime(): Promise<number>
  close(): Promise<void>
}

export interface SimFeedVenueOptions {
  readonly feedVenue: 'alpaca' | 'bybit'
  readonly feed: FeedSource
  readonly loop: EventLoop
  readonly symbols: readonly string[]
  readonly sim?: SimConfigInput
}

export class SimFeedVenue implements LiveVenue {
  readonly venue: string
  readonly positionMode: LiveVenue['positionMode']
  private readonly exchange: SimulatedExchange
  private readonly instruments: readonly Instrument[]
  private readonly index: Map<string, number>

  constructor(private readonly opts: SimFeedVenueOptions) {
    const assetClass = opts.feedVenue === 'alpaca' ? 'us_equity' : 'crypto_perp'
    this.instruments = [...opts.symbols].sort().map((s) => defaultInstrument(s, assetClass, opts.feedVenue))
    this.index = new Map(this.instruments.map((inst, i) => [inst.symbol, i]))
    this.exchange = new SimulatedExchange({loop: opts.loop, profile: profileFor(opts.feedVenue), instruments: this.instruments, config: opts.sim})
    this.venue = this.exchange.venue
    this.positionMode = this.exchange.positionMode
  }

  instrument(symbol: string): Instrument {
    return this.exchange.instrument(symbol)
  }

  async connect(): Promise<void> {}

  venueTime(): Promise<number> {
    return this.opts.feed.venueTime()
  }

  close(): Promise<void> {
    return this.opts.feed.close()
  }

  subscribeBars(symbols: readonly string[], tfMs: number, handler: (bar: FeedBar) => void): Promise<Unsubscribe> {
    return this.opts.feed.subscribeBars(symbols, tfMs, (bar) => {
      const i = this.index.get(bar.symbol)
      if (i !== undefined) this.exchange.onBar(i, bar.ts, bar.tfMs, bar.open, bar.high, bar.low, bar.close, bar.volume)
      handler(bar)
    })
  }

  submitOrder(req: OrderRequest) {
    return this.exchange.submitOrder(req)
  }

  cancelOrder(ref: OrderRef) {
    return this.exchange.cancelOrder(ref)
  }

  amendOrder(ref: OrderRef, changes: AmendRequest) {
    return this.exchange.amendOrder(ref, changes)
  }

  getOrder(ref: OrderRef) {
    return this.exchange.getOrder(ref)
  }

  openOrders(symbol?: string) {
    return this.exchange.openOrders(symbol)
  }

  positions() {
    return this.exchange.positions()
  }

  account() {
    return this.exchange.account()
  }

  executionsSince(since: number) {
    return this.exchange.executionsSince(since)
  }

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    return this.exchange.subscribe(handler)
  }
}
