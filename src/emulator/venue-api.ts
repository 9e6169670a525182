/**
 * The exchange emulator's inside, as the wire protocols see it. `src/emulator/core` implements it: a
 * SimulatedExchange on an event loop paced by the wall clock (real time or accelerated), market data replayed
 * from the DuckDB store, rate limits counted the way the venue counts them, and fault hooks. A protocol
 * (`src/emulator/alpaca`, `src/emulator/bybit`) turns HTTP requests and websocket messages into calls on it and
 * its events back into the venue's payload shapes. The emulator is a test and tooling process, outside the
 * deterministic core: it may read the wall clock.
 */
import type {BrokerPort, Unsubscribe} from '../broker/port.js'
import type {FeedBar} from '../broker/market-feed.js'
import type {Instrument, PositionMode} from '../core/instrument.js'
import type {FundingRate} from '../sim/funding.js'

/** The credentials the emulator accepts (one account). */
export interface EmulatorCredentials {
  readonly key: string
  readonly secret: string
}

/** The answer of a rate-limit check, with what the venue's headers report. */
export interface RateDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Wall-clock epoch ms at which the window frees a slot again. */
  readonly resetAt: number
}

/** A sliding-window limit, counted on the wall clock (clients budget on wall time). */
export interface RateRule {
  /** Bucket name, e.g. 'account' (Alpaca: 200/min per key), 'ip' (Bybit 600/5 s), 'order/create' (Bybit per endpoint). */
  readonly bucket: string
  readonly limit: number
  readonly windowMs: number
}

/** A fault armed for the next matching request(s); consumed as it fires. */
export type RequestFault =
  /** Answer with the venue's rate-limit response even though the budget allows (counts as injected, not a violation). */
  | {readonly kind: 'rate_limit'; readonly endpoint?: string; readonly times?: number}
  /** Process the request, then destroy the socket without answering: the client sees an unknown outcome. */
  | {readonly kind: 'drop_response'; readonly endpoint?: string; readonly times?: number}
  /** Answer 500 (Alpaca) / retCode 10016 (Bybit) without processing. */
  | {readonly kind: 'server_error'; readonly endpoint?: string; readonly times?: number}
  /** Answer after `ms` extra wall milliseconds. */
  | {readonly kind: 'delay'; readonly ms: number; readonly endpoint?: string; readonly times?: number}

export interface EmulatorStats {
  readonly requests: number
  /** Requests that arrived while their bucket was exhausted and were refused: the client broke the venue's limit. */
  readonly rateLimitViolations: number
  /** Refusals injected by a fault, not caused by the client. */
  readonly injectedRateLimits: number
  readonly byEndpoint: Readonly<Record<string, number>>
  readonly wsConnections: number
  readonly wsDisconnectsInjected: number
}

export interface EmulatedVenue {
  readonly venue: 'alpaca' | 'bybit'
  /** The simulated exchange: orders, queries and the order/execution/position/account event stream. */
  readonly broker: BrokerPort
  readonly credentials: EmulatorCredentials
  readonly symbols: readonly string[]
  instrument(symbol: string): Instrument
  /** Venue time, epoch ms: the paced simulation clock (data time shifted and scaled, see EmulatorOptions). */
  now(): number
  /**
   * Wall time, epoch ms, from the venue's injected wall clock: what request signatures, rate windows and reset
   * headers are measured in (clients sign and budget on their wall clock). Protocols read it here, never directly.
   */
  wallNow(): number
  /** Closed bars as venue time passes each bar's end. */
  onBar(handler: (bar: FeedBar) => void): Unsubscribe
  /** Funding rates of `symbol` settled so far (funding time ≤ venue time), oldest first, in venue time. */
  fundingHistory(symbol: string): readonly FundingRate[]
  /**
   * Switches perpetual `symbol` to one-way ('netting') or hedge mode, as Bybit's switch-mode does: 'unchanged' when
   * it already is; refused (PositionModeSwitchError) while the symbol has a position or open orders.
   */
  switchPositionMode(symbol: string, mode: PositionMode): Promise<'switched' | 'unchanged'>
  /** Counts one request against `rules` (all must allow); a refusal is a violation unless a fault injected it. */
  checkRate(clientId: string, endpoint: string, rules: readonly RateRule[]): RateDecision
  /** The fault to apply to this request, if one is armed for it (consumes one use). */
  takeFault(endpoint: string): RequestFault | undefined
  /** Websocket connections register here so `disconnectStreams()` can cut them (stream drop fault). */
  registerSocket(close: () => void): Unsubscribe
  recordRequest(endpoint: string): void
  /** Test / admin controls. */
  armFault(fault: RequestFault): void
  disconnectStreams(): void
  stats(): EmulatorStats
}

/**
 * One venue's wire protocol over an EmulatedVenue. The server (src/emulator/server.ts) owns the HTTP and websocket
 * listeners, reads each request body, and hands requests and upgraded sockets to the protocol.
 */
export interface EmulatorProtocol {
  /** `body` is the raw request body ('' when none). The protocol writes the whole answer (or destroys the socket). */
  handleHttp(req: import('node:http').IncomingMessage, body: string, res: import('node:http').ServerResponse): Promise<void>
  /** A websocket opened on `path` (e.g. '/stream', '/v2/iex', '/v5/private', '/v5/public/linear'). */
  handleSocket(socket: import('ws').WebSocket, path: string): void
}

export type ProtocolFactory = (venue: EmulatedVenue) => EmulatorProtocol
