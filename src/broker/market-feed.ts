/**
 * The market-data side of a live venue: closed bars of the subscribed symbols, pushed as they close. The session
 * engine turns each into a `Strategy.onBar` call at the bar's end, exactly as the backtest bar loop does.
 */
import type {Unsubscribe} from './port.js'

export interface FeedBar {
  readonly symbol: string
  /** Bar open time, UTC epoch ms. */
  readonly ts: number
  /** Bar length in ms (60_000 for 1-minute bars). */
  readonly tfMs: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
}

export interface MarketFeed {
  /** Subscribes to closed bars of `symbols` at `tfMs`; resolves once the venue confirmed the subscription. */
  subscribeBars(symbols: readonly string[], tfMs: number, handler: (bar: FeedBar) => void): Promise<Unsubscribe>
}
