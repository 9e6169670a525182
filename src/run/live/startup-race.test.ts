/**
 * The start-up reconcile of a live session while the venue keeps trading: an execution that arrives between the
 * connect and the positions snapshot (a take-profit filling as the process restarts) may or may not be in that
 * snapshot. It must neither be applied to the empty book (a reduce of a hedge leg the book does not have yet
 * threw, and the process died) nor counted on top of a snapshot that already holds it. The session holds venue
 * events during the reconcile and asks for positions again until no execution raced the answer.
 * Deterministic: a scripted wire on the session's virtual loop.
 */
import {describe, expect, it} from 'vitest'
import {defaultInstrument, type Instrument} from '../../core/instrument.js'
import type {BrokerEvent} from '../../core/events.js'
import type {PositionSnapshot} from '../../core/position.js'
import type {BrokerEventHandler, Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, VenueRequest, VenueTransport} from '../../broker/transport.js'
import {AccountView} from '../../engine/account-view.js'
import {EventLoop, microtaskBarrier} from '../../engine/event-loop.js'
import {Journal} from '../../engine/journal.js'
import type {LiveSessionHeader} from './live-header.js'
import {type LiveVenue, type LiveVenueDeps, type LiveSessionRun, runLiveSession} from './live-session.js'

const ORIGIN = 1_700_000_000_000

interface Fill {
  readonly id: string
  readonly side: 'buy' | 'sell'
  readonly leg: 'long' | 'short'
  readonly qty: number
}

/**
 * A hedge-mode venue scripted per positions query: `legs[n]` is the long leg the n-th answer reports, `fills[n]`
 * the executions whose frames arrive while that answer is on its way (before it).
 */
class ScriptedWire implements VenueTransport {
  readonly venue = 'bybit'
  private readonly frames = new Set<(f: RawFrame) => void>()
  positionQueries = 0

  constructor(
    private readonly loop: EventLoop,
    private readonly legs: readonly number[],
    private readonly fills: readonly (readonly Fill[])[],
  ) {}

  request(req: VenueRequest): Promise<RawResponse> {
    const t = this.loop.clock.now()
    let body: unknown = []
    if (req.endpoint === 'GET /account') body = {cash: 10_000}
    if (req.endpoint === 'GET /positions') {
      const n = this.positionQueries++
      const long = this.legs[Math.min(n, this.legs.length - 1)]
      body = [{symbol: 'BTCUSDT', side: 'long', qty: long, avgPrice: 100, realizedPnl: 0, ts: t}]
      for (const f of this.fills[n] ?? []) this.loop.schedule(t + 1, () => this.emit({stream: 'executions', data: f}))
    }
    return new Promise((resolve) =>
      this.loop.schedule(t + 2, () => {
        this.loop.markAsync()
        resolve({status: 200, headers: {}, body})
      }),
    )
  }

  async subscribe(): Promise<void> {}

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

  async close(): Promise<void> {}
}

function scriptedVenue({transport, clock}: LiveVenueDeps): LiveVenue {
  const handlers = new Set<BrokerEventHandler>()
  const get = async (endpoint: string): Promise<unknown> => (await transport.request({endpoint, params: {}})).body
  transport.onFrame((f) => {
    const d = f.data as Fill
    const ts = clock.now()
    const e: BrokerEvent = {kind: 'execution', ts, fill: {execId: d.id, clientOrderId: `tp-${d.id}`, venueOrderId: `v-${d.id}`, symbol: 'BTCUSDT', side: d.side, positionSide: d.leg, qty: d.qty, price: 101, fee: 0, liquidity: 'maker', ts}}
    for (const h of handlers) h(e)
  })
  return {
    venue: 'bybit',
    positionMode: 'hedge',
    instrument: (s): Instrument => defaultInstrument(s, 'crypto_perp', 'bybit'),
    async connect() {
      await get('GET /account')
    },
    async close() {},
    async venueTime() {
      return clock.now()
    },
    async submitOrder() {
      throw new Error('not in this test')
    },
    async cancelOrder() {},
    async amendOrder() {},
    async getOrder() {
      return undefined
    },
    async openOrders() {
      return []
    },
    async positions() {
      return (await get('GET /positions')) as PositionSnapshot[]
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
    async subscribeBars() {
      return () => {}
    },
  }
}

const header: LiveSessionHeader = {
  format: 1, mode: 'paper', venue: 'bybit', account: 'default', strategy: 'idle', params: {}, symbols: ['BTCUSDT'], timeframe: '1m',
  seed: 1, epoch: 1, risk: null, origin: ORIGIN, scale: 1,
}

/** Runs the session on its virtual loop until it has started, then stops it. */
async function start(wire: (loop: EventLoop) => ScriptedWire): Promise<{run: LiveSessionRun; wire: ScriptedWire; journal: Journal}> {
  const loop = new EventLoop(ORIGIN)
  const w = wire(loop)
  const journal = new Journal({keep: true})
  let result: LiveSessionRun | undefined
  let failure: unknown
  runLiveSession({
    header, loop, journal, transport: w, makeVenue: scriptedVenue, strategy: {name: 'idle'},
    onReady: (h) => loop.schedule(loop.clock.now() + 10, () => h.stop('test over')),
  }).then((r) => (result = r), (err: unknown) => (failure = err))
  for (let i = 0; i < 50 && !result && failure === undefined; i++) {
    await microtaskBarrier()
    await loop.runUntil(ORIGIN + 1_000)
  }
  if (failure !== undefined) throw failure
  return {run: result!, wire: w, journal}
}

describe('start-up reconcile while executions arrive', () => {
  it('a take-profit fill racing the first positions answer: held, positions asked again, the leg is what the venue says', async () => {
    // The venue reports 1.0 long, but a reduce of 0.4 fills while that answer travels; asked again: 0.6.
    const {run, wire, journal} = await start((loop) => new ScriptedWire(loop, [1, 0.6], [[{id: 'x1', side: 'sell', leg: 'long', qty: 0.4}]]))
    expect(run.wiring.view.position('BTCUSDT', 'long')).toBeCloseTo(0.6, 9)
    expect(wire.positionQueries).toBe(2)
    expect(run.reconciled).toMatchObject({heldEvents: 1, positionQueries: 2})
    // The held execution is journaled where it arrived, before the reconcile record.
    const types = journal.records.map((r) => r.type)
    expect(types.indexOf('reconciled')).toBeGreaterThan(journal.records.findIndex((r) => r.type === 'venue_frame'))
  })

  it('an opening fill already in the snapshot is not counted twice', async () => {
    // 0.5 opened while the first answer travels; the venue's second answer (1.5) already holds it.
    const {run} = await start((loop) => new ScriptedWire(loop, [1.5, 1.5], [[{id: 'o1', side: 'buy', leg: 'long', qty: 0.5}]]))
    expect(run.wiring.view.position('BTCUSDT', 'long')).toBeCloseTo(1.5, 9)
  })

  it('settled on the last allowed ask: not marked unsettled', async () => {
    const racing = [0, 1, 2].map((i) => [{id: `s${i}`, side: 'buy', leg: 'long', qty: 0.1} as const])
    const {run, wire} = await start((loop) => new ScriptedWire(loop, [1, 1.1, 1.2, 1.3], racing))
    expect(wire.positionQueries).toBe(4)
    expect(run.reconciled.unsettled).toBeUndefined()
    expect(run.wiring.view.position('BTCUSDT', 'long')).toBeCloseTo(1.3, 9)
  })

  it('executions racing every answer: bounded re-asks, the last snapshot kept and the reconcile marked unsettled', async () => {
    const racing = Array.from({length: 10}, (_, i) => [{id: `r${i}`, side: 'buy', leg: 'long', qty: 0.1} as const])
    const {run, wire} = await start((loop) => new ScriptedWire(loop, [1, 1.1, 1.2, 1.3, 1.4, 1.5], racing))
    expect(wire.positionQueries).toBe(4)
    expect(run.reconciled.unsettled).toBe(true)
    expect(run.wiring.view.position('BTCUSDT', 'long')).toBeCloseTo(1.3, 9)
  })

  it('events applied as they come: a reduction before its opening fill is owed (no throw), and the opening fill pays it', () => {
    const view = new AccountView(10_000)
    const reduce: BrokerEvent = {kind: 'execution', ts: ORIGIN, fill: {execId: 'x1', clientOrderId: 'tp', venueOrderId: 'v', symbol: 'BTCUSDT', side: 'sell', positionSide: 'long', qty: 0.4, price: 101, fee: 0, liquidity: 'maker', ts: ORIGIN}}
    expect(() => view.apply(reduce, ORIGIN)).not.toThrow()
    expect(view.positionGaps).toBe(1)
    expect(view.position('BTCUSDT', 'long')).toBe(0)
    const open = {...reduce, fill: {...reduce.fill, execId: 'o1', side: 'buy' as const}}
    view.apply(open, ORIGIN)
    expect(view.position('BTCUSDT', 'long')).toBe(0)
    expect(view.positionGaps).toBe(1)
  })
})
