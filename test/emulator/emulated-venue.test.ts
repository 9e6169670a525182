/**
 * The emulator's core: the real simulated exchange on the event loop, driven by hand (manual) or by the wall clock
 * (paced); bars replayed in order and shifted to the venue's origin; rate windows on the wall clock; faults.
 */
import {describe, expect, it} from 'vitest'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {BrokerEvent} from '../../src/core/events.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import {createEmulatedVenue, type ControlledVenue, type EmulatorOptions} from '../../src/emulator/core/emulated-venue.js'
import {EmulatorError} from '../../src/emulator/core/errors.js'
import {endpointMatches} from '../../src/emulator/core/fault-board.js'

const MIN = 60_000
/** Data time: 2024-01-02 14:30 UTC (09:30 New York, Tuesday). */
const DATA_T0 = Date.UTC(2024, 0, 2, 14, 30)
/** Venue origin one week later, same weekday and time of day, so market hours line up. */
const VENUE_T0 = DATA_T0 + 7 * 86_400_000
const credentials = {key: 'EMUKEY', secret: 'EMUSECRET'}

/** n minute bars per symbol, interleaved by time; prices walk down then up so limit orders fill. */
function bars(symbols: string[], n: number): FeedBar[] {
  const out: FeedBar[] = []
  for (let i = 0; i < n; i++) {
    symbols.forEach((symbol, k) => {
      const mid = 100 + k * 50 + (i < n / 2 ? -i : i - n)
      out.push({symbol, ts: DATA_T0 + i * MIN, tfMs: MIN, open: mid, high: mid + 1, low: mid - 1, close: mid + 0.5, volume: 1_000})
    })
  }
  return out
}

function alpaca(extra: Partial<EmulatorOptions> = {}): ControlledVenue {
  return createEmulatedVenue({
    venue: 'alpaca',
    credentials,
    instruments: [defaultInstrument('QQQ', 'us_equity', 'alpaca'), defaultInstrument('SPY', 'us_equity', 'alpaca')],
    bars: bars(['QQQ', 'SPY'], 6),
    pacing: {mode: 'manual'},
    venueStart: VENUE_T0,
    ...extra,
  })
}

describe('manual pacing', () => {
  it('replays bars in close order, shifted to the venue origin, each when venue time reaches its end', async () => {
    const venue = alpaca()
    const seen: [string, number, number][] = []
    venue.onBar((b) => seen.push([b.symbol, b.ts, venue.now()]))
    expect(venue.now()).toBe(VENUE_T0)
    await venue.advance(MIN - 1)
    expect(seen).toEqual([])
    await venue.advance(1)
    expect(seen).toEqual([
      ['QQQ', VENUE_T0, VENUE_T0 + MIN],
      ['SPY', VENUE_T0, VENUE_T0 + MIN],
    ])
    await venue.advance(10 * MIN)
    expect(seen.map((s) => s[1] - VENUE_T0)).toEqual([0, 0, MIN, MIN, 2 * MIN, 2 * MIN, 3 * MIN, 3 * MIN, 4 * MIN, 4 * MIN, 5 * MIN, 5 * MIN])
    for (const [, ts, at] of seen) expect(at).toBe(ts + MIN)
    expect(venue.now()).toBe(VENUE_T0 + 11 * MIN)
    expect(venue.stats().bars).toEqual({replayed: 12, total: 12})
  })

  it('replays columnar chunks from the store exactly as the same bars given as objects', async () => {
    const objects = bars(['QQQ', 'SPY'], 6)
    const names = ['QQQ', 'SPY']
    const col = (f: (b: FeedBar) => number, from: number, to: number) => Float64Array.from(objects.slice(from, to), f)
    const chunk = (from: number, to: number) => ({
      length: to - from,
      symbol: Uint16Array.from(objects.slice(from, to), (b) => names.indexOf(b.symbol)),
      ts: col((b) => b.ts, from, to),
      open: col((b) => b.open, from, to),
      high: col((b) => b.high, from, to),
      low: col((b) => b.low, from, to),
      close: col((b) => b.close, from, to),
      volume: col((b) => b.volume, from, to),
    })
    const replay = async (venue: ControlledVenue) => {
      const seen: FeedBar[] = []
      venue.onBar((b) => seen.push(b))
      await venue.advance(10 * MIN)
      return seen
    }
    const fromObjects = await replay(alpaca())
    const fromChunks = await replay(alpaca({bars: {symbols: names, tfMs: MIN, chunks: [chunk(0, 5), chunk(5, 5), chunk(5, 12)]}}))
    expect(fromObjects).toHaveLength(12)
    expect(fromChunks).toEqual(fromObjects)
  })

  it('answers a zero-latency request at once and fills a resting order when a bar trades through it', async () => {
    const venue = alpaca({sim: {participation: 0.1}})
    const events: BrokerEvent[] = []
    venue.broker.subscribe((e) => events.push(e))
    const receipt = await venue.broker.submitOrder({clientOrderId: 'c1', symbol: 'SPY', side: 'buy', type: 'limit', qty: 150, limitPrice: 148, tif: 'gtc'})
    expect(receipt).toMatchObject({clientOrderId: 'c1', ts: VENUE_T0})
    expect(events.map((e) => e.kind)).toEqual(['order'])
    // Bar 0 of SPY: low 149 > 148, no fill. Bar 1: low 148, 10% of 1000 = 100 fills, the rest rests; bar 2 fills the rest.
    await venue.advance(MIN)
    expect(events.filter((e) => e.kind === 'execution')).toHaveLength(0)
    await venue.advance(MIN)
    const fills = () => events.flatMap((e) => (e.kind === 'execution' ? [[e.fill.qty, e.fill.price, e.ts - VENUE_T0]] : []))
    expect(fills()).toEqual([[100, 148, 2 * MIN]])
    await venue.advance(MIN)
    expect(fills()).toEqual([
      [100, 148, 2 * MIN],
      [50, 148, 3 * MIN],
    ])
    const order = await venue.broker.getOrder({clientOrderId: 'c1'})
    expect(order).toMatchObject({status: 'filled', filledQty: 150})
    expect(await venue.broker.positions()).toMatchObject([{symbol: 'SPY', qty: 150}])
  })

  it('holds an answer until venue time reaches it when the simulator has latency', async () => {
    const venue = alpaca({sim: {latencyMs: 40}})
    let answeredAt: number | undefined
    const p = venue.broker.account().then(() => (answeredAt = venue.now()))
    await venue.advance(79)
    expect(answeredAt).toBeUndefined()
    await venue.advance(1)
    await p
    expect(answeredAt).toBe(VENUE_T0 + 80)
  })

  it('runs Bybit in one-way mode by default and hedge mode when asked', async () => {
    const inst = [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')]
    const b = (positionMode?: 'one-way' | 'hedge') => createEmulatedVenue({venue: 'bybit', credentials, instruments: inst, pacing: {mode: 'manual'}, sim: {positionMode}})
    // One-way is Bybit's own default for linear perpetuals; hedge is opt-in.
    expect(b().broker.positionMode).toBe('netting')
    expect(b('hedge').broker.positionMode).toBe('hedge')
    expect(b('one-way').broker.positionMode).toBe('netting')
    const hedge = b('hedge')
    await expect(hedge.broker.submitOrder({clientOrderId: 'x', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.01, limitPrice: 100, tif: 'gtc'})).rejects.toThrow(/BTCUSDT is in hedge mode: orders need positionSide/)
    await expect(hedge.broker.submitOrder({clientOrderId: 'y', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.01, limitPrice: 100, tif: 'gtc', positionSide: 'long'})).resolves.toMatchObject({clientOrderId: 'y'})
  })

  it('pushBar feeds the simulator and the handlers at the bar end', async () => {
    const venue = createEmulatedVenue({venue: 'bybit', credentials, instruments: [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')], pacing: {mode: 'manual'}, venueStart: VENUE_T0})
    const seen: number[] = []
    venue.onBar(() => seen.push(venue.now()))
    await venue.pushBar({symbol: 'BTCUSDT', ts: VENUE_T0 + MIN, tfMs: MIN, open: 100, high: 101, low: 99, close: 100.5, volume: 10})
    expect(seen).toEqual([VENUE_T0 + 2 * MIN])
    expect(venue.exchange.priceOf('BTCUSDT')).toBe(100.5)
    await expect(venue.pushBar({symbol: 'ETHUSDT', ts: VENUE_T0, tfMs: MIN, open: 1, high: 1, low: 1, close: 1, volume: 1})).rejects.toThrow(EmulatorError)
  })

  it('is deterministic: the same inputs give the same events at the same venue times', async () => {
    const script = async (): Promise<string[]> => {
      const venue = alpaca({sim: {latencyMs: 7, participation: 0.05, seed: 42}})
      const log: string[] = []
      venue.broker.subscribe((e) => log.push(`${venue.now() - VENUE_T0} ${e.kind} ${JSON.stringify(e)}`))
      venue.onBar((b) => log.push(`${venue.now() - VENUE_T0} bar ${b.symbol} ${b.ts - VENUE_T0}`))
      const pending = [
        venue.broker.submitOrder({clientOrderId: 'a', symbol: 'QQQ', side: 'buy', type: 'limit', qty: 120, limitPrice: 98, tif: 'gtc'}),
        venue.broker.submitOrder({clientOrderId: 'b', symbol: 'SPY', side: 'buy', type: 'market', qty: 30, tif: 'gtc'}),
      ]
      await venue.advance(3.5 * MIN)
      await Promise.all(pending)
      // With latency, an answer needs venue time to pass: issue both, then advance.
      const amend = venue.broker.amendOrder({clientOrderId: 'a'}, {limitPrice: 99})
      const cancel = venue.broker.cancelOrder({clientOrderId: 'a'})
      await venue.advance(4 * MIN)
      await Promise.all([amend, cancel])
      return log
    }
    const first = await script()
    expect(first.filter((l) => l.includes(' execution ')).length).toBeGreaterThan(1)
    expect(await script()).toEqual(first)
  })
})

describe('paced pacing', () => {
  it('scales venue time by the speed from the moment it starts', async () => {
    let wall = 1_000_000
    const venue = alpaca({pacing: {mode: 'paced', speed: 60}, wallClock: () => wall})
    wall += 5_000
    expect(venue.now()).toBe(VENUE_T0)
    venue.start()
    wall += 500
    expect(venue.now()).toBe(VENUE_T0 + 30_000)
    wall += 1_500
    expect(venue.now()).toBe(VENUE_T0 + 120_000)
    await venue.stop()
  })

  it('replays the bars on the wall clock, in order, none before its end', async () => {
    // 6 one-minute bars per symbol at 1200x: one bar every 50 ms of wall time.
    const venue = alpaca({pacing: {mode: 'paced', speed: 1200}})
    const seen: {symbol: string; ts: number; at: number}[] = []
    venue.onBar((b) => seen.push({symbol: b.symbol, ts: b.ts, at: venue.now()}))
    const wallStart = Date.now()
    venue.start()
    await until(() => seen.length === 12, 5_000)
    const took = Date.now() - wallStart
    expect(took).toBeGreaterThanOrEqual(6 * 50 - 5)
    expect(seen.map((s) => s.ts)).toEqual([...seen.map((s) => s.ts)].sort((a, b) => a - b))
    expect(seen[0].ts).toBe(VENUE_T0)
    for (const s of seen) expect(s.at).toBeGreaterThanOrEqual(s.ts + MIN)
    await expect(venue.advance(1)).rejects.toThrow(/manual emulator/)
    await venue.stop()
  })

  it('answers requests at the paced venue time', async () => {
    const venue = alpaca({pacing: {mode: 'paced', speed: 1000}, sim: {latencyMs: 5_000}})
    venue.start()
    const t0 = venue.now()
    const receipt = await venue.broker.submitOrder({clientOrderId: 'p1', symbol: 'SPY', side: 'buy', type: 'limit', qty: 1, limitPrice: 90, tif: 'gtc'})
    // 5 s of venue latency each way = 10 ms of wall time at 1000x.
    expect(receipt.ts).toBeGreaterThanOrEqual(t0 + 5_000)
    expect(venue.now()).toBeGreaterThanOrEqual(t0 + 10_000)
    await venue.stop()
  })
})

describe('rate windows', () => {
  it('admits up to the limit per sliding window, counts refusals as violations and frees slots as requests age out', () => {
    let wall = 10_000
    const venue = alpaca({wallClock: () => wall})
    const rule = [{bucket: 'account', limit: 3, windowMs: 1_000}]
    const decisions = []
    for (let i = 0; i < 3; i++) {
      decisions.push(venue.checkRate('k1', 'GET /v2/account', rule))
      wall += 100
    }
    expect(decisions.map((d) => [d.allowed, d.remaining, d.resetAt])).toEqual([
      [true, 2, 11_000],
      [true, 1, 11_000],
      [true, 0, 11_000],
    ])
    const refused = venue.checkRate('k1', 'GET /v2/account', rule)
    expect(refused).toEqual({allowed: false, limit: 3, remaining: 0, resetAt: 11_000})
    // Another client has its own window.
    expect(venue.checkRate('k2', 'GET /v2/account', rule).allowed).toBe(true)
    expect(venue.stats().rateLimitViolations).toBe(1)
    // A refused request did not take a slot: the first admission leaving the window frees exactly one.
    wall = 11_000
    expect(venue.checkRate('k1', 'GET /v2/account', rule)).toMatchObject({allowed: true, remaining: 0, resetAt: 11_100})
    expect(venue.checkRate('k1', 'GET /v2/account', rule).allowed).toBe(false)
    expect(venue.stats().rateLimitViolations).toBe(2)
  })

  it('needs every rule to allow, and reports the tightest one', () => {
    let wall = 0
    const venue = alpaca({wallClock: () => wall})
    const ip = {bucket: 'ip', limit: 5, windowMs: 5_000}
    const create = {bucket: 'order/create', limit: 2, windowMs: 1_000}
    expect(venue.checkRate('c', 'POST /v5/order/create', [ip, create])).toMatchObject({allowed: true, limit: 2, remaining: 1})
    expect(venue.checkRate('c', 'POST /v5/order/create', [ip, create])).toMatchObject({allowed: true, limit: 2, remaining: 0})
    expect(venue.checkRate('c', 'POST /v5/order/create', [ip, create])).toMatchObject({allowed: false, limit: 2, resetAt: 1_000})
    // Other endpoints still have ip budget: 5 - 2 admitted = 3.
    expect(venue.checkRate('c', 'GET /v5/order/realtime', [ip])).toMatchObject({allowed: true, limit: 5, remaining: 2})
    wall = 1_000
    expect(venue.checkRate('c', 'POST /v5/order/create', [ip, create])).toMatchObject({allowed: true, remaining: 1})
    expect(venue.checkRate('c', 'GET /v5/order/realtime', [ip])).toMatchObject({allowed: true, remaining: 0, resetAt: 5_000})
    expect(venue.checkRate('c', 'POST /v5/order/create', [ip, create])).toMatchObject({allowed: false, limit: 5, resetAt: 5_000})
    expect(venue.stats().rateLimitViolations).toBe(2)
  })
})

describe('faults, sockets and stats', () => {
  it('consumes armed faults by endpoint, in arming order, `times` uses each', () => {
    const venue = alpaca()
    venue.armFault({kind: 'server_error', endpoint: 'POST /v2/orders', times: 2})
    venue.armFault({kind: 'rate_limit'})
    expect(venue.takeFault('POST /v2/orders')).toMatchObject({kind: 'server_error'})
    expect(venue.takeFault('GET /v2/account')).toMatchObject({kind: 'rate_limit'})
    expect(venue.takeFault('GET /v2/account')).toBeUndefined()
    expect(venue.takeFault('POST /v2/orders')).toMatchObject({kind: 'server_error'})
    expect(venue.takeFault('POST /v2/orders')).toBeUndefined()
    const s = venue.stats()
    expect([s.injectedRateLimits, s.rateLimitViolations, s.faultsArmed]).toEqual([1, 0, 0])
    expect(s.faultsFired).toEqual({rate_limit: 1, drop_response: 0, server_error: 2, delay: 0})
    expect(() => venue.armFault({kind: 'delay', ms: 5, times: 0})).toThrow(/positive integer/)
  })

  it('matches endpoints exactly, by bare path, or by prefix', () => {
    expect(endpointMatches(undefined, 'GET /v2/account')).toBe(true)
    expect(endpointMatches('POST /v2/orders', 'POST /v2/orders')).toBe(true)
    expect(endpointMatches('POST /v2/orders', 'GET /v2/orders')).toBe(false)
    expect(endpointMatches('/v2/orders', 'DELETE /v2/orders')).toBe(true)
    expect(endpointMatches('/v2/orders', 'DELETE /v2/orders/{order_id}')).toBe(false)
    expect(endpointMatches('/v5/order/*', 'POST /v5/order/cancel')).toBe(true)
    expect(endpointMatches('POST /v5/order/*', 'GET /v5/order/realtime')).toBe(false)
  })

  it('cuts registered sockets and counts requests per endpoint', () => {
    const venue = alpaca()
    const closed: string[] = []
    venue.registerSocket(() => closed.push('a'))
    const unregB = venue.registerSocket(() => closed.push('b'))
    venue.registerSocket(() => closed.push('c'))
    unregB()
    venue.recordRequest('GET /v2/account')
    venue.recordRequest('GET /v2/account')
    venue.recordRequest('POST /v2/orders')
    expect(venue.stats().wsOpen).toBe(2)
    venue.disconnectStreams()
    expect(closed).toEqual(['a', 'c'])
    venue.disconnectStreams()
    expect(closed).toEqual(['a', 'c'])
    expect(venue.stats()).toMatchObject({requests: 3, byEndpoint: {'GET /v2/account': 2, 'POST /v2/orders': 1}, wsConnections: 3, wsDisconnectsInjected: 2, wsOpen: 0})
  })

  it('refuses bad options with a clear error', () => {
    expect(() => alpaca({instruments: []})).toThrow(/at least one instrument/)
    expect(() => alpaca({bars: [{symbol: 'IBM', ts: DATA_T0, tfMs: MIN, open: 1, high: 1, low: 1, close: 1, volume: 1}]})).toThrow(/IBM, which is not among/)
    expect(() => alpaca({bars: [...bars(['SPY'], 2)].reverse()})).toThrow(/oldest first/)
    expect(() => alpaca({pacing: {mode: 'paced', speed: 0}})).toThrow(/speed must be a positive/)
  })
})

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
