/**
 * Per-order state over a long session (ALP-08): 100 000 orders through the real `OrderGateway` and the engine's
 * `AccountView` / `OrderTracker`, with the venue's reports delivered the way venues deliver them — an execution
 * and its order report in either order, partial fills, cancels with a remainder, an immediately repeated
 * execution, and a few orders resting all session. What the engine keeps per order must stay under a stated bound
 * while every invariant holds, and what it has let go must still be recognised: a late repeat of a retired
 * order's execution is ignored (after its id left the execution deduper's window), a late order report changes
 * nothing, and the id cannot be sent again.
 *
 * The limits are scaled down (1 000 orders kept whole, 20 000 retired ids, 5 000 execution ids per generation)
 * so that every generation turns over several times within the run; the defaults are checked separately. The late
 * arrivals are about order LATE, 15 000 orders before the end: retired long ago, its execution id beyond the
 * deduper's 10 000 at most, its order id within the 20 000 retired ids remembered at least.
 * Bites: the same run keeping everything (the tracker without retention, the gateway's old reason map) grows
 * linearly with the orders; one forgetting retired ids double-counts the late repeat and re-sends the id.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../../src/core/events.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {BarChunk, BarStream} from '../../src/core/market-data.js'
import type {Fill} from '../../src/core/fill.js'
import {isTerminal} from '../../src/core/order-state.js'
import type {OrderRequest, OrderSnapshot, OrderStatus} from '../../src/core/order.js'
import type {BrokerPort, SubmitReceipt} from '../../src/broker/port.js'
import type {TrackerFootprint, TrackerLimits} from '../../src/broker/order-tracker.js'
import {AccountView} from '../../src/engine/account-view.js'
import {runBacktest} from '../../src/run/backtest.js'
import {OrderGateway, type OrderMeta, type SubmitOutcome} from '../../src/engine/order-gateway.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {TradeRecorder} from '../../src/engine/trade-recorder.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {SmaCross} from '../../strategies/sma-cross/index.js'

const ORDERS = 100_000
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD']
const SMALL: TrackerLimits = {retainTerminal: 1_000, retiredIds: 20_000, executionIds: 5_000}
const LATE = ORDERS - 15_000 + 1
/** Every RESTING-th order rests all session (a take-profit far away); LOST_AT of each block never sends its execution. */
const RESTING = 1_000
const LOST_AT = 500

/** The venue side: takes every submission at once; the test delivers its reports. */
class Desk {
  sent = 0
  readonly port = {
    submitOrder: (req: OrderRequest): Promise<SubmitReceipt> => {
      this.sent++
      return Promise.resolve({clientOrderId: req.clientOrderId, venueOrderId: `v-${req.clientOrderId}`, ts: 0})
    },
    getOrder: (): Promise<OrderSnapshot | undefined> => Promise.resolve(undefined),
  } as unknown as BrokerPort
}

/** The gateway before ALP-08's fix: a reason per order in a map of its own, kept all session. */
class KeepAllGateway extends OrderGateway {
  readonly reasons = new Map<string, string>()
  override submit(req: OrderRequest, meta: OrderMeta = {}): Promise<SubmitOutcome> {
    if (meta.reason) this.reasons.set(req.clientOrderId, meta.reason)
    return super.submit(req, meta)
  }
}

/** The i-th order of the session: buy and sell in pairs of the same size, so positions stay small. */
function requestOf(i: number): OrderRequest {
  const pair = i >> 1
  return {clientOrderId: `o${i}`, symbol: SYMBOLS[pair % SYMBOLS.length], side: i % 2 === 0 ? 'buy' : 'sell', type: 'market', qty: 1 + (pair % 3), tif: 'gtc'}
}

function snapshot(req: OrderRequest, status: OrderStatus, filledQty: number, t: number): BrokerEvent {
  const order: OrderSnapshot = {...req, venueOrderId: `v-${req.clientOrderId}`, status, filledQty, avgFillPrice: filledQty > 0 ? 100 : 0, createdAt: t, updatedAt: t}
  return {kind: 'order', ts: t, order}
}

function execution(req: OrderRequest, n: number, qty: number, t: number): BrokerEvent {
  const fill: Fill = {execId: `x-${req.clientOrderId}-${n}`, clientOrderId: req.clientOrderId, venueOrderId: `v-${req.clientOrderId}`, symbol: req.symbol, side: req.side, positionSide: 'net', qty, price: 100, fee: 0.01, liquidity: 'taker', ts: t}
  return {kind: 'execution', ts: t, fill}
}

function collector(): () => void {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

interface Sample {
  orders: number
  heap: number
  footprint: TrackerFootprint
  reasons: number
}

type Variant = 'bounded' | 'keep-all' | 'forget-ids'

async function session(variant: Variant, limits: TrackerLimits | undefined = SMALL) {
  const gc = collector()
  const clock = {t: 0, now: () => clock.t}
  const desk = new Desk()
  const viewLimits: TrackerLimits | undefined =
    variant === 'keep-all' ? {retainTerminal: Infinity, retiredIds: 0, executionIds: Infinity} : variant === 'forget-ids' ? {...limits, retiredIds: 0} : limits
  const view = new AccountView(1e9, viewLimits)
  const sink = {append: () => {}}
  const gateway = variant === 'keep-all' ? new KeepAllGateway(desk.port, view, clock, sink) : new OrderGateway(desk.port, view, clock, sink)
  const expected = new Map<string, number>(SYMBOLS.map((s) => [s, 0]))
  const failures: string[] = []
  const deliver = (e: BrokerEvent): boolean => {
    const applied = view.apply(e, clock.t)
    if (applied && e.kind === 'execution') expected.set(e.fill.symbol, expected.get(e.fill.symbol)! + (e.fill.side === 'buy' ? e.fill.qty : -e.fill.qty))
    return applied
  }
  const resting: OrderRequest[] = []
  const lost: BrokerEvent[] = []
  const samples: Sample[] = []

  const invariants = (where: string): void => {
    for (const v of view.orders.violations) failures.push(`${where}: ${v.rule} ${v.detail}`)
    for (const s of SYMBOLS) if (view.position(s) !== expected.get(s)) failures.push(`${where}: position ${s} ${view.position(s)} != ${expected.get(s)}`)
    if (view.orders.open !== resting.length) failures.push(`${where}: ${view.orders.open} open, ${resting.length} resting`)
    for (const o of view.orders.all()) {
      if (o.filledQty > o.request.qty) failures.push(`${where}: ${o.request.clientOrderId} filled ${o.filledQty} > ${o.request.qty}`)
      if (!isTerminal(o.status) && !resting.includes(o.request)) failures.push(`${where}: ${o.request.clientOrderId} left ${o.status}`)
    }
  }

  for (let i = 0; i < ORDERS; i++) {
    clock.t = i * 10
    const t = clock.t
    const req = requestOf(i)
    const qty = req.qty
    if (i % RESTING === 0) {
      const tp: OrderRequest = {...req, type: 'limit', limitPrice: 1_000_000, side: 'sell', qty: 1}
      if (!(await gateway.submit(tp, {reason: 'take_profit'})).ok) failures.push(`${tp.clientOrderId} refused`)
      deliver(snapshot(tp, 'accepted', 0, t))
      resting.push(tp)
    } else {
      if (!(await gateway.submit(req, {reason: i % 2 === 0 ? 'entry' : 'exit'})).ok) failures.push(`${req.clientOrderId} refused`)
      deliver(snapshot(req, 'accepted', 0, t))
      if (i % RESTING === LOST_AT) {
        // The final report arrives; the execution is lost on the wire and only comes at the very end.
        deliver(snapshot(req, 'filled', qty, t + 1))
        lost.push(execution(req, 1, qty, t + 1))
      } else if (i % 4 === 0) {
        deliver(execution(req, 1, qty, t + 1))
        deliver(snapshot(req, 'filled', qty, t + 1))
      } else if (i % 4 === 1) {
        // The order report overtakes its execution.
        deliver(snapshot(req, 'filled', qty, t + 1))
        deliver(execution(req, 1, qty, t + 2))
      } else if (i % 4 === 2) {
        deliver(execution(req, 1, qty / 2, t + 1))
        deliver(snapshot(req, 'partially_filled', qty / 2, t + 1))
        deliver(execution(req, 2, qty / 2, t + 2))
        deliver(snapshot(req, 'filled', qty, t + 2))
        // The stream repeats the last execution at once: the deduper catches it.
        if (deliver(execution(req, 2, qty / 2, t + 3))) failures.push(`${req.clientOrderId}: immediate repeat applied`)
      } else {
        deliver(execution(req, 1, qty / 2, t + 1))
        deliver(snapshot(req, 'canceled', qty / 2, t + 2))
      }
    }
    if ((i + 1) % (ORDERS / 4) === 0) {
      invariants(`after ${i + 1}`)
      gc()
      samples.push({orders: i + 1, heap: process.memoryUsage().heapUsed, footprint: view.orders.footprint(), reasons: gateway instanceof KeepAllGateway ? gateway.reasons.size : 0})
    }
  }
  return {view, gateway, desk, samples, failures, expected, deliver, invariants, resting, lost}
}

type Session = Awaited<ReturnType<typeof session>>

/** Late arrivals about order LATE (long retired): a repeat of its execution, its final report, a resend. */
async function lateArrivals(s: Session) {
  const before = SYMBOLS.map((x) => s.view.position(x))
  const tracked = s.view.orders.footprint().tracked
  const sent = s.desk.sent
  const req = requestOf(LATE)
  expect(LATE % 4).toBe(1) // one execution, `x-o<LATE>-1`, of the whole quantity
  const repeatApplied = s.deliver(execution(req, 1, req.qty, ORDERS * 10))
  s.deliver(snapshot(req, 'filled', req.qty, ORDERS * 10))
  const resend = await s.gateway.submit(req, {reason: 'exit'})
  return {
    repeatApplied,
    positionsMoved: SYMBOLS.some((x, k) => s.view.position(x) !== before[k]),
    trackedAfter: s.view.orders.footprint().tracked - tracked,
    resent: s.desk.sent - sent,
    resend,
  }
}

describe('per-order state over 100 000 orders (ALP-08)', () => {
  it('stays under its bound, keeps every invariant, and still recognises what it let go', async () => {
    const s = await session('bounded')
    expect(s.failures).toEqual([])
    const bound = SMALL.retainTerminal! + s.resting.length
    for (const x of s.samples) {
      const f = x.footprint
      // Whole orders: the last 1 000 ended plus those still open; ids: two generations at most.
      expect(f.tracked).toBeLessThanOrEqual(bound)
      expect(f.byVenue).toBeLessThanOrEqual(bound)
      expect(f.retiredIds).toBeLessThanOrEqual(2 * SMALL.retiredIds!)
      expect(f.executionIds).toBeLessThanOrEqual(2 * SMALL.executionIds!)
      expect(f.endedQueue).toBeLessThanOrEqual(2 * SMALL.retainTerminal! + 4_100)
    }
    // Flat from the first quarter to the last: ~1.5 KB per order would be 110 MB here.
    expect(s.samples[3].heap - s.samples[0].heap).toBeLessThan(8 * 1024 * 1024)

    // The resting take-profits were kept whole, with their reason, through 100 000 other orders.
    expect(s.resting).toHaveLength(ORDERS / RESTING)
    for (const r of s.resting) expect(s.gateway.reasonOf(r.clientOrderId)).toBe('take_profit')
    expect(s.gateway.reasonOf(`o${ORDERS - 2}`)).toBe('entry')
    expect(s.gateway.reasonOf(`o${LATE}`)).toBeUndefined()

    const late = await lateArrivals(s)
    expect(late.repeatApplied).toBe(false)
    expect(late.positionsMoved).toBe(false)
    expect(late.trackedAfter).toBe(0)
    expect(late.resend).toMatchObject({ok: false, code: 'duplicate_intent'})
    expect(late.resent).toBe(0)
    expect(s.view.orders.staleRetired).toBe(2)

    // The executions lost on the wire were never applied; their orders retired incomplete, so they were forgotten
    // rather than remembered as done: delivered now, each still counts, once.
    expect(s.lost).toHaveLength(ORDERS / RESTING)
    for (const e of s.lost) expect(s.deliver(e)).toBe(true)
    for (const e of s.lost) expect(s.deliver(e)).toBe(false)
    s.invariants('end')
    expect(s.failures).toEqual([])
  }, 60_000)

  it('with the default limits: 10 000 orders kept whole, ids in two generations', async () => {
    const s = await session('bounded', {})
    expect(s.failures).toEqual([])
    for (const x of s.samples) expect(x.footprint.tracked).toBeLessThanOrEqual(10_000 + s.resting.length)
    // Every ended order but the last 10 000, less the 90 whose execution had not come (forgotten, not retired).
    expect(s.samples[3].footprint.retiredIds).toBe(ORDERS - s.resting.length - 10_000 - 90)
    expect((await lateArrivals(s)).resend).toMatchObject({ok: false, code: 'duplicate_intent'})
  }, 60_000)

  it('bites: keeping everything grows linearly with the orders', async () => {
    const s = await session('keep-all')
    expect(s.failures).toEqual([])
    const [first, , , last] = s.samples
    const between = last.orders - first.orders
    // Every order stays whole, with its reason and its executions.
    expect(last.footprint.tracked - first.footprint.tracked).toBe(between)
    expect(last.reasons - first.reasons).toBe(between)
    expect(last.footprint.executionIds - first.footprint.executionIds).toBeGreaterThan(between)
    const bounded = await session('bounded')
    const b = bounded.samples
    expect(last.footprint.tracked).toBeGreaterThan(50 * b[3].footprint.tracked)
    expect(last.heap - first.heap).toBeGreaterThan(4 * (b[3].heap - b[0].heap) + 20 * 1024 * 1024)
  }, 60_000)

  it('bites: forgetting the retired ids counts the late repeat twice and sends the id again', async () => {
    const s = await session('forget-ids')
    expect(s.failures).toEqual([])
    const late = await lateArrivals(s)
    expect(late.repeatApplied).toBe(true)
    expect(late.positionsMoved).toBe(true)
    expect(late.resend.ok).toBe(true)
    expect(late.resent).toBe(1)
  }, 60_000)
})

/** One symbol zig-zagging two bars up, two down: SMA(1) crosses SMA(2) every second bar. */
function zigzag(bars: number): BarStream {
  const t0 = Date.UTC(2024, 0, 1)
  return {
    symbols: ['ZZZ'],
    timeframe: '1m',
    async *[Symbol.asyncIterator](): AsyncIterator<BarChunk> {
      for (let at = 0; at < bars; at += 10_000) {
        const len = Math.min(10_000, bars - at)
        const c = {length: len, symbol: new Uint16Array(len), ts: new Float64Array(len), open: new Float64Array(len), high: new Float64Array(len), low: new Float64Array(len), close: new Float64Array(len), volume: new Float64Array(len)}
        for (let i = 0; i < len; i++) {
          const k = at + i
          const close = [101, 102, 101, 100][k % 4]
          const open = [100, 101, 102, 101][k % 4]
          c.ts[i] = t0 + k * 60_000
          c.open[i] = open
          c.close[i] = close
          c.high[i] = Math.max(open, close)
          c.low[i] = Math.min(open, close)
          c.volume[i] = 1e9
        }
        yield c
      }
    },
  }
}

describe('a backtest with more orders than the tracker keeps whole', () => {
  it('records every trade with the reason its exit was sent for, and the tracker stays bounded', async () => {
    const inner = new SmaCross({fast: 1, slow: 2, fraction: 0.5})
    let ctx: StrategyContext | undefined
    const strategy: Strategy = {
      name: inner.name,
      start: (c) => {
        ctx = c
        inner.start(c)
      },
      onBar: (b) => inner.onBar(b),
      onEvent: (e) => inner.onEvent(e),
    }
    const r = await runBacktest({
      stream: zigzag(50_000),
      instruments: [defaultInstrument('ZZZ', 'crypto_spot', 'sim')],
      profile: profileFor('sim'),
      strategy,
      sim: {seed: 1, latency: {fixedMs: 20, jitterMs: 0}},
    })
    expect(r.violations).toEqual([])
    expect(r.orders.length).toBeGreaterThan(15_000)
    expect(ctx!.account.orders.footprint().tracked).toBeLessThanOrEqual(10_000)
    const byReason = (trades: readonly {exitReason: string}[]): Record<string, number> => {
      const out: Record<string, number> = {}
      for (const t of trades) out[t.exitReason] = (out[t.exitReason] ?? 0) + 1
      return out
    }
    // Every trade closed on an order sent for 'sma_cross_down', the first ones too (their orders long retired).
    expect(r.trades.length).toBeGreaterThan(12_000)
    expect(byReason(r.trades)).toEqual({sma_cross_down: r.trades.length})

    // Bites: the trades taken from the venue's executions only at the end, as the backtest did before, lose the
    // reasons of every order the tracker has since let go.
    const late = new TradeRecorder((id) => ctx!.orders.reasonOf(id))
    for (const f of r.fills) late.apply(f)
    expect(byReason(late.trades).signal).toBeGreaterThan(r.trades.length - 10_000)
  }, 60_000)
})
