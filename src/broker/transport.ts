/**
 * The venue transport: raw wire traffic, below the adapters' decoding. An adapter (src/adapters/<venue>) is the
 * broker port built on a transport; it never talks to the network itself. That split is what makes a live session
 * replayable and testable:
 *
 *   adapter (decode with zod, order tracking, reconcile)      ← same code in live, paper and replay
 *     → RecordingTransport   journals every request, response and frame verbatim, at receive time
 *     → LoopTransport        delivers every response and frame as a task of the session's event loop
 *     → ResilientTransport   rate budget, retry with backoff, circuit breaker per endpoint
 *     → SdkTransport         @alpacahq/alpaca-trade-api / bybit-api (or the emulator behind --base-url)
 *
 * In replay the bottom three are replaced by a ReplayTransport that answers from the journal.
 *
 * Contract: `request` resolves with the venue's HTTP answer whatever its status (a 4xx/5xx or a Bybit retCode
 * != 0 is an answer, for the adapter to map); it rejects only when no answer arrived, with a RetryableError
 * (RequestTimeoutError when the request may have reached the venue: the outcome is unknown and the adapter
 * resolves it by querying the client order id, NetworkError when it certainly did not leave), or with the
 * resilience layer's own errors (circuit open, rate-limit wait too long). Bodies are parsed JSON, never
 * SDK-mapped objects, so the zod decoders see exactly what the venue sent. No credential is ever part of a
 * request, response, frame or error: signing happens inside the SDK transport.
 */
import type {Unsubscribe} from './port.js'

/** One logical REST call. `endpoint` is "<METHOD> <path template>", e.g. "POST /v2/orders", "GET /v5/order/realtime". */
export interface VenueRequest {
  readonly endpoint: string
  /** Query or body parameters, JSON-safe, in the venue's own field names. */
  readonly params: Readonly<Record<string, unknown>>
  /** Filled path parameters (e.g. {order_id: '…'}), when the endpoint has any. */
  readonly path?: Readonly<Record<string, string>>
}

export interface RawResponse {
  readonly status: number
  /** Lower-cased header names; only the headers the adapters read (rate limits, request ids). */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed JSON body, verbatim (null for an empty body). */
  readonly body: unknown
}

/** One websocket message, parsed JSON, verbatim. `stream` names the connection: 'trade_updates', 'private', 'public.linear', … */
export interface RawFrame {
  readonly stream: string
  readonly data: unknown
}

/** Connection changes of the streams. After `reconnected` the adapter reconciles over REST before trusting the stream. */
export type ConnectionEvent =
  | {readonly kind: 'connected'; readonly stream: string}
  | {readonly kind: 'disconnected'; readonly stream: string; readonly reason: string}
  | {readonly kind: 'reconnected'; readonly stream: string}

export interface StreamSubscription {
  readonly stream: string
  /** Venue topics, e.g. ['trade_updates'] or ['order', 'execution', 'position', 'wallet'] or ['kline.1.BTCUSDT']. */
  readonly topics: readonly string[]
}

export interface VenueTransport {
  readonly venue: string
  request(req: VenueRequest): Promise<RawResponse>
  /** Opens (or extends) a stream subscription; resolves once the venue confirmed it (authenticated where private). */
  subscribe(sub: StreamSubscription): Promise<void>
  onFrame(handler: (frame: RawFrame) => void): Unsubscribe
  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe
  close(): Promise<void>
}
