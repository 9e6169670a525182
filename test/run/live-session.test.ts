/**
 * The live machinery end to end on a scripted wire venue with REAL timers (answers and frames arrive when the
 * operating system delivers them), then a replay of the journal on a virtual clock: the replay must write the
 * same journal, record for record, hash for hash. The venue here is a toy (JSON bodies as they come); the real
 * adapters are tested against the exchange emulator in test/adapters.
 */
import {describe, expect, it} from 'vitest'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import type {OrderRequest, OrderSnapshot} from '../../src/core/order.js'
import type {BrokerEvent} from '../../src/core/events.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {BrokerEventHandler, Unsubscribe} from '../../src/broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import {EventLoop} from '../../src/engine/event-loop.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {wallTimers} from '../../src/ops/wall-timers.js'
import {LiveDriver} from '../../src/run/live/live-driver.js'
import type {LiveSessionHeader} from '../../src/run/live/live-header.js'
import {type LiveVenue, type LiveVenueDeps, runLiveSession} from '../../src/run/live/live-session.js'
import {LoopTransport} from '../../src/run/live/loop-transport.js'
import {type LiveReplayReport, replayLiveJournal} from '../../src/run/live/replay-live.js'

const ORIGIN = 1_700_000_000_000

/** A wire venue on real timers: answers after 1-3 ms, a fill frame 2 ms after each order, a bar frame every 4 ms. */
class ToyWire implements VenueTransport {
  readonly venue = 'alpaca'
  private frames = new Set<(f: RawFrame) => void>()
  private ticker: ReturnType<typeof setInterval> | undefined
  private n = 0
  private barTs = ORIGIN - 60_000
  requests = 0

  request(req: VenueRequest): Promise<RawResponse> {
    this.requests++
    const body = this.answer(req)
    return new Promise((resolve) => setTimeout(() => resolve({status: 200, headers: {}, body}), 1 + (this.requests % 3)))
  }

  private answer(req: VenueRequest): unknown {
    switch (req.endpoint) {
      case 'GET /account':
        return {cash: 10_000}
      case 'GET /orders':
      case 'GET /positions':
        return []
      case 'POST /orders': {
        const id = `v${++this.n}`
        const p = req.params as {client_order_id: string; qty: number}
        setTimeout(() => this.emit({stream: 'trade_updates', data: {event: 'fill', id, cid: p.client_order_id, qty: p.qty, price: 100 + this.n}}), 2)
        return {id}
      }
      default:
        return {error: 'unknown'}
    }
  }

  async subscribe(sub: StreamSubscription): Promise<void> {
    if (sub.stream === 'bars' && !this.ticker) {
      this.ticker = setInterval(() => {
        this.barTs += 60_000
        this.emit({stream: 'bars', data: {S: 'AAA', t: this.barTs, c: 100 + (this.barTs / 60_000) % 7}})
      }, 4)
    }
  }

  private emit(f: RawFrame): void {
    for (const h of this.frames) h(f)
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    this.frames.add(handler)
    return () => void this.frames.delete(handler)
  }

  onConnection(_handler: (event: ConnectionEvent) => void): Unsubscribe {
    return () => {}
  }

  async close(): Promise<void> {
    clearInterval(this.ticker)
  }
}

/** The toy wire's adapter: JSON in, port events out; the same code runs live and in replay. */
function toyVenue({transport, clock}: LiveVenueDeps): LiveVenue {
  const handlers = new Set<BrokerEventHandler>()
  const orders = new Map<string, OrderRequest>()
  const get = async (endpoint: string, params: Record<string, unknown> = {}): Promise<unknown> => (await transport.request({endpoint, params})).body
  transport.onFrame((f) => {
    if (f.stream !== 'trade_updates') return
    const d = f.data as {id: string; cid: string; qty: number; price: number}
    const req = orders.get(d.cid)
    if (!req) return
    const ts = clock.now()
    const order: OrderSnapshot = {...req, venueOrderId: d.id, status: 'filled', filledQty: d.qty, avgFillPrice: d.price, createdAt: ts, updatedAt: ts}
    const events: BrokerEvent[] = [
      {kind: 'execution', ts, fill: {execId: `${d.id}:1`, clientOrderId: d.cid, venueOrderId: d.id, symbol: req.symbol, side: req.side, positionSide: 'net', qty: d.qty, price: d.price, fee: 0, liquidity: 'taker', ts}},
      {kind: 'order', ts, order},
    ]
    for (const e of events) for (const h of handlers) h(e)
  })
  return {
    venue: 'alpaca',
    positionMode: 'netting',
    instrument: (s): Instrument => defaultInstrument(s, 'us_equity', 'alpaca'),
    async connect() {
      await get('GET /account')
    },
    async close() {},
    async venueTime() {
      return clock.now()
    },
    async submitOrder(req) {
      orders.set(req.clientOrderId, req)
      const body = (await get('POST /orders', {client_order_id: req.clientOrderId, qty: req.qty})) as {id: string}
      return {clientOrderId: req.clientOrderId, venueOrderId: body.id, ts: clock.now()}
    },
    async cancelOrder() {},
    async amendOrder() {},
    async getOrder() {
      return undefined
    },
    async openOrders() {
      return (await get('GET /orders')) as OrderSnapshot[]
    },
    async positions() {
      return (await get('GET /positions')) as []
    },
    async account() {
      const b = (await get('GET /account')) as {cash: number}
      return {cash: b.cash, equity: b.cash, buyingPower: b.cash, marginUsed: 0, maintenanceMargin: 0, realizedPnl: 0, fees: 0, ts: clock.now()}
    },
    async executionsSince() {
      return []
    },
    subscribe(handler) {
      handlers.add(handler)
      return () => void handlers.delete(handler)
    },
    async subscribeBars(_symbols, tfMs, handler: (bar: FeedBar) => void) {
      const off = transport.onFrame((f) => {
        if (f.stream !== 'bars') return
        const d = f.data as {S: string; t: number; c: number}
        handler({symbol: d.S, ts: d.t, tfMs, open: d.c, high: d.c, low: d.c, close: d.c, volume: 1})
      })
      await transport.subscribe({stream: 'bars', topics: ['AAA']})
      return off
    },
  }
}

/** Buys on every third bar, and keeps a 3 ms timer whose firings interleave with the venue's messages. */
function toyStrategy(): Strategy {
  let ctx: StrategyContext
  let n = 0
  return {
    name: 'toy',
    start(c) {
      ctx = c
      ctx.scheduler.every(3, () => ctx.record('tick', {cash: ctx.account.cash, pos: ctx.account.position('AAA')}))
    },
    async onBar(bar) {
      if (++n % 3 !== 0) return
      await ctx.orders.submit({clientOrderId: ctx.clientOrderId(`b${bar.ts}`, 'entry'), symbol: 'AAA', side: 'buy', type: 'market', qty: 1, tif: 'day'})
      ctx.record('after_submit', {pos: ctx.account.position('AAA')})
    },
  }
}

const header: LiveSessionHeader = {
  format: 1, mode: 'paper', venue: 'alpaca', account: 'default', strategy: 'toy', params: {}, symbols: ['AAA'], timeframe: '1m',
  seed: 1, epoch: 1, risk: null, origin: ORIGIN, scale: 1,
}

async function liveRun(ms: number): Promise<Journal> {
  const loop = new EventLoop(ORIGIN)
  const driver = new LiveDriver(loop, wallTimers, {origin: ORIGIN})
  const wire = new ToyWire()
  const journal = new Journal({keep: true})
  const done = runLiveSession({
    header, loop, journal, transport: new LoopTransport(wire, driver), makeVenue: toyVenue, strategy: toyStrategy(),
    onReady: (h) => setTimeout(() => driver.inbound(() => h.stop('test over')), ms),
  })
  driver.wake()
  await done
  driver.stop()
  await wire.close()
  return journal
}

function journalOf(records: readonly JournalRecord[]): Journal {
  const j = new Journal({keep: true})
  for (const r of records) j.append(r)
  return j
}

async function replayRun(recorded: Journal): Promise<LiveReplayReport> {
  return replayLiveJournal({records: recorded.records, source: 'test', makeVenue: toyVenue, strategy: toyStrategy})
}

describe('live session on real timers, then its replay', () => {
  it('replays the recorded session to the same journal, byte for byte', async () => {
    const recorded = await liveRun(250)
    const types = recorded.records.map((r) => r.type)
    // The run did real work: bars, orders, fills through the stream, timer ticks between them.
    expect(types.filter((t) => t === 'bar').length).toBeGreaterThan(10)
    expect(types.filter((t) => t === 'venue_frame').length).toBeGreaterThan(15)
    expect(types.filter((t) => t === 'after_submit').length).toBeGreaterThan(3)
    expect(types.filter((t) => t === 'tick').length).toBeGreaterThan(10)
    const replayed = await replayRun(recorded)
    expect(replayed.divergences).toEqual([])
    expect(replayed.replayedRecords).toBe(recorded.size)
    expect(replayed.replayedHash).toBe(recorded.digest())
    expect(replayed.unmatchedRequests).toBe(0)
    expect(replayed.ok).toBe(true)
  })

  it('a killed session (the recording cut off, no stop or end record) replays up to its last record and says what was in flight', async () => {
    const recorded = await liveRun(250)
    // Cut right after a request whose answer came later: that request is in flight at the end.
    const cutAt = recorded.records.findIndex((r, i) => i > recorded.size / 2 && r.type === 'venue_request')
    const cut = recorded.records.slice(0, cutAt + 1)
    const replayed = await replayRun(journalOf(cut))
    expect(replayed.divergences).toEqual([])
    expect(replayed.violations).toEqual([])
    expect(replayed.unmatchedRequests).toBe(0)
    expect(replayed.ok).toBe(true)
    expect(replayed.end).toMatchObject({index: cutAt, t: cut[cutAt].t, type: 'venue_request'})
    expect(replayed.end!.requests.map((q) => q.n)).toContain((cut[cutAt].data as {n: number}).n)
    // The replay's hash covers the records up to the cut: the recording's.
    const prefix = new Journal()
    for (const r of cut) prefix.append(r)
    expect(replayed.replayedHash).toBe(prefix.digest())

    // Compared up to the end, not assumed: a tick record changed before the cut fails.
    const k = cut.findLastIndex((r) => r.type === 'tick')
    const altered = cut.map((r, i) => (i === k ? {...r, data: {...(r.data as object), cash: -1}} : r))
    const bad = await replayRun(journalOf(altered))
    expect(bad.ok).toBe(false)
    expect(bad.divergenceCount).toBeGreaterThan(0)
  })

  it('a replay that puts answers behind same-millisecond timers (a naive queue) diverges', async () => {
    const recorded = await liveRun(200)
    // Shift every recorded inbound message 1 ms later: timers due then would run first — the replay must notice.
    const shifted = recorded.records.map((r) => (r.type === 'venue_response' || r.type === 'venue_frame' ? {...r, t: r.t + 1} : r))
    const j = new Journal({keep: true})
    for (const r of shifted) j.append(r)
    const replayed = await replayRun(j)
    expect(replayed.ok).toBe(false)
    expect(replayed.divergenceCount).toBeGreaterThan(0)
  })
})
