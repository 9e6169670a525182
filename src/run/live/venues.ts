/**
 * The live venues the wiring knows: for each, how to open its wire transport (the SDK, behind the resilience
 * layer) and how to build its adapter on a transport. SDKs load lazily, inside the functions that need them, so
 * `trader --help` and every other command start without them.
 */
import type {VenueTransport} from '../../broker/transport.js'
import type {ResilienceEvents} from '../../broker/resilience/index.js'
import type {LiveVenue, LiveVenueFactory} from './live-session.js'
import {positionModeFromName} from '../../core/instrument.js'
import type {PositionModeSetting} from '../../sim/config.js'

export type LiveVenueName = 'alpaca' | 'bybit'
export type SessionVenueName = LiveVenueName | 'sim'

export interface VenueEndpoints {
  /** REST base URL (an emulator's, or a venue's other environment). */
  readonly baseUrl?: string
  /** Websocket base URL. */
  readonly wsUrl?: string
  /** Alpaca market-data REST / websocket (default: the same host as baseUrl / wsUrl when those are given). */
  readonly dataUrl?: string
  readonly dataWsUrl?: string
}

export interface OpenTransportOptions extends VenueEndpoints {
  readonly venue: LiveVenueName
  readonly mode: 'paper' | 'live'
  /** Absent only for a public market-data connection (a Bybit feed for the simulated venue). */
  readonly credentials?: {readonly key: string; readonly secret: string}
  readonly events?: ResilienceEvents
  /** Seeds the retry jitter (per account, so accounts do not retry in step). */
  readonly seed?: number
}

/** The SDK transport behind the resilience layer: rate budget, retry with backoff, circuit breaker per endpoint. */
export async function openVenueTransport(opts: OpenTransportOptions): Promise<VenueTransport> {
  const {resilientTransport, ALPACA_POLICY, BYBIT_POLICY} = await import('../../broker/resilience/index.js')
  if (opts.venue === 'alpaca') {
    const {createAlpacaSdkTransport} = await import('../../adapters/alpaca/sdk-transport.js')
    if (!opts.credentials) throw new Error('alpaca needs credentials, also for market data')
    const inner = await createAlpacaSdkTransport({
      credentials: opts.credentials,
      paper: opts.mode === 'paper',
      baseUrl: opts.baseUrl,
      wsUrl: opts.wsUrl,
      dataUrl: opts.dataUrl ?? opts.baseUrl,
      dataWsUrl: opts.dataWsUrl ?? opts.wsUrl,
    })
    return resilientTransport(inner, ALPACA_POLICY, opts.events, {seed: opts.seed})
  }
  const {createBybitSdkTransport} = await import('../../adapters/bybit/sdk-transport.js')
  // Bybit's paper environment is its demo trading (real market data, simulated fills).
  const inner = await createBybitSdkTransport({credentials: opts.credentials, demo: opts.mode === 'paper' && !opts.baseUrl, baseUrl: opts.baseUrl, wsUrl: opts.wsUrl})
  return resilientTransport(inner, BYBIT_POLICY, opts.events, {seed: opts.seed})
}

/**
 * The adapter of a venue, as a factory the live session (and its replay) calls with its transport, clock and
 * timers. 'sim' is the simulated exchange on `feed`'s market data (the feed adapter on the transport).
 */
export async function venueFactory(
  venue: SessionVenueName,
  onDecodeError?: (e: {where: string; raw: unknown; issue: string}) => void,
  feed?: {readonly venue: LiveVenueName; readonly sim?: Readonly<Record<string, unknown>>},
  /** Bybit: the position mode the session trades in (the adapter sets it on the account at connect); absent: untouched. */
  positionMode?: PositionModeSetting,
): Promise<LiveVenueFactory> {
  if (venue === 'sim') {
    if (!feed) throw new Error("venue 'sim' needs a feed venue")
    const feedFactory = await venueFactory(feed.venue, onDecodeError)
    const {SimFeedVenue} = await import('./sim-feed-venue.js')
    return (deps) => {
      if (!deps.loop || !deps.symbols) throw new Error("venue 'sim' needs the session loop and symbols")
      return new SimFeedVenue({feedVenue: feed.venue, feed: feedFactory(deps), loop: deps.loop, symbols: deps.symbols, sim: feed.sim})
    }
  }
  if (venue === 'alpaca') {
    const {AlpacaAdapter} = await import('../../adapters/alpaca/alpaca-adapter.js')
    return (deps) => new AlpacaAdapter({...deps, onDecodeError}) satisfies LiveVenue
  }
  const {BybitAdapter} = await import('../../adapters/bybit/bybit-adapter.js')
  const modes = positionMode === undefined ? {} : typeof positionMode === 'string'
    ? {positionMode: positionModeFromName(positionMode)}
    : {positionMode: 'netting' as const, symbolPositionModes: Object.fromEntries(Object.entries(positionMode).map(([s, m]) => [s, positionModeFromName(m)]))}
  return (deps) => new BybitAdapter({...deps, onDecodeError, ...modes}) satisfies LiveVenue
}
