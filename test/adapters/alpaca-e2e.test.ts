/**
 * The Alpaca adapter end to end: the real `@alpacahq/alpaca-trade-api` client (through createAlpacaSdkTransport)
 * against the exchange emulator over loopback, venue time driven by the test. Each case that guards against a
 * known failure also runs a deliberately naive variant of the adapter and shows that it fails the same check.
 */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {AlpacaAdapter, type AdapterDeps} from '../../src/adapters/alpaca/alpaca-adapter.js'
import {createAlpacaSdkTransport} from '../../src/adapters/alpaca/sdk-transport.js'
import {AuthenticationError, RateLimitError, RequestTimeoutError, type BrokerError} from '../../src/broker/errors.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import {OrderTracker} from '../../src/broker/order-tracker.js'
import type {SubmitReceipt} from '../../src/broker/port.js'
import {ALPACA_POLICY, resilientTransport, type ResilienceTime, type VenuePolicy, wallTime} from '../../src/broker/resilience/index.js'
import type {BrokerEvent, BrokerEventOf} from '../../src/core/events.js'
import type {OrderRequest} from '../../src/core/order.js'
import {alpacaProtocolWith, createAlpacaProtocol} from '../../src/emulator/alpaca/index.js'
import type {ProtocolFactory} from '../../src/emulator/venue-api.js'
import {RIG_KEY, RIG_SECRET, type Rig, startRig, wait} from './alpaca-rig.js'

// ---------------------------------------------------------------- what the tests produce (grepped at the end)

const produced: string[] = []

function keep(label: string, value: unknown): void {
  produced.push(`${label}\t${JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? {...v, name: v.name, message: v.message, stack: v.stack} : v))}`)
}

function keepRig(rig: Rig): void {
  keep('events', rig.events)
  keep('frames', rig.frames)
  keep('connections', rig.connections)
  keep('decodeErrors', rig.decodeErrors)
  keep('errors', rig.errors.map((e) => ({where: e.where, error: e.error})))
  keep('traffic', rig.traffic)
  keep('stats', rig.venue.stats())
}

async function rejection(p: Promise<unknown>): Promise<BrokerError> {
  try {
    await p
  } catch (err) {
    keep('rejection', err)
    return err as BrokerError
  }
  throw new Error('expected a rejection')
}

// ---------------------------------------------------------------- helpers

const executions = (events: BrokerEvent[], cid: string) => events.filter((e): e is BrokerEventOf<'execution'> => e.kind === 'execution' && e.fill.clientOrderId === cid)
const orderEvents = (events: BrokerEvent[], cid: string) => events.filter((e): e is BrokerEventOf<'order'> => e.kind === 'order' && e.order.clientOrderId === cid)
const lastStatus = (events: BrokerEvent[], cid: string) => orderEvents(events, cid).at(-1)?.order.status

function limit(cid: string, price: number, qty: number, side: 'buy' | 'sell' = 'buy'): OrderRequest {
  return {clientOrderId: cid, symbol: 'AAPL', side, type: 'limit', qty, limitPrice: price, tif: 'gtc'}
}

/** The engine's order tracker fed with the adapter's events: the general invariants of every case. */
function tracker(rig: Rig): {t: OrderTracker; submit(req: OrderRequest): Promise<SubmitReceipt>} {
  const t = new OrderTracker()
  rig.adapter.subscribe((e) => {
    if (e.kind === 'order') t.applySnapshot(e.order, e.ts)
    else if (e.kind === 'execution') t.applyFill(e.fill, e.ts)
  })
  return {
    t,
    async submit(req) {
      t.track(req, rig.venue.now())
      t.markSubmitted(req.clientOrderId, rig.venue.now())
      const r = await rig.settle(rig.adapter.submitOrder(req), `submit ${req.clientOrderId}`)
      t.markAccepted(req.clientOrderId, r.venueOrderId, rig.venue.now())
      return r
    },
  }
}

/** A protocol whose websockets can be refused for a while: a stream outage that lasts until the test ends it. */
function gated(factory: ProtocolFactory = createAlpacaProtocol): {factory: ProtocolFactory; gate: {open: boolean}} {
  const gate = {open: true}
  return {
    gate,
    factory: (venue) => {
      const p = factory(venue)
      return {
        handleHttp: (req, body, res) => p.handleHttp(req, body, res),
        handleSocket: (ws, wsPath) => (gate.open ? p.handleSocket(ws, wsPath) : ws.terminate()),
      }
    },
  }
}

/** No reconcile after a reconnect: trusts the stream again at once. */
class NoReconcileAdapter extends AlpacaAdapter {
  protected override async reconcile(): Promise<void> {}
}

/** No deduplication by execution id: every report of a fill is applied. */
class NoDedupeAdapter extends AlpacaAdapter {
  protected override firstSight(): boolean {
    return true
  }
}

/** The old bot's answer to a timeout: send the order again, under a new id. */
class ResendOnTimeoutAdapter extends AlpacaAdapter {
  protected override resolveSubmit(req: OrderRequest): Promise<SubmitReceipt> {
    return this.submitOrder({...req, clientOrderId: `${req.clientOrderId}-again`})
  }
}

const make = (C: new (deps: AdapterDeps) => AlpacaAdapter) => (deps: AdapterDeps) => new C(deps)

// ---------------------------------------------------------------- cases

describe('Alpaca adapter end to end (SDK client ↔ emulator over loopback)', () => {
  it('place, amend (Alpaca replaces the order), partial fill, cancel: one engine order, the venue chain behind it, tracker clean', async () => {
    const rig = await startRig()
    try {
      const {t, submit} = tracker(rig)
      await rig.bar(100)
      const cid = 'e2e-amend-1'
      const first = await submit(limit(cid, 90, 10))
      await rig.until(() => lastStatus(rig.events, cid) === 'accepted', 'ack')
      await rig.settle(rig.adapter.amendOrder({clientOrderId: cid}, {limitPrice: 95}), 'amend')
      await rig.until(() => orderEvents(rig.events, cid).some((e) => e.order.limitPrice === 95), 'amended order event')

      // On the venue: the first order ended `replaced`, a new one (new id, client id `<cid>.r1`) replaces it.
      const amended = await rig.settle(rig.adapter.getOrder({clientOrderId: cid}), 'getOrder')
      expect(amended).toMatchObject({clientOrderId: cid, limitPrice: 95, status: 'accepted'})
      expect(amended!.venueOrderId).not.toBe(first.venueOrderId)
      const old = rig.frames.map((f) => f.data as {data?: {event?: string; order?: {id?: string; status?: string; replaced_by?: string}}}).find((d) => d.data?.event === 'replaced')
      expect(old?.data?.order).toMatchObject({id: first.venueOrderId, status: 'replaced', replaced_by: amended!.venueOrderId})
      const byVenue = await rig.settle(rig.adapter.getOrder({venueOrderId: first.venueOrderId}), 'getOrder old id')
      expect(byVenue?.venueOrderId).toBe(amended!.venueOrderId)
      // The engine never sees the replaced order end: no canceled event under its id.
      expect(orderEvents(rig.events, cid).map((e) => e.order.status)).not.toContain('canceled')

      // Partial fill at the new price, then cancel: the filled part stays.
      await rig.bar(95, 40)
      await rig.until(() => lastStatus(rig.events, cid) === 'partially_filled', 'partial fill')
      expect(executions(rig.events, cid).map((e) => [e.fill.qty, e.fill.price])).toEqual([[4, 95]])
      await rig.settle(rig.adapter.cancelOrder({clientOrderId: cid}), 'cancel')
      await rig.until(() => lastStatus(rig.events, cid) === 'canceled', 'canceled')
      expect(await rig.settle(rig.adapter.getOrder({clientOrderId: cid}))).toMatchObject({status: 'canceled', filledQty: 4, qty: 10, avgFillPrice: 95})
      expect(t.violations).toEqual([])
      expect(t.get(cid)).toMatchObject({status: 'canceled', filledQty: 4})
      // Positions came with the fill (REST after the execution), and equal the venue's.
      await rig.until(() => rig.events.some((e) => e.kind === 'position' && e.position.qty === 4), 'position event')
      expect((await rig.settle(rig.adapter.positions())).map((p) => [p.symbol, p.qty, p.avgPrice])).toEqual([['AAPL', 4, 95]])
      expect(rig.decodeErrors).toEqual([])
    } finally {
      keepRig(rig)
      await rig.close()
    }
  })

  it('partial fills over several bars: each execution once, cumulative equals the venue, activities agree with the stream', async () => {
    const rig = await startRig()
    try {
      const {t, submit} = tracker(rig)
      await rig.bar(100)
      const cid = 'e2e-partial-1'
      const r = await submit(limit(cid, 99, 10))
      for (let i = 0; i < 3; i++) await rig.bar(99, 30)
      await rig.until(() => executions(rig.events, cid).length === 3, 'three partial fills')
      await rig.bar(99, 1e6)
      await rig.until(() => lastStatus(rig.events, cid) === 'filled', 'filled')
      const streamed = executions(rig.events, cid).map((e) => e.fill)
      expect(streamed.map((f) => f.qty)).toEqual([3, 3, 3, 1])
      expect(new Set(streamed.map((f) => f.execId)).size).toBe(4)
      const polled = await rig.settle(rig.adapter.executionsSince(r.ts), 'executionsSince')
      expect(polled.map((f) => f.execId)).toEqual(streamed.map((f) => f.execId))
      expect(polled.every((f) => f.clientOrderId === cid && f.venueOrderId === r.venueOrderId)).toBe(true)
      const venueFills = rig.venue.exchange.executions.filter((f) => f.clientOrderId === cid)
      expect(venueFills.map((f) => f.qty)).toEqual(streamed.map((f) => f.qty))
      expect(t.violations).toEqual([])
      expect(t.get(cid)).toMatchObject({status: 'filled', filledQty: 10, execQty: 10})
    } finally {
      keepRig(rig)
      await rig.close()
    }
  })

  /** A resting order fills while the trade_updates stream is down; the stream comes back afterwards. */
  async function outage(build?: (deps: AdapterDeps) => AlpacaAdapter) {
    const {factory, gate} = gated()
    const rig = await startRig({protocol: factory, ...(build ? {adapter: build} : {})})
    const cid = 'e2e-gap-1'
    try {
      await rig.bar(100)
      await rig.settle(rig.adapter.submitOrder(limit(cid, 95, 3)))
      await rig.until(() => lastStatus(rig.events, cid) === 'accepted', 'ack')
      gate.open = false
      rig.venue.disconnectStreams()
      await rig.until(() => rig.connections.some((c) => c.stream === 'trade_updates' && c.kind === 'disconnected'), 'drop seen')
      await rig.bar(95)
      await rig.advance(300)
      const duringGap = executions(rig.events, cid).length
      gate.open = true
      await rig.until(() => rig.connections.some((c) => c.stream === 'trade_updates' && c.kind === 'reconnected'), 'reconnect')
      await rig.until(() => rig.events.filter((e) => e.kind === 'connection' && e.status === 'connected').length > 0 || build !== undefined, 'trusted again')
      await rig.advance(500)
      const fillFrames = rig.frames.filter((f) => (f.data as {data?: {event?: string}}).data?.event === 'fill').length
      return {rig, cid, duringGap, after: executions(rig.events, cid), status: lastStatus(rig.events, cid), fillFrames}
    } catch (err) {
      keepRig(rig)
      await rig.close()
      throw err
    }
  }

  it('a fill during a stream outage is found by the REST reconcile after the reconnect, once (naive: never)', async () => {
    const ok = await outage()
    try {
      expect(ok.duringGap).toBe(0)
      expect(ok.fillFrames).toBe(0) // the stream never carried it: the reconcile found it
      expect(ok.after.map((e) => [e.fill.qty, e.fill.price])).toEqual([[3, 95]])
      expect(ok.status).toBe('filled')
      const kinds = ok.rig.events.map((e) => (e.kind === 'connection' ? `connection:${e.status}` : e.kind))
      // Disconnected, then what was missed, then trusted again.
      expect(kinds.indexOf('connection:disconnected')).toBeLessThan(kinds.indexOf('execution'))
      expect(kinds.lastIndexOf('execution')).toBeLessThan(kinds.lastIndexOf('connection:connected'))
      expect(ok.rig.traffic.some((t) => t.req.endpoint === 'GET /v2/account/activities/{activity_type}')).toBe(true)
    } finally {
      keepRig(ok.rig)
      await ok.rig.close()
    }
    const naive = await outage(make(NoReconcileAdapter))
    try {
      expect(naive.after).toHaveLength(0) // the naive adapter never learns of the fill
      expect(naive.status).toBe('accepted')
    } finally {
      keepRig(naive.rig)
      await naive.rig.close()
    }
  })

  /** A fill reported on the stream just before a drop; the reconcile after the reconnect reads it again. */
  async function fillThenDrop(build?: (deps: AdapterDeps) => AlpacaAdapter) {
    const rig = await startRig(build ? {adapter: build} : {})
    const cid = 'e2e-dup-1'
    await rig.bar(100)
    await rig.settle(rig.adapter.submitOrder({clientOrderId: cid, symbol: 'AAPL', side: 'buy', type: 'market', qty: 2, tif: 'gtc'}))
    await rig.bar(100)
    await rig.until(() => executions(rig.events, cid).length > 0, 'fill on the stream')
    const before = rig.traffic.length
    rig.venue.disconnectStreams()
    await rig.until(() => rig.connections.some((c) => c.kind === 'reconnected'), 'reconnect')
    await rig.until(() => rig.traffic.slice(before).some((t) => t.req.endpoint === 'GET /v2/account/activities/{activity_type}' && t.res), 'reconcile read the fills')
    await rig.advance(500)
    return {rig, cid}
  }

  it('a fill seen on the stream and again by the reconcile is applied once (naive: twice)', async () => {
    const ok = await fillThenDrop()
    try {
      expect(executions(ok.rig.events, ok.cid)).toHaveLength(1)
    } finally {
      keepRig(ok.rig)
      await ok.rig.close()
    }
    const naive = await fillThenDrop(make(NoDedupeAdapter))
    try {
      expect(executions(naive.rig.events, naive.cid)).toHaveLength(2)
    } finally {
      keepRig(naive.rig)
      await naive.rig.close()
    }
  })

  async function unknownOutcome(build?: (deps: AdapterDeps) => AlpacaAdapter) {
    const rig = await startRig(build ? {adapter: build} : {})
    await rig.bar(100)
    rig.venue.armFault({kind: 'drop_response', endpoint: 'POST /v2/orders'})
    const req = limit('e2e-unknown-1', 90, 2)
    const receipt = await rig.settle(rig.adapter.submitOrder(req), 'submit with the answer dropped')
    await rig.advance(200)
    const venueOrders = rig.venue.exchange.orderSnapshots()
    return {rig, req, receipt, venueOrders}
  }

  it('unknown outcome (answer dropped): resolved by the client-order-id query, exactly one venue order (naive resend: two)', async () => {
    const ok = await unknownOutcome()
    try {
      expect(ok.venueOrders).toHaveLength(1)
      expect(ok.venueOrders[0]).toMatchObject({clientOrderId: ok.req.clientOrderId, limitPrice: 90, qty: 2})
      expect(ok.receipt.clientOrderId).toBe(ok.req.clientOrderId)
      const sent = ok.rig.traffic.filter((t) => t.req.endpoint !== 'GET /v2/account')
      expect(sent.map((t) => t.req.endpoint).slice(0, 2)).toEqual(['POST /v2/orders', 'GET /v2/orders:by_client_order_id'])
      expect(sent[0].error).toBeInstanceOf(RequestTimeoutError)
      expect(sent.filter((t) => t.req.endpoint === 'POST /v2/orders')).toHaveLength(1)
      const byId = await ok.rig.settle(ok.rig.adapter.getOrder({clientOrderId: ok.req.clientOrderId}))
      expect(byId?.venueOrderId).toBe(ok.receipt.venueOrderId)
    } finally {
      keepRig(ok.rig)
      await ok.rig.close()
    }
    const naive = await unknownOutcome(make(ResendOnTimeoutAdapter))
    try {
      expect(naive.venueOrders).toHaveLength(2) // one intent, two orders on the venue
    } finally {
      keepRig(naive.rig)
      await naive.rig.close()
    }
  })

  it('HTTP 429: the adapter reports RateLimitError with the venue reset; through the resilience layer the call succeeds, 0 violations', async () => {
    const rig = await startRig()
    try {
      rig.venue.armFault({kind: 'rate_limit', endpoint: 'GET /v2/account'})
      const err = await rejection(rig.settle(rig.adapter.account()))
      expect(err).toBeInstanceOf(RateLimitError)
      const answer = rig.traffic.at(-1)!.res!
      expect(answer.status).toBe(429)
      expect((err as RateLimitError).resetAt).toBe(Number(answer.headers['x-ratelimit-reset']) * 1000)
      expect(err.retryable).toBe(true)
    } finally {
      keepRig(rig)
      await rig.close()
    }
    // Through the resilience layer, on a virtual clock so the waits for the venue's reset take no real time.
    let offset = 0
    const waits: number[] = []
    const time: ResilienceTime = {now: () => Date.now() + offset, sleep: async (ms) => void ((offset += ms), waits.push(ms))}
    const layered = await startRig({wrap: (t) => resilientTransport(t, ALPACA_POLICY, {}, {time})})
    try {
      layered.venue.armFault({kind: 'rate_limit', endpoint: 'GET /v2/account', times: 3})
      const a = await layered.settle(layered.adapter.account(), 'account through 3 refusals')
      expect(a.cash).toBe(100_000)
      const s = layered.venue.stats()
      expect(s.injectedRateLimits).toBe(3)
      expect(s.rateLimitViolations).toBe(0)
      expect(waits.length).toBeGreaterThanOrEqual(3)
    } finally {
      keepRig(layered)
      await layered.close()
    }
  })

  it('a burst over the venue budget: 0 violations through the resilience layer (naive: the venue counts violations)', async () => {
    const budget = {id: 'account', limit: 10, windowMs: 500, marginMs: 100}
    const policy: VenuePolicy = {...ALPACA_POLICY, endpoint: (e) => ({...ALPACA_POLICY.endpoint(e), budgets: [budget], headerBudget: budget})}
    const protocol = alpacaProtocolWith({rateLimit: {limit: 10, windowMs: 500}})
    const naive = await startRig({protocol})
    try {
      const answers = await Promise.all(Array.from({length: 25}, () => naive.transport.request({endpoint: 'GET /v2/clock', params: {}})))
      expect(answers.filter((a) => a.status === 429).length).toBeGreaterThan(0)
      expect(naive.venue.stats().rateLimitViolations).toBeGreaterThan(0)
    } finally {
      keepRig(naive)
      await naive.close()
    }
    const rig = await startRig({protocol, wrap: (t) => resilientTransport(t, policy, {}, {time: wallTime})})
    try {
      await wait(budget.windowMs + budget.marginMs) // the connect's requests leave the window
      const started = Date.now()
      const times = await Promise.all(Array.from({length: 25}, () => rig.adapter.venueTime()))
      expect(times).toHaveLength(25)
      expect(rig.venue.stats().rateLimitViolations).toBe(0)
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      keepRig(rig)
      await rig.close()
    }
  })

  it('ALP-14: a wrong secret is one AuthenticationError line without the secret, and nothing else is sent', async () => {
    const wrong = 'wrongSecretForTheTest00000000000000000000'
    const rig = await startRig({credentials: {key: RIG_KEY, secret: wrong}, noConnect: true})
    try {
      const err = await rejection(rig.settle(rig.adapter.connect(), 'connect'))
      expect(err).toBeInstanceOf(AuthenticationError)
      expect(err.message).not.toMatch(/\n/)
      for (const s of [wrong, RIG_SECRET, RIG_KEY]) expect(err.message).not.toContain(s)
      expect(err.message).toMatch(/^alpaca: HTTP 401.*check APCA key id and secret$/)
      const s = rig.venue.stats()
      expect(s.byEndpoint).toEqual({'GET /v2/account': 1})
      expect(s.wsConnections).toBe(0)
    } finally {
      keepRig(rig)
      await rig.close()
    }
    // The stream refuses the same way (the REST check normally catches it first).
    const ok = await startRig({noConnect: true})
    const bad = await createAlpacaSdkTransport({credentials: {key: RIG_KEY, secret: wrong}, baseUrl: ok.server.url, wsUrl: ok.server.wsUrl, requestTimeoutMs: 5_000})
    try {
      const err = await rejection(bad.subscribe({stream: 'trade_updates', topics: ['trade_updates']}))
      expect(err).toBeInstanceOf(AuthenticationError)
      expect(err.message).not.toContain(wrong)
    } finally {
      await bad.close()
      keepRig(ok)
      await ok.close()
    }
  })

  it('bars arrive from the MessagePack market-data stream; bars missed during a data-stream outage come from REST, once each', async () => {
    const {factory, gate} = gated()
    const rig = await startRig({protocol: factory})
    try {
      const got: FeedBar[] = []
      await rig.settle(rig.adapter.subscribeBars(['AAPL'], 60_000, (b) => got.push(b)), 'subscribe bars')
      const base = Math.ceil(rig.venue.now() / 60_000) * 60_000
      const minute = (i: number, c: number): FeedBar => ({symbol: 'AAPL', ts: base + i * 60_000, tfMs: 60_000, open: c - 1, high: c + 1, low: c - 2, close: c, volume: 1000 + i})
      await rig.venue.pushBar(minute(0, 100))
      await rig.until(() => got.length === 1, 'first bar')
      expect(got[0]).toMatchObject({symbol: 'AAPL', tfMs: 60_000, open: 99, high: 101, low: 98, close: 100, volume: 1000})
      const frame = rig.frames.find((f) => f.stream === 'bars' && Array.isArray(f.data) && (f.data as {T?: string}[])[0]?.T === 'b')
      expect((frame!.data as {t: string}[])[0].t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000000000Z$/) // MessagePack timestamp, every digit
      gate.open = false
      rig.venue.disconnectStreams()
      await rig.until(() => rig.connections.some((c) => c.stream === 'bars' && c.kind === 'disconnected'), 'data stream down')
      await rig.venue.pushBar(minute(1, 101))
      await rig.venue.pushBar(minute(2, 102))
      await rig.advance(100)
      expect(got).toHaveLength(1)
      gate.open = true
      await rig.until(() => got.length === 3, 'missed bars from REST')
      await rig.venue.pushBar(minute(3, 103))
      await rig.until(() => got.length === 4, 'live again')
      await rig.advance(300)
      expect(got.map((b) => b.close)).toEqual([100, 101, 102, 103])
      expect(got.map((b) => b.ts)).toEqual([...got.map((b) => b.ts)].sort((a, b) => a - b))
      expect(rig.traffic.some((t) => t.req.endpoint === 'GET /v2/stocks/bars')).toBe(true)
    } finally {
      keepRig(rig)
      await rig.close()
    }
  })

  it('venueTime is the venue clock (GET /v2/clock)', async () => {
    const rig = await startRig()
    try {
      await rig.advance(1_234)
      const before = rig.venue.now()
      const t = await rig.settle(rig.adapter.venueTime())
      // The venue's clock at the moment it answered (2024 in this emulator), not this machine's.
      expect(t).toBeGreaterThanOrEqual(before)
      expect(t).toBeLessThanOrEqual(rig.venue.now())
      expect(Math.abs(t - Date.now())).toBeGreaterThan(86_400_000)
    } finally {
      keepRig(rig)
      await rig.close()
    }
  })

  it('no key or secret in anything the tests produced (events, frames, traffic, errors, stats); the grep bites on a naive request log', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'alpaca-e2e-')), 'produced.jsonl')
    writeFileSync(file, produced.join('\n'))
    const text = readFileSync(file, 'utf8')
    expect(produced.length).toBeGreaterThan(20)
    expect(text).toContain('trade_updates')
    expect(text).not.toContain(RIG_KEY)
    expect(text).not.toContain(RIG_SECRET)
    // A naive log of the SDK's outgoing request (its headers) would leak both: the same grep finds them.
    const rig = await startRig({noConnect: true})
    const naiveLog: string[] = []
    try {
      const sdk = await import('@alpacahq/alpaca-trade-api')
      const api = new sdk.trading.AccountsApi(new sdk.trading.Configuration({keyId: RIG_KEY, secret: RIG_SECRET, basePath: rig.server.url, middleware: [{pre: async (ctx) => void naiveLog.push(JSON.stringify(ctx.init.headers))}]}))
      await rig.settle(api.getAccountRaw())
    } finally {
      await rig.close()
    }
    expect(naiveLog.join('\n')).toContain(RIG_SECRET)
  })
})
