/**
 * GRID-09, live side: several Bybit accounts in one process share public market data and keep separate state,
 * errors and rate budgets — end to end through the real bybit-api clients and the exchange emulator over loopback,
 * paced at 240x (a minute bar every 250 ms of wall time).
 *
 * Venue: one emulator per account (an emulator serves one credential pair), all replaying the same minute bars on
 * the same paced clock and all counting the per-IP limit in ONE set of rate windows (one IP reaches them all:
 * the emulator core's `rateWindows` option), each its own per-key limits; venue order ids carry the account
 * (`sim.account`). The public stream connects to A's emulator only.
 * Process under test: one LiveDriver / EventLoop, one credential-free public transport, one SharedBudgets, per
 * account its own SDK transport, resilience layer, adapter, journal and grid instance (`openBybitAccountWires` +
 * `runMultiAccountLive`). The IP limit is lowered to 60 / s on both sides so that a burst can exceed it.
 *
 * Accounts: A (notional 1000) gets a request fault (its position query answers retCode 10016 six times); B
 * (notional 500) gets its private stream cut; A and B both poll their open orders 45 times on bar 10 (90 requests at
 * one instant); C's strategy throws on its 4th bar.
 *
 * Bites:
 * - per-IP budgets kept per account (each account spends the whole IP limit alone): the emulators count rate-limit
 *   violations (HTTP 403) and more than 60 requests arrive within a second, where the shared budget has none;
 * - the accounts as plain live sessions on the one loop, without the guard: C's throw stops the driver and A and B
 *   get no further bar, where the guarded group gives them at least nine.
 */
import type {WebSocket} from 'ws'
import {afterEach, describe, expect, it} from 'vitest'
import {decodeBybitResponse} from '../../src/adapters/bybit/decode-rest.js'
import {decodeBybitServerTime} from '../../src/adapters/bybit/server-time.js'
import {createBybitSdkTransport} from '../../src/adapters/bybit/sdk-transport.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import {BYBIT_POLICY, resilientTransport, type ResilientTransport, SharedBudgets, type VenuePolicy} from '../../src/broker/resilience/index.js'
import type {BudgetSpec} from '../../src/broker/resilience/policy.js'
import type {ConnectionEvent, VenueTransport} from '../../src/broker/transport.js'
import {AuthenticationError} from '../../src/broker/errors.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {RateWindows} from '../../src/emulator/core/rate-windows.js'
import {bybitProtocolWith} from '../../src/emulator/bybit/index.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import type {ProtocolFactory, RateRule} from '../../src/emulator/venue-api.js'
import {EventLoop} from '../../src/engine/event-loop.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import {LiveDriver} from '../../src/run/live/live-driver.js'
import {type LiveSessionHandle, runLiveSession} from '../../src/run/live/live-session.js'
import {LoopTransport} from '../../src/run/live/loop-transport.js'
import {replayLiveJournal} from '../../src/run/live/replay-live.js'
import {
  AccountWire, type MultiAccountHandle, type MultiAccountLiveRun, openBybitAccountWires, runMultiAccountLive,
} from '../../src/run/live/multi-account-live.js'
import {venueFactory} from '../../src/run/live/venues.js'
import {wallTimers} from '../../src/ops/wall-timers.js'
import type {StrategyContext} from '../../src/engine/strategy.js'
import {GridParamsSchema, GridStrategy} from '../../strategies/grid/index.js'

const SYMBOL = 'BTCUSDT'
const BAR_MS = 60_000
/** Session (and venue) ms per wall ms: a minute bar every 250 ms of wall time. */
const SPEED = 240
const VENUE_START = Date.UTC(2024, 0, 2, 0, 0)
/** The per-IP limit, small so that a burst of two accounts can exceed it (Bybit's is 600 / 5 s). */
const IP_LIMIT = 60
const IP_WINDOW_MS = 1_000
const IP_RULE: RateRule = {bucket: 'ip', limit: IP_LIMIT, windowMs: IP_WINDOW_MS}
const IDS = ['A', 'B', 'C'] as const
type Id = (typeof IDS)[number]
const CREDS: Record<Id, {key: string; secret: string}> = {
  A: {key: 'GRID09LIVEKEYAAAA01', secret: 'grid09LiveSecretA0K1L2M3N4P5Q6R7S8T9'},
  B: {key: 'GRID09LIVEKEYBBBB02', secret: 'grid09LiveSecretB0K1L2M3N4P5Q6R7S8T9'},
  C: {key: 'GRID09LIVEKEYCCCC03', secret: 'grid09LiveSecretC0K1L2M3N4P5Q6R7S8T9'},
}
const NOTIONAL: Record<Id, number> = {A: 1000, B: 500, C: 1000}

/**
 * The client's policy: Bybit's, with the IP budget the emulators enforce and a short breaker period. The margin is a
 * full window: client and emulators share one CPU here, and on a loaded machine a request's arrival can lag its
 * departure by several hundred ms (with Bybit's 250 ms, the IP window was overrun under 7 parallel copies).
 */
const TIGHT_IP: BudgetSpec = {id: 'ip', limit: IP_LIMIT, windowMs: IP_WINDOW_MS, marginMs: IP_WINDOW_MS, perIp: true}
const POLICY: VenuePolicy = {
  ...BYBIT_POLICY,
  endpoint: (e) => {
    const ep = BYBIT_POLICY.endpoint(e)
    return {...ep, budgets: ep.budgets.map((b) => (b.perIp ? TIGHT_IP : b))}
  },
  breaker: {consecutiveFailures: 5, halfOpenAfterMs: 1_000, maxHalfOpenAfterMs: 4_000},
}

/** Minute bars swinging ±1.2 % around 20 000 with a period of 8 bars: both grid legs fill, average and take profit. */
function swingBars(n: number): FeedBar[] {
  const out: FeedBar[] = []
  let prev = 20_000
  for (let k = 0; k < n; k++) {
    const close = Math.round(20_000 * (1 + 0.012 * Math.sin((2 * Math.PI * k) / 8)) * 10) / 10
    const open = prev
    out.push({symbol: SYMBOL, ts: VENUE_START + k * BAR_MS, tfMs: BAR_MS, open, high: Math.max(open, close) + 5, low: Math.min(open, close) - 5, close, volume: 1_000})
    prev = close
  }
  return out
}

/** What the emulators' wire saw, across all of them: request arrivals (wall ms), sockets and subscribe ops. */
interface Tally {
  readonly arrivals: {readonly t: number; readonly account: Id; readonly endpoint: string}[]
  readonly sockets: {readonly account: Id; readonly path: string}[]
  readonly subscribes: {readonly account: Id; readonly path: string; readonly topics: readonly string[]}[]
}

function tallied(factory: ProtocolFactory, tally: Tally, account: Id): ProtocolFactory {
  return (venue) => {
    const p = factory(venue)
    return {
      handleHttp(req, body, res) {
        tally.arrivals.push({t: Date.now(), account, endpoint: `${req.method} ${(req.url ?? '').split('?')[0]}`})
        return p.handleHttp(req, body, res)
      },
      handleSocket(ws: WebSocket, path: string) {
        tally.sockets.push({account, path})
        ws.on('message', (data) => {
          try {
            const m = JSON.parse(String(data)) as {op?: string; args?: unknown}
            if (m.op === 'subscribe' && Array.isArray(m.args)) tally.subscribes.push({account, path, topics: m.args.map(String)})
          } catch {
            // not JSON: the protocol answers it
          }
        })
        p.handleSocket(ws, path)
      },
    }
  }
}

/** Most requests that arrived in any window of `ms` (sliding, over arrival times). */
function peak(times: readonly number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= ms) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

/** Bounded polling on the wall clock (the emulators and the session run on their own timers). */
async function until(cond: () => boolean, what: string, wallMs = 8_000, detail?: () => unknown): Promise<void> {
  const deadline = Date.now() + wallMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`GRID-09 live: ${what} did not happen within ${wallMs} ms of wall time${detail ? ` (${JSON.stringify(detail())})` : ''}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** C's grid: throws on its 4th bar. */
class FailingGrid extends GridStrategy {
  private bars = 0
  override onBar(bar: Bar): void {
    if (++this.bars === 4) throw new Error('bug in account C')
    super.onBar(bar)
  }
}

/** A's and B's grid: on bar POLL_BAR it also polls its open orders QUERY_BURST times at once (a status poll). */
class PollingGrid extends GridStrategy {
  private bars = 0
  /** The session it was started in (its broker is what the poll queries). */
  private session: StrategyContext | undefined
  readonly polls: Promise<unknown>[] = []
  override start(ctx: StrategyContext): void {
    this.session = ctx
    super.start(ctx)
  }

  override onBar(bar: Bar): void {
    if (++this.bars === POLL_BAR) {
      for (let k = 0; k < QUERY_BURST; k++) {
        const p = this.session!.broker.openOrders(SYMBOL)
        p.catch(() => undefined)
        this.polls.push(p)
      }
    }
    super.onBar(bar)
  }
}

const POLL_BAR = 10
/** The grid's periodic sync: every 4 session minutes (1 s of wall time), so three accounts' own traffic stays well below the IP limit. */
const SYNC_MS = 240_000
const QUERY_BURST = 45

interface ResilienceLog {
  retries: {endpoint: string; error: string}[]
  breaker: {endpoint: string; state: string}[]
  waits: number
}

interface Rig {
  readonly venues: Record<Id, ControlledVenue>
  readonly servers: Record<Id, RunningEmulator>
  readonly tally: Tally
  readonly journals: Record<Id, Journal>
  readonly grids: Record<Id, GridStrategy>
  readonly resilience: Record<Id | 'public', ResilienceLog>
  readonly driver: LiveDriver
  close(): Promise<void>
}

/** Emulators, one per account, sharing bars, pacing and the per-IP rate windows. */
async function startVenues(tally: Tally): Promise<Pick<Rig, 'venues' | 'servers'>> {
  const bars = swingBars(400)
  const rates = new RateWindows()
  const wall = (): number => Date.now()
  const instrument = defaultInstrument(SYMBOL, 'crypto_perp', 'bybit')
  const venues = {} as Record<Id, ControlledVenue>
  const servers = {} as Record<Id, RunningEmulator>
  for (const id of IDS) {
    venues[id] = createEmulatedVenue({
      venue: 'bybit', credentials: CREDS[id], instruments: [instrument], bars, pacing: {mode: 'paced', speed: SPEED}, venueStart: VENUE_START,
      sim: {seed: 7, cash: 100_000, latencyMs: 0, account: id, positionMode: 'hedge'}, rateWindows: rates, wallClock: wall,
    })
    servers[id] = await startEmulatorServer({venue: venues[id], protocol: tallied(bybitProtocolWith({ipRule: IP_RULE}), tally, id)})
  }
  for (const id of IDS) venues[id].start()
  return {venues, servers}
}

function resilienceLog(): ResilienceLog {
  return {retries: [], breaker: [], waits: 0}
}

const opened: {close(): Promise<void>}[] = []
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close().catch(() => undefined)
})

async function venueOrigin(publicWire: VenueTransport): Promise<number> {
  const res = await publicWire.request({endpoint: 'GET /v5/market/time', params: {}})
  const r = decodeBybitResponse(res.body, 'bybit:rest:time', (result, _t, c) => decodeBybitServerTime(result, c))
  if (!r.ok) throw new Error('no venue time')
  return r.value
}

interface GroupRun {
  readonly rig: Rig
  /** Resolves once every account trades (the naive 'unguarded' variant has no group: its sessions by id). */
  readonly group: Promise<MultiAccountHandle | ReadonlyMap<string, LiveSessionHandle>>
  readonly done: Promise<MultiAccountLiveRun | undefined>
}

/**
 * The process under test: three grid accounts on one driver.
 * - naive 'budgets': each account's resilience layer keeps its own per-IP budget;
 * - naive 'unguarded': the accounts are plain live sessions on the one loop (same shared public wire), no guard.
 */
async function startGroup(opts: {naive?: 'budgets' | 'unguarded'; wrongSecret?: Id} = {}): Promise<GroupRun> {
  const tally: Tally = {arrivals: [], sockets: [], subscribes: []}
  const {venues, servers} = await startVenues(tally)
  const resilience = {A: resilienceLog(), B: resilienceLog(), C: resilienceLog(), public: resilienceLog()} as Record<Id | 'public', ResilienceLog>
  const events = (account: string) => {
    const log = resilience[account as Id | 'public']
    return {
      onRetry: (e: {endpoint: string; error: string}) => void log.retries.push({endpoint: e.endpoint, error: e.error}),
      onBreaker: (e: {endpoint: string; state: string}) => void log.breaker.push(e),
      onWait: () => void log.waits++,
    }
  }
  const sdk = {requestTimeoutMs: 3_000, reconnectMs: 50}
  const clientCreds = (id: Id) => (id === opts.wrongSecret ? {key: CREDS[id].key, secret: 'grid09WrongSecretX0K1L2M3N4P5Q6R7S8T'} : CREDS[id])
  const wires = await openBybitAccountWires({
    publicEndpoints: {baseUrl: servers.A.url, wsUrl: servers.A.wsUrl},
    accounts: IDS.map((id) => ({id, credentials: clientCreds(id), baseUrl: servers[id].url, wsUrl: servers[id].wsUrl})),
    policy: POLICY, events, sdk,
  })
  let accountWires: ReadonlyMap<string, ResilientTransport> = wires.accounts
  if (opts.naive === 'budgets') {
    const naive = new Map<string, ResilientTransport>()
    for (const id of IDS) {
      const inner = await createBybitSdkTransport({...sdk, credentials: clientCreds(id), baseUrl: servers[id].url, wsUrl: servers[id].wsUrl})
      naive.set(id, resilientTransport(inner, POLICY, events(id), {sharedBudgets: new SharedBudgets(), account: id, seed: id.charCodeAt(0)}))
    }
    await Promise.all([...wires.accounts.values()].map((t) => t.close()))
    accountWires = naive
  }
  const origin = await venueOrigin(wires.publicWire)
  const loop = new EventLoop(origin)
  const driver = new LiveDriver(loop, wallTimers, {origin, scale: SPEED})
  const journals = {A: new Journal({keep: true}), B: new Journal({keep: true}), C: new Journal({keep: true})}
  const grids = {} as Record<Id, GridStrategy>
  for (const id of IDS) grids[id] = makeGrid(id)
  const makeVenue = await venueFactory('bybit')
  const base = {format: 1 as const, mode: 'paper' as const, venue: 'bybit' as const, params: {}, symbols: [SYMBOL], timeframe: '1m' as const, seed: 1, epoch: 1, risk: null, origin, scale: SPEED}

  let group: GroupRun['group']
  let done: GroupRun['done']
  if (opts.naive === 'unguarded') {
    const shared = new LoopTransport(wires.publicWire, driver)
    const sessions = new Map<string, LiveSessionHandle>()
    let ready!: (m: ReadonlyMap<string, LiveSessionHandle>) => void
    group = new Promise((r) => (ready = r))
    for (const id of IDS) {
      void runLiveSession({
        header: {...base, account: id, strategy: 'grid', params: gridParams(id)}, loop, journal: journals[id], makeVenue, strategy: grids[id],
        transport: new AccountWire(new LoopTransport(accountWires.get(id)!, driver), shared, ['public.linear']),
        onReady: (h) => {
          sessions.set(id, h)
          if (sessions.size === IDS.length) ready(sessions)
        },
      }).catch(() => undefined)
    }
    driver.wake()
    done = Promise.resolve(undefined)
  } else {
    let ready!: (g: MultiAccountHandle) => void
    group = new Promise<MultiAccountHandle>((r) => (ready = r))
    done = runMultiAccountLive({
      driver, header: base, publicTransport: wires.publicWire, publicStreams: ['public.linear'],
      accounts: IDS.map((id) => ({id, transport: accountWires.get(id)!, strategy: grids[id], journal: journals[id], header: {params: gridParams(id)}})),
      makeVenue, onReady: ready,
    })
  }
  const rig: Rig = {
    venues, servers, tally, journals, grids, resilience, driver,
    async close() {
      driver.stop()
      await wires.close()
      for (const t of accountWires.values()) await t.close().catch(() => undefined)
      for (const id of IDS) {
        await servers[id].close()
        await venues[id].stop()
      }
    },
  }
  opened.push(rig)
  return {rig, group, done}
}

function makeGrid(id: Id): GridStrategy {
  return id === 'C' ? new FailingGrid(gridParams(id)) : new PollingGrid(gridParams(id))
}

function gridParams(id: Id) {
  return GridParamsSchema.parse({baseNotional: NOTIONAL[id], multiplier: 2, maxLevels: 3, gridStepPct: 1, tpPct: 0.5, syncIntervalMs: SYNC_MS})
}

const recordsOf = (j: Journal, type: string): JournalRecord[] => j.records.filter((r) => r.type === type)
const barTimes = (j: Journal): number[] => recordsOf(j, 'bar').map((r) => (r.data as {ts: number}).ts)
const creates = (v: ControlledVenue): number => v.stats().byEndpoint['POST /v5/order/create'] ?? 0

/** Every orderId in the venue traffic of a journal (answers and frames). */
function orderIdsIn(j: Journal): Set<string> {
  const out = new Set<string>()
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'orderId' && typeof x === 'string' && x) out.add(x)
        else walk(x)
      }
    }
  }
  for (const r of j.records) if (r.type === 'venue_response' || r.type === 'venue_frame') walk(r.data)
  return out
}

/** Emulator stats summed over the accounts. */
function totals(rig: Rig): {requests: number; violations: number} {
  let requests = 0
  let violations = 0
  for (const id of IDS) {
    const s = rig.venues[id].stats()
    requests += s.requests
    violations += s.rateLimitViolations
  }
  return {requests, violations}
}

/** The polls A's and B's grids sent on bar POLL_BAR. */
function polls(rig: Rig): Promise<unknown>[] {
  return [...(rig.grids.A as PollingGrid).polls, ...(rig.grids.B as PollingGrid).polls]
}

/** The account's leg sizes at its venue, from the venue's own executions. */
function venueLegs(v: ControlledVenue): {long: number; short: number} {
  const legs = {long: 0, short: 0}
  for (const f of v.exchange.executions) {
    if (f.symbol !== SYMBOL || (f.positionSide !== 'long' && f.positionSide !== 'short')) continue
    const opening = (f.positionSide === 'long') === (f.side === 'buy')
    legs[f.positionSide] += opening ? f.qty : -f.qty
  }
  return legs
}

/** The venue's legs, the engine view's and the grid's agree (nothing in flight). */
function settled(rig: Rig, g: MultiAccountHandle, id: Id): boolean {
  const view = g.sessions.get(id)!.wiring.view
  const venue = venueLegs(rig.venues[id])
  return (['long', 'short'] as const).every((side) => {
    const near = (x: number) => Math.abs(x - venue[side]) < 1e-9
    return near(view.position(SYMBOL, side)) && near(rig.grids[id].legOf(SYMBOL, side)?.size ?? 0)
  })
}

const BAR_WALL_MS = BAR_MS / SPEED

// Wall-clock paced over loopback: on a saturated machine a request can land a second late and break the tuned IP
// window. Such a run is retried (at most twice); a real overrun or a real cross-talk fails every attempt.
describe('GRID-09 live: several Bybit accounts in one process, through bybit-api and the emulator', {retry: 2}, () => {
  it('one public subscription serves every account; orders, positions, journals, errors and request budgets stay per account', async () => {
    const {rig, group, done} = await startGroup()
    const g = (await group) as MultiAccountHandle
    const {venues, journals, resilience, tally} = rig

    // Warm-up: A and B hold both legs; C's strategy has thrown on its 4th bar.
    await until(() => venueLegs(venues.A).long > 0 && venueLegs(venues.B).short > 0 && g.isHalted('C'), 'warm-up')
    const haltedAt = g.errorsOf('C')[0].ts

    // A fault on account A: its position query answers retCode 10016 six times.
    const before = {bCreates: creates(venues.B), bFills: venues.B.exchange.executions.length, bBars: barTimes(journals.B).length}
    venues.A.armFault({kind: 'server_error', endpoint: 'GET /v5/position/list', times: 6})
    await until(() => venues.A.stats().faultsFired.server_error === 6 && resilience.A.breaker.at(-1)?.state === 'closed', "A's fault spent and its circuit closed again", 20_000, () => ({
      fired: venues.A.stats().faultsFired, breaker: resilience.A.breaker, retries: resilience.A.retries.length, positionList: venues.A.stats().byEndpoint['GET /v5/position/list'],
      halted: g.isHalted('A'), bars: barTimes(journals.A).length,
      connections: recordsOf(journals.A, 'venue_connection').map((r) => r.data),
      refusedForRate: recordsOf(journals.A, 'venue_response').filter((r) => JSON.stringify(r.data).includes('RateLimitWaitTooLongError')).length,
    }))
    const during = {bCreates: creates(venues.B) - before.bCreates, bFills: venues.B.exchange.executions.length - before.bFills, bBars: barTimes(journals.B).length - before.bBars}

    // A stream drop on account B: its private socket is cut; the SDK reconnects, the adapter reconciles.
    venues.B.disconnectStreams()
    const kinds = (id: Id, stream: string) => recordsOf(journals[id], 'venue_connection').map((r) => r.data as ConnectionEvent).filter((e) => e.stream === stream).map((e) => e.kind)
    await until(() => kinds('B', 'private').includes('reconnected'), 'B reconnected')

    // On bar 10 A and B each polled their open orders 45 times at once: 90 requests against an IP limit of 60 / s.
    await until(() => polls(rig).length === 2 * QUERY_BURST, 'the polls of bar 10')
    const polled = await Promise.allSettled(polls(rig))

    // Trading goes on; then everything settles and the group stops.
    const barsNow = barTimes(journals.A).length
    await until(() => barTimes(journals.A).length >= barsNow + 3, 'three more bars')
    await until(() => settled(rig, g, 'A') && settled(rig, g, 'B'), 'views and grids equal to the venues', 10_000)
    rig.driver.inbound(() => g.stop('test over'))
    const run = (await done)!
    expect(rig.driver.error).toBeUndefined()

    // ---- public data: one socket, one subscription, every account saw the same bars through it
    expect(tally.sockets.filter((s) => s.path === '/v5/public/linear')).toEqual([{account: 'A', path: '/v5/public/linear'}])
    expect(tally.subscribes.filter((s) => s.path === '/v5/public/linear')).toEqual([{account: 'A', path: '/v5/public/linear', topics: [`kline.1.${SYMBOL}`]}])
    const bars = barTimes(journals.A)
    expect(bars.length).toBeGreaterThanOrEqual(POLL_BAR + 3)
    expect(barTimes(journals.B)).toEqual(bars)
    expect(barTimes(journals.C)).toEqual(bars)
    // Each journal holds the public frames it acted on (so it is complete on its own).
    const publicFrames = (id: Id) => recordsOf(journals[id], 'venue_frame').filter((r) => (r.data as {stream: string}).stream === 'public.linear').length
    expect(publicFrames('A')).toBeGreaterThanOrEqual(bars.length)
    expect(publicFrames('B')).toBe(publicFrames('A'))

    // ---- state: each account's orders, executions and positions are its own
    for (const id of IDS) {
      const ids = [...orderIdsIn(journals[id])]
      expect(ids.length).toBeGreaterThan(0)
      expect(ids.filter((o) => !o.startsWith(`B${id}-`))).toEqual([])
      const intents = new Set(recordsOf(journals[id], 'intent').map((r) => (r.data as {request: {clientOrderId: string}}).request.clientOrderId))
      const atVenue = new Set(venues[id].exchange.orderSnapshots().map((o) => o.clientOrderId))
      expect([...atVenue].filter((c) => !intents.has(c))).toEqual([])
    }
    // (Positions: the wait above saw each account's venue legs, engine view and grid legs equal before the stop.)
    for (const id of ['A', 'B'] as const) {
      expect(g.sessions.get(id)!.wiring.view.orders.violations).toEqual([])
      expect(venues[id].exchange.executions.length).toBeGreaterThan(5)
    }
    // B trades half of A's size: its first opening order is half of A's (within one lot of 0.001).
    const firstQty = (id: Id) => (recordsOf(journals[id], 'intent')[0].data as {request: {qty: number}}).request.qty
    expect(firstQty('B')).toBeLessThan(firstQty('A'))
    expect(Math.abs(firstQty('B') - firstQty('A') / 2)).toBeLessThanOrEqual(0.001 + 1e-9)

    // ---- errors: C's throw halted C only
    const c = run.accounts.find((a) => a.id === 'C')!
    expect(c.halted).toBe(true)
    expect(c.errors).toEqual([expect.objectContaining({where: 'onBar', message: 'bug in account C'})])
    expect(recordsOf(journals.C, 'account_halted')).toHaveLength(1)
    for (const id of ['A', 'B'] as const) {
      const a = run.accounts.find((x) => x.id === id)!
      expect(a.halted).toBe(false)
      expect(a.errors).toEqual([])
      expect(barTimes(journals[id]).filter((t) => t + BAR_MS > haltedAt).length).toBeGreaterThanOrEqual(POLL_BAR + 3 - 4)
    }
    // A's request fault: retried and its circuit opened in A's layer only; B kept trading meanwhile.
    expect(resilience.A.retries.length).toBeGreaterThanOrEqual(3)
    expect(new Set(resilience.A.retries.map((r) => r.endpoint))).toEqual(new Set(['GET /v5/position/list']))
    expect(resilience.A.breaker.map((b) => b.state)).toContain('open')
    expect(new Set(resilience.A.breaker.map((b) => b.endpoint))).toEqual(new Set(['GET /v5/position/list']))
    for (const id of ['B', 'C', 'public'] as const) {
      expect(resilience[id].retries).toEqual([])
      expect(resilience[id].breaker).toEqual([])
    }
    expect(venues.B.stats().faultsFired).toEqual({rate_limit: 0, drop_response: 0, server_error: 0, delay: 0})
    expect(during.bBars).toBeGreaterThan(2)
    expect(during.bCreates + during.bFills).toBeGreaterThan(0)
    // B's stream drop: B reconnected (a second private socket on B's venue); A's and C's streams never dropped.
    expect(kinds('B', 'private')).toEqual(['connected', 'disconnected', 'reconnected'])
    for (const id of ['A', 'C'] as const) expect(kinds(id, 'private')).toEqual(['connected'])
    expect(tally.sockets.filter((s) => s.path === '/v5/private').map((s) => s.account).sort()).toEqual(['A', 'B', 'B', 'C'])

    // ---- rate limits: one IP budget for every account; the emulators counted no violation
    expect(polled.every((p) => p.status === 'fulfilled')).toBe(true)
    for (const id of ['A', 'B'] as const) expect(venues[id].stats().byEndpoint['GET /v5/order/realtime']).toBeGreaterThanOrEqual(QUERY_BURST)
    expect(totals(rig).violations).toBe(0)
    expect(peak(tally.arrivals.map((a) => a.t), IP_WINDOW_MS)).toBeLessThanOrEqual(IP_LIMIT)
    // Each account's journal is complete on its own: replayed alone, it reproduces the account's session exactly.
    for (const id of ['A', 'B'] as const) {
      const replay = await replayLiveJournal({records: journals[id].records, source: `account ${id}`, makeVenue: await venueFactory('bybit'), strategy: () => makeGrid(id)})
      expect(replay.divergences).toEqual([])
      expect(replay.ok).toBe(true)
      expect(replay.bars).toBe(bars.length)
    }

    // No key or secret of any account in any journal.
    const written = IDS.map((id) => JSON.stringify(journals[id].records)).join('\n')
    for (const id of IDS) {
      expect(written.includes(CREDS[id].key)).toBe(false)
      expect(written.includes(CREDS[id].secret)).toBe(false)
    }
  }, 90_000)

  it('bites: per-IP budgets kept per account overrun the venue\'s IP limit (violations counted by the emulator)', async () => {
    const {rig, group, done} = await startGroup({naive: 'budgets'})
    const g = (await group) as MultiAccountHandle
    await until(() => venueLegs(rig.venues.A).long > 0 && venueLegs(rig.venues.B).short > 0, 'warm-up')
    await until(() => polls(rig).length === 2 * QUERY_BURST, 'the polls of bar 10')
    const polled = await Promise.allSettled(polls(rig))
    rig.driver.inbound(() => g.stop('test over'))
    await done
    // The assertions the shared budget passes fail here. Each account spends the whole IP limit by itself: three
    // accounts starting at once already overrun it (HTTP 403, which bans the account's requests), then the polls.
    expect(totals(rig).violations).toBeGreaterThan(0)
    expect(peak(rig.tally.arrivals.map((a) => a.t), IP_WINDOW_MS)).toBeGreaterThan(IP_LIMIT)
    expect(polled.some((p) => p.status === 'rejected')).toBe(true)
  }, 60_000)

  it('a key the venue refuses stops that account at start-up; the others trade; one account can be stopped alone', async () => {
    const {rig, group, done} = await startGroup({wrongSecret: 'C'})
    const g = (await group) as MultiAccountHandle
    expect([...g.sessions.keys()].sort()).toEqual(['A', 'B'])
    await until(() => venueLegs(rig.venues.A).long > 0 && venueLegs(rig.venues.B).long > 0 && barTimes(rig.journals.A).length >= 4, 'A and B trading')
    // B alone is stopped; A goes on on the same loop.
    rig.driver.inbound(() => g.stopAccount('B', 'B retired'))
    await until(() => recordsOf(rig.journals.B, 'session_end').length === 1, "B's session end")
    const aBars = barTimes(rig.journals.A).length
    await until(() => barTimes(rig.journals.A).length >= aBars + 2, 'two more bars for A')
    rig.driver.inbound(() => g.stop('test over'))
    const run = (await done)!
    expect(run.accounts.find((a) => a.id === 'B')!.run!.stopReason).toBe('B retired')
    expect(run.accounts.find((a) => a.id === 'A')!.run!.stopReason).toBe('test over')
    const c = run.accounts.find((a) => a.id === 'C')!
    expect(c.run).toBeUndefined()
    expect(c.startError).toBeInstanceOf(AuthenticationError)
    expect(g.errorsOf('C')).toEqual([expect.objectContaining({where: 'start-up'})])
    expect(String((c.startError as Error).message)).not.toContain(CREDS.C.key)
    for (const id of ['A', 'B'] as const) expect(run.accounts.find((a) => a.id === id)!.run!.bars).toBeGreaterThanOrEqual(4)
    expect(rig.venues.C.exchange.orderSnapshots()).toEqual([])
  }, 60_000)

  it('bites: unguarded sessions on one loop: C\'s throw stops the driver, A and B get no more bars', async () => {
    const {rig, group} = await startGroup({naive: 'unguarded'})
    await group
    await until(() => rig.driver.error !== undefined, "C's throw")
    const seen = barTimes(rig.journals.A).length
    await new Promise((r) => setTimeout(r, 6 * BAR_WALL_MS))
    expect((rig.driver.error as Error).message).toBe('bug in account C')
    // The guarded group gave A and B at least nine bars after C failed; here they get none.
    expect(barTimes(rig.journals.A).length).toBe(seen)
    expect(barTimes(rig.journals.B).length).toBe(barTimes(rig.journals.A).length)
  }, 60_000)
})
