/**
 * Test support: the Alpaca adapter on the real SDK transport, against the exchange emulator over loopback.
 * Venue time moves only when a test advances it (manual pacing); the adapter's clock is venue time and its
 * scheduler fires as venue time passes, so nothing here depends on how fast the machine is. Between steps the rig
 * lets real time pass briefly so HTTP answers and websocket frames cross the loopback.
 */
import {AlpacaAdapter, type AdapterDeps} from '../../src/adapters/alpaca/alpaca-adapter.js'
import {createAlpacaSdkTransport, type SdkTransportOptions} from '../../src/adapters/alpaca/sdk-transport.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {ConnectionEvent, RawFrame, RawResponse, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import type {BrokerEvent} from '../../src/core/events.js'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import type {Scheduler, TimerHandle} from '../../src/core/time/scheduler.js'
import {createAlpacaProtocol} from '../../src/emulator/alpaca/index.js'
import {createEmulatedVenue, DEFAULT_MANUAL_START, startEmulatorServer, type ControlledVenue, type RunningEmulator} from '../../src/emulator/index.js'
import type {ProtocolFactory} from '../../src/emulator/venue-api.js'

/** Test-only credentials, distinctive so a leak is easy to grep for. */
export const RIG_KEY = 'PKRIGTESTKEY7Q4W2ZX9'
export const RIG_SECRET = 'rigTestSecret0NotReal0x8d5b1e9c3f7a2d4e6b'

/** Timers in venue time: due ones fire when the rig advances. */
export class VenueScheduler implements Scheduler {
  private timers: {at: number; fn: () => void; dead: boolean}[] = []

  constructor(private readonly now: () => number) {}

  at(time: number, fn: () => void): TimerHandle {
    const t = {at: Math.max(time, this.now()), fn, dead: false}
    this.timers.push(t)
    return {cancel: () => void (t.dead = true)}
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    return this.at(this.now() + delayMs, fn)
  }

  every(intervalMs: number, fn: () => void, firstAt?: number): TimerHandle {
    let handle: TimerHandle
    const tick = (at: number): void => {
      handle = this.at(at, () => {
        fn()
        tick(at + intervalMs)
      })
    }
    tick(firstAt ?? this.now() + intervalMs)
    return {cancel: () => handle.cancel()}
  }

  runDue(): void {
    for (;;) {
      const now = this.now()
      const due = this.timers.filter((t) => !t.dead && t.at <= now).sort((a, b) => a.at - b.at)
      if (due.length === 0) break
      this.timers = this.timers.filter((t) => !due.includes(t))
      for (const t of due) if (!t.dead) t.fn()
    }
  }
}

export interface RigOptions {
  readonly instruments?: Instrument[]
  readonly cash?: number
  readonly participation?: number
  readonly latencyMs?: number
  readonly protocol?: ProtocolFactory
  /** Build a different adapter (a naive variant) on the same dependencies. */
  readonly adapter?: (deps: AdapterDeps) => AlpacaAdapter
  /** Wrap the transport (e.g. the resilience layer, or a recorder). */
  readonly wrap?: (t: VenueTransport) => VenueTransport
  readonly transport?: Partial<SdkTransportOptions>
  readonly credentials?: {key: string; secret: string}
  /** Skip adapter.connect() (tests of the connection itself). */
  readonly noConnect?: boolean
  readonly venueStart?: number
}

export interface Rig {
  readonly venue: ControlledVenue
  readonly server: RunningEmulator
  readonly transport: VenueTransport
  readonly adapter: AlpacaAdapter
  readonly scheduler: VenueScheduler
  readonly events: BrokerEvent[]
  readonly frames: RawFrame[]
  readonly connections: ConnectionEvent[]
  readonly decodeErrors: {where: string; raw: unknown; issue: string}[]
  readonly errors: {where: string; error: unknown}[]
  /** Every request the adapter made, with its answer or rejection, in order. */
  readonly traffic: Traffic[]
  readonly symbol: string
  /** Lets `ms` of venue time pass (in steps), with the wire in between. */
  advance(ms: number, step?: number): Promise<void>
  /** Lets real time pass (the wire), without moving venue time. */
  wire(ms?: number): Promise<void>
  /** Advances until `p` settles (bounded), then returns its outcome. */
  settle<T>(p: Promise<T>, what?: string, maxMs?: number): Promise<T>
  /** Advances until `cond` holds (bounded). */
  until(cond: () => boolean, what: string, maxMs?: number): Promise<void>
  /** One bar at `price` (flat) ending now + tfMs, on every symbol. */
  bar(price: number, volume?: number, tfMs?: number): Promise<void>
  close(): Promise<void>
}

export interface Traffic {
  readonly req: VenueRequest
  res?: RawResponse
  error?: unknown
}

/** Records every request and its outcome (the adapter's side of the wire). */
function recording(inner: VenueTransport, log: Traffic[]): VenueTransport {
  return {
    venue: inner.venue,
    async request(req) {
      const t: Traffic = {req}
      log.push(t)
      try {
        t.res = await inner.request(req)
        return t.res
      } catch (err) {
        t.error = err
        throw err
      }
    },
    subscribe: (sub) => inner.subscribe(sub),
    onFrame: (h) => inner.onFrame(h),
    onConnection: (h) => inner.onConnection(h),
    close: () => inner.close(),
  }
}

const STEP_MS = 10
const WAIT_MS = 30_000

export const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const instruments = opts.instruments ?? [defaultInstrument('AAPL', 'us_equity', 'alpaca')]
  const credentials = {key: RIG_KEY, secret: RIG_SECRET}
  const venue = createEmulatedVenue({
    venue: 'alpaca',
    credentials,
    instruments,
    pacing: {mode: 'manual'},
    venueStart: opts.venueStart ?? DEFAULT_MANUAL_START,
    sim: {seed: 1, cash: opts.cash ?? 100_000, latencyMs: opts.latencyMs ?? 0, participation: opts.participation ?? 0.1},
  })
  const server = await startEmulatorServer({venue, protocol: opts.protocol ?? createAlpacaProtocol})
  const creds = opts.credentials ?? credentials
  const sdk = await createAlpacaSdkTransport({
    credentials: creds,
    baseUrl: server.url,
    dataUrl: server.url,
    wsUrl: server.wsUrl,
    dataWsUrl: `${server.wsUrl}/v2/iex`,
    requestTimeoutMs: 5_000,
    reconnect: {initialMs: 20, maxMs: 100},
    ...opts.transport,
  })
  const traffic: Traffic[] = []
  const transport = recording(opts.wrap ? opts.wrap(sdk) : sdk, traffic)
  const frames: RawFrame[] = []
  const connections: ConnectionEvent[] = []
  transport.onFrame((f) => frames.push(f))
  transport.onConnection((e) => connections.push(e))
  const scheduler = new VenueScheduler(() => venue.now())
  const decodeErrors: Rig['decodeErrors'] = []
  const errors: Rig['errors'] = []
  const deps: AdapterDeps = {
    transport,
    clock: {now: () => venue.now()},
    scheduler,
    instruments,
    onDecodeError: (e) => decodeErrors.push(e),
    onError: (e) => errors.push(e),
  }
  const adapter = opts.adapter ? opts.adapter(deps) : new AlpacaAdapter(deps)
  const events: BrokerEvent[] = []
  adapter.subscribe((e) => events.push(e))

  const wire = (ms = 1) => wait(ms)
  const advance = async (ms: number, step = STEP_MS): Promise<void> => {
    for (let done = 0; done < ms; done += step) {
      await venue.advance(Math.min(step, ms - done))
      scheduler.runDue()
      await wire()
    }
  }
  const settle = async <T>(p: Promise<T>, what = 'request', maxMs = WAIT_MS): Promise<T> => {
    let done = false
    const tracked = p.then(
      (v) => ((done = true), v),
      (e: unknown) => {
        done = true
        throw e
      },
    )
    tracked.catch(() => undefined)
    for (let waited = 0; !done && waited < maxMs; waited += STEP_MS) {
      await wire()
      if (!done) await advance(STEP_MS)
    }
    if (!done) throw new Error(`no answer to ${what} within ${maxMs} ms of venue time`)
    return tracked
  }
  const until = async (cond: () => boolean, what: string, maxMs = WAIT_MS): Promise<void> => {
    for (let waited = 0; !cond(); waited += STEP_MS) {
      if (waited >= maxMs) throw new Error(`${what} did not happen within ${maxMs} ms of venue time`)
      await wire()
      if (!cond()) await advance(STEP_MS)
    }
  }
  const bar = async (price: number, volume = 1e9, tfMs = 1_000): Promise<void> => {
    const ts = venue.now()
    for (const i of instruments) {
      const b: FeedBar = {symbol: i.symbol, ts, tfMs, open: price, high: price, low: price, close: price, volume}
      await venue.pushBar(b)
    }
    scheduler.runDue()
    await wire()
  }
  const rig: Rig = {
    venue, server, transport, adapter, scheduler, events, frames, connections, decodeErrors, errors, traffic, symbol: instruments[0].symbol,
    advance, wire, settle, until, bar,
    async close() {
      await adapter.close()
      await transport.close()
      await server.close()
      await venue.stop()
    },
  }
  if (!opts.noConnect) await settle(adapter.connect(), 'connect')
  return rig
}
