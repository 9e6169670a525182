/**
 * Test support: the Bybit adapter with the real SDK clients (createBybitSdkTransport) against the exchange emulator
 * over loopback, with manual pacing. Every request, answer, frame, connection event, thrown error and SDK log line
 * is kept as text in `record` so a test can search it (for credentials, ALP-18). Waiting is bounded polling:
 * venue time is advanced in small steps and the loop yields to I/O between them; no fixed sleeps.
 */
import {BybitAdapter, type BybitAdapterOptions} from '../../src/adapters/bybit/bybit-adapter.js'
import {createBybitSdkTransport, type BybitSdkTransportOptions} from '../../src/adapters/bybit/sdk-transport.js'
import type {ContractHarness} from '../../src/broker/contract/broker-contract.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import type {Unsubscribe} from '../../src/broker/port.js'
import type {BrokerEvent} from '../../src/core/events.js'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import type {Scheduler, TimerHandle} from '../../src/core/time/scheduler.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import {createBybitProtocol} from '../../src/emulator/bybit/index.js'
import type {ProtocolFactory} from '../../src/emulator/venue-api.js'

/** Test credentials: distinctive, so a search of everything the tests produced finds any leak. */
export const TEST_KEY = 'BYBITE2EKEYQ7Z3M9X'
export const TEST_SECRET = 'bybitE2eSecret0K1L2M3N4P5Q6R7S8T9U0V'

export const SYMBOL = 'BTCUSDT'
export const BAR_MS = 60_000

/** Lets sockets and HTTP answers through: a macrotask turn. */
export const ioTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/** Timers on the wall clock, for the adapter's reconcile retries in these tests. */
export const wallScheduler: Scheduler = {
  at: (time, fn) => timer(setTimeout(fn, Math.max(0, time - Date.now()))),
  after: (ms, fn) => timer(setTimeout(fn, Math.max(0, ms))),
  every: (ms, fn) => {
    const h = setInterval(fn, ms)
    return {cancel: () => clearInterval(h)}
  },
}
function timer(h: ReturnType<typeof setTimeout>): TimerHandle {
  return {cancel: () => clearTimeout(h)}
}

/** A transport wrapper that writes everything passing through it, as JSON text, to `out` (each frame once). */
export function recordingTransport(inner: VenueTransport, out: string[]): VenueTransport {
  const put = (kind: string, v: unknown) => out.push(`${kind} ${safeJson(v)}`)
  const frameHandlers: ((f: RawFrame) => void)[] = []
  const connectionHandlers: ((e: ConnectionEvent) => void)[] = []
  inner.onFrame((f) => {
    put('frame', f)
    for (const h of [...frameHandlers]) h(f)
  })
  inner.onConnection((e) => {
    put('connection', e)
    for (const h of [...connectionHandlers]) h(e)
  })
  const add = <T>(list: T[], h: T): Unsubscribe => {
    list.push(h)
    return () => void list.splice(list.indexOf(h) >>> 0, 1)
  }
  return {
    venue: inner.venue,
    async request(req: VenueRequest): Promise<RawResponse> {
      put('request', req)
      try {
        const res = await inner.request(req)
        put('response', res)
        return res
      } catch (err) {
        put('request-error', errorText(err))
        throw err
      }
    },
    async subscribe(sub: StreamSubscription): Promise<void> {
      put('subscribe', sub)
      try {
        await inner.subscribe(sub)
      } catch (err) {
        put('subscribe-error', errorText(err))
        throw err
      }
    },
    onFrame: (h) => add(frameHandlers, h),
    onConnection: (h) => add(connectionHandlers, h),
    close: () => inner.close(),
  }
}

export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return safeJson(err)
  return `${err.name}: ${err.message}\n${err.stack ?? ''}\n${safeJson(err)}`
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

export interface BybitE2E {
  readonly venue: ControlledVenue
  readonly server: RunningEmulator
  readonly adapter: BybitAdapter
  readonly transport: VenueTransport
  readonly events: BrokerEvent[]
  /** Everything the test produced: traffic, errors, SDK log lines, decode errors. */
  readonly record: string[]
  readonly instrument: Instrument
  /** Advances venue time by `ms` and lets I/O through. */
  advance(ms: number): Promise<void>
  /** Venue time runs in `stepMs` steps (0: none) until `p` settles; at most `wallMs` of wall time. */
  drive<T>(p: Promise<T>, what: string, opts?: {stepMs?: number; wallMs?: number}): Promise<T>
  until(cond: () => boolean, what: string, opts?: {stepMs?: number; wallMs?: number}): Promise<void>
  /** A flat bar at `price` that closes now + BAR_MS. */
  bar(price: number, volume?: number): Promise<void>
  close(): Promise<void>
}

export interface E2EOptions {
  readonly protocol?: ProtocolFactory
  readonly latencyMs?: number
  readonly transport?: Partial<BybitSdkTransportOptions>
  /** Wraps the SDK transport (below the recorder), e.g. the resilience layer. */
  readonly wrap?: (t: VenueTransport) => VenueTransport
  readonly adapter?: Partial<BybitAdapterOptions>
  readonly makeAdapter?: (opts: BybitAdapterOptions) => BybitAdapter
  readonly connect?: boolean
  /** Credentials the client uses (default the emulator's). */
  readonly clientCredentials?: {key: string; secret: string}
  /** Credentials the emulator accepts (default TEST_KEY / TEST_SECRET). */
  readonly venueCredentials?: {key: string; secret: string}
}

export async function startBybitE2E(opts: E2EOptions = {}): Promise<BybitE2E> {
  const instrument = defaultInstrument(SYMBOL, 'crypto_perp', 'bybit')
  const venue = createEmulatedVenue({
    venue: 'bybit',
    credentials: opts.venueCredentials ?? {key: TEST_KEY, secret: TEST_SECRET},
    instruments: [instrument],
    pacing: {mode: 'manual'},
    venueStart: Date.UTC(2024, 0, 2, 0, 0),
    // The adapter's default (no positionMode option) is hedge mode; the emulator's, like Bybit's, is one-way.
    sim: {seed: 7, cash: 100_000, latencyMs: opts.latencyMs ?? 0, positionMode: 'hedge'},
  })
  const server = await startEmulatorServer({venue, protocol: opts.protocol ?? createBybitProtocol})
  const record: string[] = []
  const sdk = await createBybitSdkTransport({
    credentials: opts.clientCredentials ?? opts.venueCredentials ?? {key: TEST_KEY, secret: TEST_SECRET},
    baseUrl: server.url,
    wsUrl: server.wsUrl,
    requestTimeoutMs: 3_000,
    reconnectMs: 20,
    onLog: (line) => record.push(`sdk-log ${line}`),
    ...opts.transport,
  })
  const transport = recordingTransport(opts.wrap ? opts.wrap(sdk) : sdk, record)
  const adapterOpts: BybitAdapterOptions = {
    transport,
    clock: {now: () => venue.now()},
    scheduler: wallScheduler,
    instruments: [instrument],
    onDecodeError: (e) => record.push(`decode-error ${safeJson(e)}`),
    reconcileRetryMs: 20,
    ...opts.adapter,
  }
  const adapter = opts.makeAdapter ? opts.makeAdapter(adapterOpts) : new BybitAdapter(adapterOpts)
  const events: BrokerEvent[] = []
  adapter.subscribe((e) => events.push(e))

  const advance = async (ms: number): Promise<void> => {
    await venue.advance(ms)
    await ioTurn()
  }
  // With venue latency, answers and events need venue time to pass.
  const defaultStep = opts.latencyMs ? 5 : 0
  const until = async (cond: () => boolean, what: string, o: {stepMs?: number; wallMs?: number} = {}): Promise<void> => {
    const deadline = Date.now() + (o.wallMs ?? 5_000)
    const step = o.stepMs ?? defaultStep
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`bybit e2e: ${what} did not happen within ${o.wallMs ?? 5_000} ms of wall time`)
      if (step) await venue.advance(step)
      await ioTurn()
    }
  }
  const drive = async <T>(p: Promise<T>, what: string, o: {stepMs?: number; wallMs?: number} = {}): Promise<T> => {
    let done = false
    const tracked = p.finally(() => void (done = true))
    tracked.catch(() => undefined)
    await until(() => done, what, o)
    return tracked
  }
  const bar = async (price: number, volume = 1e9): Promise<void> => {
    const bar: FeedBar = {symbol: SYMBOL, ts: venue.now(), tfMs: BAR_MS, open: price, high: price, low: price, close: price, volume}
    await venue.pushBar(bar)
    await ioTurn()
  }
  const e2e: BybitE2E = {
    venue, server, adapter, transport, events, record, instrument, advance, drive, until, bar,
    async close() {
      await adapter.close().catch(() => undefined)
      await server.close()
      await venue.stop()
    },
  }
  if (opts.connect !== false) await drive(adapter.connect(), 'connect')
  return e2e
}

/** The contract harness on the emulator: each case gets a fresh venue, server, transport and adapter. */
export async function bybitContractHarness(opts: E2EOptions = {}): Promise<ContractHarness> {
  const e = await startBybitE2E(opts)
  return {
    broker: e.adapter,
    symbol: SYMBOL,
    hedgeSymbol: SYMBOL,
    participation: e.venue.exchange.share,
    advance: (ms) => e.advance(ms),
    setMarket: (price, volume) => e.bar(price, volume),
    close: () => e.close(),
  }
}
