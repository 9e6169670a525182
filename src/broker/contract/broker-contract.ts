/**
 * The broker contract: one suite of behaviour every BrokerPort implementation must show, run against the
 * simulated exchange now and against the live adapters (over the local exchange emulator) later.
 *
 * The suite only talks to the port and to a harness that hides how venue time passes and how the market is
 * made to trade. It never assumes a latency: it waits for answers and events by letting venue time pass in
 * small steps, so the same cases hold with zero latency, with jitter, and over loopback HTTP + websocket.
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {BrokerEvent, BrokerEventOf} from '../../core/events.js'
import type {Instrument} from '../../core/instrument.js'
import type {OrderRequest, OrderStatus, OrderType, PositionSide, Side} from '../../core/order.js'
import {
  DuplicateClientOrderIdError,
  InsufficientFundsError,
  InvalidOrderError,
  isRetryable,
  OrderNotFoundError,
} from '../errors.js'
import {STATUS_RANK} from '../../core/order-state.js'
import type {BrokerPort} from '../port.js'
import {QTY_EPS} from '../../core/quantity.js'

/**
 * What differs between implementations. `makeHarness` is called once per case and must give a fresh account:
 * no orders, no positions, at least 10 000 of buying power, on a venue where `symbol` trades in whole units
 * at prices on a 0.1 tick (the simulator, or the local exchange emulator around it).
 */
export interface ContractHarness {
  readonly broker: BrokerPort
  /** The instrument most cases trade. On a hedge-mode venue every order carries positionSide long / short. */
  readonly symbol: string
  /** A hedge-mode instrument: when present, the hedge cases run on it too. */
  readonly hedgeSymbol?: string
  /** Share of a setMarket volume that resting orders may take in one step (the venue's participation rate). */
  readonly participation: number
  /** Lets `ms` of venue time pass: the simulator runs its event loop, a live harness waits and polls. */
  advance(ms: number): Promise<void>
  /**
   * Makes the venue's market trade at `price` (with `volume`, default: ample) on every harness symbol. Orders
   * that reached the venue before the call may trade against it; a buy limit at or above `price` fills.
   */
  setMarket(price: number, volume?: number): Promise<void>
  close(): Promise<void>
}

/** How far the suite lets venue time run while it waits for one thing, and in what steps. */
const STEP_MS = 10
const WAIT_MS = 30_000
/** The price the market trades at when a case starts. */
const P = 100


let idCounter = 0

export function describeBrokerContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`broker contract: ${name}`, () => {
    let h: ContractHarness
    let broker: BrokerPort
    let events: BrokerEvent[]
    let unsubscribe: () => void
    let inst: Instrument
    let hedge: boolean

    beforeEach(async () => {
      h = await makeHarness()
      broker = h.broker
      events = []
      unsubscribe = broker.subscribe((e) => events.push(e))
      inst = broker.instrument(h.symbol)
      hedge = broker.positionMode === 'hedge'
      await h.setMarket(P)
    })

    afterEach(async () => {
      unsubscribe()
      await h.close()
    })

    // ---------------------------------------------------------------- helpers

    /** Lets venue time pass until `p` settles, then returns its outcome. */
    async function settle<T>(p: Promise<T>, what = 'request'): Promise<T> {
      let done = false
      const tracked = p.then(
        (v) => ((done = true), v),
        (e: unknown) => {
          done = true
          throw e
        },
      )
      tracked.catch(() => undefined)
      for (let waited = 0; !done && waited < WAIT_MS; waited += STEP_MS) await h.advance(STEP_MS)
      if (!done) throw new Error(`${name}: no answer to ${what} within ${WAIT_MS} ms of venue time`)
      return tracked
    }

    /** Lets venue time pass until `cond` holds. */
    async function until(cond: () => boolean, what: string): Promise<void> {
      for (let waited = 0; !cond(); waited += STEP_MS) {
        if (waited >= WAIT_MS) throw new Error(`${name}: ${what} did not happen within ${WAIT_MS} ms of venue time`)
        await h.advance(STEP_MS)
      }
    }

    /** The rejection of `p`, after letting venue time pass; fails when `p` resolves. */
    async function rejection(p: Promise<unknown>, what: string): Promise<unknown> {
      try {
        await settle(p, what)
      } catch (err) {
        return err
      }
      throw new Error(`${name}: ${what} was expected to fail but succeeded`)
    }

    function request(side: Side, type: OrderType, qty: number, extra: Partial<OrderRequest> = {}): OrderRequest {
      const leg: PositionSide | undefined = hedge ? (side === 'buy' ? 'long' : 'short') : undefined
      return {
        clientOrderId: `ct${++idCounter}-${type}-${side}`,
        symbol: h.symbol,
        side,
        type,
        qty,
        tif: 'gtc',
        ...(leg ? {positionSide: leg} : {}),
        ...extra,
      }
    }

    const orderEvents = (cid: string): BrokerEventOf<'order'>[] =>
      events.filter((e): e is BrokerEventOf<'order'> => e.kind === 'order' && e.order.clientOrderId === cid)
    const executions = (cid: string): BrokerEventOf<'execution'>[] =>
      events.filter((e): e is BrokerEventOf<'execution'> => e.kind === 'execution' && e.fill.clientOrderId === cid)
    const lastStatus = (cid: string): OrderStatus | undefined => orderEvents(cid).at(-1)?.order.status
    const filledBy = (cid: string): number => executions(cid).reduce((s, e) => s + e.fill.qty, 0)

    /** Both channels have reported the whole fill: the order event and the executions. */
    const isFilled = (req: OrderRequest): boolean => lastStatus(req.clientOrderId) === 'filled' && filledBy(req.clientOrderId) >= req.qty - QTY_EPS

    async function submitAndWaitFilled(req: OrderRequest): Promise<string> {
      const receipt = await settle(broker.submitOrder(req), `submit ${req.clientOrderId}`)
      await h.setMarket(P)
      await until(() => isFilled(req), `fill of ${req.clientOrderId}`)
      return receipt.venueOrderId
    }

    async function restingLimit(price: number, qty = 2): Promise<{cid: string; venueOrderId: string}> {
      const req = request('buy', 'limit', qty, {limitPrice: price})
      const receipt = await settle(broker.submitOrder(req), 'submit resting limit')
      await until(() => lastStatus(req.clientOrderId) === 'accepted', `acknowledgement of ${req.clientOrderId}`)
      return {cid: req.clientOrderId, venueOrderId: receipt.venueOrderId}
    }

    // ---------------------------------------------------------------- cases

    it('submit gives a receipt with the venue id, then accepted … filled events and executions with unique ids', async () => {
      const a = request('buy', 'market', 2)
      const b = request('buy', 'market', 1)
      const ra = await settle(broker.submitOrder(a), 'submit a')
      const rb = await settle(broker.submitOrder(b), 'submit b')
      expect(ra.clientOrderId).toBe(a.clientOrderId)
      expect(typeof ra.venueOrderId).toBe('string')
      expect(ra.venueOrderId.length).toBeGreaterThan(0)
      expect(rb.venueOrderId).not.toBe(ra.venueOrderId)
      await h.setMarket(P)
      await until(() => isFilled(a) && isFilled(b), 'both fills')

      for (const [req, receipt] of [[a, ra], [b, rb]] as const) {
        const statuses = orderEvents(req.clientOrderId).map((e) => e.order.status)
        expect(statuses[0]).toBe('accepted')
        expect(statuses.at(-1)).toBe('filled')
        for (const e of orderEvents(req.clientOrderId)) expect(e.order.venueOrderId).toBe(receipt.venueOrderId)
        const fills = executions(req.clientOrderId)
        expect(fills.length).toBeGreaterThan(0)
        expect(filledBy(req.clientOrderId)).toBeCloseTo(req.qty, 9)
        for (const f of fills) {
          expect(f.fill.venueOrderId).toBe(receipt.venueOrderId)
          expect(f.fill.price).toBe(P)
        }
      }
      const ids = events.filter((e) => e.kind === 'execution').map((e) => (e as BrokerEventOf<'execution'>).fill.execId)
      expect(ids.length).toBeGreaterThanOrEqual(2)
      expect(new Set(ids).size).toBe(ids.length)
    })

    it('getOrder finds an order by client id and by venue id, and answers undefined for an unknown one', async () => {
      const {cid, venueOrderId} = await restingLimit(90)
      const byClient = await settle(broker.getOrder({clientOrderId: cid}), 'getOrder by client id')
      const byVenue = await settle(broker.getOrder({venueOrderId}), 'getOrder by venue id')
      for (const s of [byClient, byVenue]) {
        expect(s).toBeDefined()
        expect(s!.clientOrderId).toBe(cid)
        expect(s!.venueOrderId).toBe(venueOrderId)
        expect(s!.status).toBe('accepted')
        expect(s!.limitPrice).toBe(90)
        expect(s!.qty).toBe(2)
        expect(s!.filledQty).toBe(0)
      }
      expect(await settle(broker.getOrder({clientOrderId: `unknown-${idCounter}`}), 'getOrder unknown')).toBeUndefined()
    })

    it('openOrders lists a resting limit and not a filled order', async () => {
      const resting = await restingLimit(90)
      const filled = request('buy', 'market', 1)
      await submitAndWaitFilled(filled)
      const open = await settle(broker.openOrders(h.symbol), 'openOrders(symbol)')
      const all = await settle(broker.openOrders(), 'openOrders()')
      for (const list of [open, all]) {
        const ids = list.map((o) => o.clientOrderId)
        expect(ids).toContain(resting.cid)
        expect(ids).not.toContain(filled.clientOrderId)
      }
    })

    it('cancel of a resting limit yields a canceled event and a terminal order', async () => {
      const {cid} = await restingLimit(90)
      await settle(broker.cancelOrder({clientOrderId: cid}), 'cancel')
      await until(() => lastStatus(cid) === 'canceled', 'canceled event')
      const s = await settle(broker.getOrder({clientOrderId: cid}), 'getOrder after cancel')
      expect(s?.status).toBe('canceled')
      expect((await settle(broker.openOrders(h.symbol), 'openOrders')).map((o) => o.clientOrderId)).not.toContain(cid)
      // Terminal: the market reaching the old limit no longer fills it.
      await h.setMarket(90)
      await h.advance(1_000)
      expect(executions(cid)).toHaveLength(0)
      expect(lastStatus(cid)).toBe('canceled')
    })

    it('cancel of a filled or an unknown order is OrderNotFoundError, final and not retryable', async () => {
      const req = request('buy', 'market', 1)
      const venueOrderId = await submitAndWaitFilled(req)
      for (const ref of [{clientOrderId: req.clientOrderId}, {venueOrderId}, {clientOrderId: `unknown-${idCounter}`}]) {
        const err = await rejection(broker.cancelOrder(ref), `cancel ${JSON.stringify(ref)}`)
        expect(err).toBeInstanceOf(OrderNotFoundError)
        expect((err as OrderNotFoundError).retryable).toBe(false)
        expect(isRetryable(err)).toBe(false)
      }
      expect(lastStatus(req.clientOrderId)).toBe('filled')
    })

    it('a duplicate client order id is DuplicateClientOrderIdError and leaves the first order alone', async () => {
      const {cid, venueOrderId} = await restingLimit(90)
      const again: OrderRequest = {...request('buy', 'limit', 3, {limitPrice: 80}), clientOrderId: cid}
      const before = orderEvents(cid).length
      const err = await rejection(broker.submitOrder(again), 'duplicate submit')
      expect(err).toBeInstanceOf(DuplicateClientOrderIdError)
      expect(isRetryable(err)).toBe(false)
      await h.advance(500)
      expect(orderEvents(cid)).toHaveLength(before)
      const s = await settle(broker.getOrder({clientOrderId: cid}), 'getOrder')
      expect(s).toMatchObject({venueOrderId, qty: 2, limitPrice: 90, status: 'accepted'})
    })

    it('invalid quantity and off-tick price are InvalidOrderError, and nothing is created', async () => {
      const bad: OrderRequest[] = [
        request('buy', 'limit', 0, {limitPrice: 90}),
        request('buy', 'limit', -1, {limitPrice: 90}),
        request('buy', 'limit', 1, {limitPrice: 90 + inst.tickSize / 2}),
        request('buy', 'limit', 1),
      ]
      for (const req of bad) {
        const err = await rejection(broker.submitOrder(req), `submit ${JSON.stringify(req)}`)
        expect(err).toBeInstanceOf(InvalidOrderError)
        expect(isRetryable(err)).toBe(false)
        expect(await settle(broker.getOrder({clientOrderId: req.clientOrderId}), 'getOrder')).toBeUndefined()
      }
      await h.advance(500)
      for (const req of bad) expect(orderEvents(req.clientOrderId)).toHaveLength(0)
    })

    it('an order beyond buying power is InsufficientFundsError and nothing is created', async () => {
      const acct = await settle(broker.account(), 'account')
      const lev = inst.contract === 'linear_perpetual' ? inst.leverage : 1
      const qty = Math.ceil(((acct.buyingPower * lev) / P) * 2)
      const req = request('buy', 'limit', qty, {limitPrice: P})
      const err = await rejection(broker.submitOrder(req), 'oversized submit')
      expect(err).toBeInstanceOf(InsufficientFundsError)
      expect(isRetryable(err)).toBe(false)
      expect(await settle(broker.getOrder({clientOrderId: req.clientOrderId}), 'getOrder')).toBeUndefined()
    })

    it('positions() and account() reflect a fill', async () => {
      const before = await settle(broker.account(), 'account before')
      const req = request('buy', 'market', 2)
      await submitAndWaitFilled(req)
      const fills = executions(req.clientOrderId).map((e) => e.fill)
      const fee = fills.reduce((s, f) => s + f.fee, 0)
      const notional = fills.reduce((s, f) => s + f.qty * f.price, 0)
      expect(notional).toBeCloseTo(2 * P, 9)

      const pos = (await settle(broker.positions(), 'positions')).filter((p) => p.symbol === h.symbol)
      expect(pos).toHaveLength(1)
      expect(pos[0]).toMatchObject({side: hedge ? 'long' : 'net', qty: 2, avgPrice: P})

      const after = await settle(broker.account(), 'account after')
      const cashMove = inst.contract === 'linear_perpetual' ? -fee : -(notional + fee)
      expect(after.cash).toBeCloseTo(before.cash + cashMove, 6)
      expect(after.fees).toBeCloseTo(before.fees + fee, 9)
      // Marked at the fill price, the position is worth what was paid: equity moves by the fee only.
      expect(after.equity).toBeCloseTo(before.equity - fee, 6)
    })

    it('executionsSince returns the fill once, and not from a time after it', async () => {
      const req = request('buy', 'market', 1)
      const receipt = await settle(broker.submitOrder(req), 'submit')
      await h.setMarket(P)
      await until(() => executions(req.clientOrderId).length > 0, 'execution event')
      const streamed = executions(req.clientOrderId).map((e) => e.fill)
      const polled = (await settle(broker.executionsSince(receipt.ts), 'executionsSince')).filter((f) => f.clientOrderId === req.clientOrderId)
      expect(polled.map((f) => f.execId)).toEqual(streamed.map((f) => f.execId))
      expect(new Set(polled.map((f) => f.execId)).size).toBe(polled.length)
      expect(polled[0]).toMatchObject({qty: 1, price: P, side: 'buy', symbol: h.symbol})
      const last = polled.at(-1)!.ts
      const later = await settle(broker.executionsSince(last + 1), 'executionsSince later')
      expect(later.filter((f) => f.clientOrderId === req.clientOrderId)).toHaveLength(0)
    })

    it('events of one kind arrive in venue order', async () => {
      const reqs = [request('buy', 'market', 1), request('buy', 'market', 2), request('buy', 'limit', 1, {limitPrice: 90})]
      for (const r of reqs) await settle(broker.submitOrder(r), 'submit')
      await h.setMarket(P)
      await h.setMarket(90)
      await until(() => reqs.every(isFilled), 'all fills')
      await h.advance(1_000)
      for (const kind of ['order', 'execution', 'position', 'account'] as const) {
        const ts = events.filter((e) => e.kind === kind).map((e) => e.ts)
        expect(ts.length).toBeGreaterThan(0)
        for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThanOrEqual(ts[i - 1])
      }
      for (const r of reqs) {
        const ranks = orderEvents(r.clientOrderId).map((e) => STATUS_RANK[e.order.status])
        for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThanOrEqual(ranks[i - 1])
        const filled = orderEvents(r.clientOrderId).map((e) => e.order.filledQty)
        for (let i = 1; i < filled.length; i++) expect(filled[i]).toBeGreaterThanOrEqual(filled[i - 1])
      }
      const streamed = events.filter((e) => e.kind === 'execution').map((e) => (e as BrokerEventOf<'execution'>).fill.execId)
      const polled = (await settle(broker.executionsSince(0), 'executionsSince')).map((f) => f.execId)
      expect(streamed).toEqual(polled.filter((id) => streamed.includes(id)))
    })

    it('a partial fill then a cancel keeps the filled quantity and ends canceled', async () => {
      const {cid} = await restingLimit(95, 10)
      await h.setMarket(95, 5 / h.participation)
      await until(() => executions(cid).length > 0 && lastStatus(cid) === 'partially_filled', 'partial fill')
      expect(filledBy(cid)).toBeCloseTo(5, 9)
      expect(lastStatus(cid)).toBe('partially_filled')
      await settle(broker.cancelOrder({clientOrderId: cid}), 'cancel')
      await until(() => lastStatus(cid) === 'canceled', 'canceled event')
      const s = await settle(broker.getOrder({clientOrderId: cid}), 'getOrder')
      expect(s).toMatchObject({status: 'canceled', filledQty: 5, qty: 10, avgFillPrice: 95})
      await h.setMarket(95)
      await h.advance(1_000)
      expect(filledBy(cid)).toBeCloseTo(5, 9)
    })

    it('amend moves a resting limit to a new price', async () => {
      const {cid, venueOrderId} = await restingLimit(90)
      await h.setMarket(95)
      await h.advance(500)
      expect(executions(cid)).toHaveLength(0)
      await settle(broker.amendOrder({venueOrderId}, {limitPrice: 95}), 'amend')
      await until(() => orderEvents(cid).some((e) => e.order.limitPrice === 95), 'amended order event')
      expect((await settle(broker.getOrder({clientOrderId: cid}), 'getOrder'))?.limitPrice).toBe(95)
      await h.setMarket(95)
      await until(() => lastStatus(cid) === 'filled' && executions(cid).length > 0, 'fill at the amended price')
      expect(executions(cid).map((e) => e.fill.price)).toEqual([95])
    })

    it('hedge mode: a long and a short leg at once on one symbol; positionSide net is refused', async (ctx) => {
      if (!h.hedgeSymbol || broker.positionMode !== 'hedge') {
        ctx.skip()
        return
      }
      const base = {symbol: h.hedgeSymbol, type: 'market' as const, qty: 1, tif: 'gtc' as const}
      const long: OrderRequest = {...base, clientOrderId: `ct${++idCounter}-long`, side: 'buy', positionSide: 'long'}
      const short: OrderRequest = {...base, clientOrderId: `ct${++idCounter}-short`, side: 'sell', positionSide: 'short'}
      await settle(broker.submitOrder(long), 'submit long')
      await settle(broker.submitOrder(short), 'submit short')
      await h.setMarket(P)
      await until(() => isFilled(long) && isFilled(short), 'both legs filled')
      const legs = (await settle(broker.positions(), 'positions')).filter((p) => p.symbol === h.hedgeSymbol)
      expect(legs.map((p) => [p.side, p.qty])).toEqual([
        ['long', 1],
        ['short', 1],
      ])
      const net: OrderRequest = {...base, clientOrderId: `ct${++idCounter}-net`, side: 'buy', positionSide: 'net'}
      expect(await rejection(broker.submitOrder(net), 'net in hedge mode')).toBeInstanceOf(InvalidOrderError)
    })
  })
}
