/**
 * End to end: BybitAdapter → createBybitSdkTransport (the real bybit-api RestClientV5 and WebsocketClient) → the
 * exchange emulator over loopback, manual pacing. Hedge-mode orders (place, amend, cancel a reduce-only TP),
 * partial fills, a private-stream drop with a fill in the gap (found once by the REST reconcile), a 10006 burst
 * with and without the resilience layer (violations as the emulator counts them), an unknown-outcome create
 * (drop_response) resolved by orderLinkId with one venue order, closed bars from klines with a gap backfill, a
 * refused key, and finally a search of everything these tests produced for the test key and secret.
 *
 * Where it means something, the same situation runs against a naive variant that must fail the assertion.
 */
import {afterAll, describe, expect, it} from 'vitest'
import {BybitAdapter} from '../../src/adapters/bybit/bybit-adapter.js'
import {hmacHex} from '../../src/emulator/bybit/auth.js'
import {AuthenticationError, type BrokerError, RateLimitError} from '../../src/broker/errors.js'
import {BYBIT_POLICY, resilientTransport} from '../../src/broker/resilience/index.js'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {ConnectionEvent, VenueTransport} from '../../src/broker/transport.js'
import type {BrokerEventOf} from '../../src/core/events.js'
import type {OrderRequest} from '../../src/core/order.js'
import type {SubmitReceipt} from '../../src/broker/port.js'
import {BybitPublicFeed} from '../../src/adapters/bybit/public-feed.js'
import {createBybitSdkTransport} from '../../src/adapters/bybit/sdk-transport.js'
import {type BybitE2E, errorText, recordingTransport, startBybitE2E, SYMBOL, TEST_KEY, TEST_SECRET} from './bybit-e2e-harness.js'

/** Everything every test of this file produced, searched for credentials at the end. */
const produced: string[] = []
const accountSecrets: string[] = []
const opened: BybitE2E[] = []

async function open(opts: Parameters<typeof startBybitE2E>[0] = {}): Promise<BybitE2E> {
  const e = await startBybitE2E(opts)
  opened.push(e)
  return e
}

afterAll(async () => {
  for (const e of opened) await e.close().catch(() => undefined)
})

const executions = (e: BybitE2E, cid?: string) =>
  e.events.filter((x): x is BrokerEventOf<'execution'> => x.kind === 'execution' && (cid === undefined || x.fill.clientOrderId === cid))
const orderEvents = (e: BybitE2E, cid: string) => e.events.filter((x): x is BrokerEventOf<'order'> => x.kind === 'order' && x.order.clientOrderId === cid)
const lastStatus = (e: BybitE2E, cid: string) => orderEvents(e, cid).at(-1)?.order.status
const venueOrders = (e: BybitE2E, cid?: string) => e.venue.exchange.orderSnapshots().filter((o) => cid === undefined || o.clientOrderId.startsWith(cid))

function order(cid: string, over: Partial<OrderRequest> = {}): OrderRequest {
  return {clientOrderId: cid, symbol: SYMBOL, side: 'buy', type: 'limit', qty: 1, limitPrice: 90, tif: 'gtc', positionSide: 'long', ...over}
}

describe('bybit end to end (bybit-api over loopback to the emulator)', () => {
  it('hedge mode: long and short legs at once; a reduce-only take-profit on the long leg placed, amended, cancelled', async () => {
    const e = await open()
    await e.bar(100)
    await e.drive(e.adapter.submitOrder(order('h-long', {type: 'market', qty: 2, limitPrice: undefined})), 'long entry')
    await e.drive(e.adapter.submitOrder(order('h-short', {type: 'market', side: 'sell', positionSide: 'short', limitPrice: undefined})), 'short entry')
    await e.bar(100)
    await e.until(() => lastStatus(e, 'h-long') === 'filled' && lastStatus(e, 'h-short') === 'filled', 'both entries filled')

    const tp = order('h-tp', {side: 'sell', qty: 2, limitPrice: 110, reduceOnly: true})
    const receipt = await e.drive(e.adapter.submitOrder(tp), 'take-profit')
    await e.drive(e.adapter.amendOrder({clientOrderId: 'h-tp'}, {limitPrice: 105}), 'amend')
    await e.until(() => orderEvents(e, 'h-tp').some((x) => x.order.limitPrice === 105), 'amended event')
    const atVenue = venueOrders(e, 'h-tp')[0]
    expect(atVenue).toMatchObject({venueOrderId: receipt.venueOrderId, side: 'sell', positionSide: 'long', reduceOnly: true, limitPrice: 105, status: 'accepted'})
    await e.drive(e.adapter.cancelOrder({venueOrderId: receipt.venueOrderId}), 'cancel')
    await e.until(() => lastStatus(e, 'h-tp') === 'canceled', 'canceled event')

    const legs = await e.drive(e.adapter.positions(), 'positions')
    expect(legs.map((p) => [p.side, p.qty, p.avgPrice])).toEqual([['long', 2, 100], ['short', 1, 100]])
    // On the wire: the TP went to the long leg (positionIdx 1), reduce-only.
    const sent = e.record.find((l) => l.startsWith('request') && l.includes('"orderLinkId":"h-tp"') && l.includes('order/create'))
    expect(sent).toContain('"positionIdx":1')
    expect(sent).toContain('"reduceOnly":true')
    produced.push(...e.record)
  })

  it('a partial fill: 5 of 10 in one bar, the rest in the next; stream and REST executions agree', async () => {
    const e = await open()
    await e.bar(100)
    await e.drive(e.adapter.submitOrder(order('p-1', {qty: 10, limitPrice: 95})), 'submit')
    await e.bar(95, 50) // participation 0.1 × 50 = 5
    await e.until(() => lastStatus(e, 'p-1') === 'partially_filled', 'partial fill')
    expect(executions(e, 'p-1').map((x) => x.fill.qty)).toEqual([5])
    await e.bar(95, 50)
    await e.until(() => lastStatus(e, 'p-1') === 'filled', 'complete fill')
    const streamed = executions(e, 'p-1').map((x) => x.fill.execId)
    const polled = (await e.drive(e.adapter.executionsSince(0), 'executions')).filter((f) => f.clientOrderId === 'p-1')
    expect(polled.map((f) => f.execId)).toEqual(streamed)
    expect(polled.map((f) => f.qty)).toEqual([5, 5])
    expect(await e.drive(e.adapter.getOrder({clientOrderId: 'p-1'}), 'getOrder')).toMatchObject({status: 'filled', filledQty: 10, avgFillPrice: 95})
    produced.push(...e.record)
  })

  /** The private stream drops; while it is down a resting order fills; the SDK reconnects by itself. */
  async function fillDuringGap(e: BybitE2E): Promise<void> {
    await e.bar(100)
    await e.drive(e.adapter.submitOrder(order('g-mkt', {type: 'market', limitPrice: undefined})), 'market entry')
    await e.bar(100)
    await e.until(() => executions(e, 'g-mkt').length === 1, 'the first fill, streamed')
    await e.drive(e.adapter.submitOrder(order('g-lim', {qty: 2, limitPrice: 95})), 'resting limit')
    await e.until(() => lastStatus(e, 'g-lim') === 'accepted', 'limit accepted')
    const before = e.venue.stats().wsDisconnectsInjected
    e.venue.disconnectStreams()
    // The fill happens at the venue while no socket is there to carry it.
    await e.bar(95)
    expect(e.venue.stats().wsDisconnectsInjected).toBeGreaterThan(before)
    expect(e.venue.exchange.orderSnapshots().find((o) => o.clientOrderId === 'g-lim')?.status).toBe('filled')
  }

  it('a private-stream drop with a fill in the gap: the REST reconcile finds it once, the earlier fill is not applied again', async () => {
    const e = await open({transport: {reconnectMs: 300}})
    await fillDuringGap(e)
    const connections = () => e.events.filter((x): x is BrokerEventOf<'connection'> => x.kind === 'connection').map((x) => x.status)
    await e.until(() => connections().join() === 'disconnected,connected', 'reconnect and reconcile', {wallMs: 5_000})
    expect(executions(e, 'g-lim').map((x) => x.fill.qty)).toEqual([2])
    expect(executions(e, 'g-mkt')).toHaveLength(1)
    expect(lastStatus(e, 'g-lim')).toBe('filled')
    // Found over REST after the reconnect, not from the stream.
    const reconnectAt = e.record.findIndex((l) => l.startsWith('connection') && l.includes('"reconnected"'))
    expect(reconnectAt).toBeGreaterThan(0)
    expect(e.record.slice(reconnectAt).some((l) => l.startsWith('request') && l.includes('/v5/execution/list'))).toBe(true)
    const all = executions(e).map((x) => x.fill.execId)
    expect(new Set(all).size).toBe(all.length)
    produced.push(...e.record)
  })

  it('naive variant — trusting the stream again without the REST reconcile — never learns of the fill in the gap', async () => {
    const hideReconnects = (t: VenueTransport): VenueTransport => ({
      ...t,
      venue: t.venue,
      request: (r) => t.request(r),
      subscribe: (s) => t.subscribe(s),
      onFrame: (h) => t.onFrame(h),
      onConnection: (h) => t.onConnection((ev: ConnectionEvent) => (ev.kind === 'reconnected' ? undefined : h(ev))),
      close: () => t.close(),
    })
    const e = await open({transport: {reconnectMs: 300}, wrap: hideReconnects})
    await fillDuringGap(e)
    await e.until(() => e.record.some((l) => l.startsWith('frame') && l.includes('"op":"subscribe"') && l.includes('emu-private-2')), 'the stream resubscribed')
    await e.bar(100)
    await e.advance(1_000)
    expect(executions(e, 'g-lim')).toHaveLength(0)
    expect(lastStatus(e, 'g-lim')).toBe('accepted')
    produced.push(...e.record)
  })

  it('a 10006 burst: without a budget the venue refuses the excess (RateLimitError with the reset header, no order); through the resilience layer: 0 violations', async () => {
    const N = 20
    const burst = async (e: BybitE2E, tag: string) =>
      Promise.allSettled(Array.from({length: N}, (_, i) => e.drive(e.adapter.submitOrder(order(`${tag}-${i}`, {limitPrice: 50 + i * 0.1})), `burst ${i}`, {wallMs: 15_000})))

    const naive = await open()
    await naive.bar(100)
    const raw = await burst(naive, 'raw')
    const refused = raw.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as BrokerError)
    expect(refused.length).toBeGreaterThan(0)
    for (const err of refused) {
      expect(err).toBeInstanceOf(RateLimitError)
      expect(err.code).toBe('10006')
      expect((err as RateLimitError).resetAt).toBeGreaterThan(Date.now() - 5_000)
    }
    expect(venueOrders(naive, 'raw-')).toHaveLength(N - refused.length)
    expect(naive.venue.stats().rateLimitViolations).toBe(refused.length)
    // Every private answer carried the limit headers.
    const answers = naive.record.filter((l) => l.startsWith('response') && l.includes('"retCode"'))
    expect(answers.every((l) => l.includes('x-bapi-limit-reset-timestamp') || l.includes('"retMsg":"OK","result":{"timeSecond"'))).toBe(true)

    const t0 = Date.now()
    const budgeted = await open({wrap: (t) => resilientTransport(t, BYBIT_POLICY, {}, {seed: 1})})
    await budgeted.bar(100)
    const outcomes = await burst(budgeted, 'res')
    expect(outcomes.filter((r) => r.status === 'rejected')).toEqual([])
    expect(venueOrders(budgeted, 'res-')).toHaveLength(N)
    expect(budgeted.venue.stats().rateLimitViolations).toBe(0)
    expect(Date.now() - t0).toBeLessThan(10_000)
    produced.push(...naive.record, ...budgeted.record, ...refused.map(errorText))
  })

  it('an unknown-outcome create (the venue acts, the answer is lost) is resolved by orderLinkId: one venue order; a naive resend makes two', async () => {
    const e = await open()
    await e.bar(100)
    e.venue.armFault({kind: 'drop_response', endpoint: 'POST /v5/order/create'})
    const receipt = await e.drive(e.adapter.submitOrder(order('u-1')), 'submit through a dropped answer')
    expect(venueOrders(e, 'u-')).toHaveLength(1)
    expect(receipt.venueOrderId).toBe(venueOrders(e, 'u-')[0].venueOrderId)
    const i = e.record.findIndex((l) => l.startsWith('request-error'))
    expect(e.record[i]).toContain('RequestTimeoutError')
    expect(e.record[i + 1]).toMatch(/^request .*GET \/v5\/order\/realtime.*"orderLinkId":"u-1"/)
    produced.push(...e.record)

    // The old bot: an error means "not placed", so it places again under a new id.
    class NaiveAdapter extends BybitAdapter {
      protected override async resolveUnknownCreate(_req: OrderRequest, cause: BrokerError): Promise<SubmitReceipt> {
        throw cause
      }
    }
    const n = await open({makeAdapter: (o) => new NaiveAdapter(o)})
    await n.bar(100)
    n.venue.armFault({kind: 'drop_response', endpoint: 'POST /v5/order/create'})
    let attempt = 0
    for (;;) {
      try {
        await n.drive(n.adapter.submitOrder(order(`u-1-r${attempt}`)), 'naive submit')
        break
      } catch {
        attempt++
      }
    }
    expect(venueOrders(n, 'u-1')).toHaveLength(2)
    produced.push(...n.record)
  })

  it('closed bars from kline.1.<symbol>: each bar once (the unconfirmed update is not a bar); bars closed during a stream gap come from REST', async () => {
    const e = await open({transport: {reconnectMs: 300}})
    const bars: FeedBar[] = []
    await e.drive(e.adapter.subscribeBars([SYMBOL], 60_000, (b) => bars.push(b)), 'subscribe bars')
    await e.bar(100, 400)
    await e.bar(101, 400)
    await e.until(() => bars.length === 2, 'two bars')
    const klineFrames = e.record.filter((l) => l.startsWith('frame') && l.includes('"topic":"kline.1.BTCUSDT"'))
    // A naive feed (every kline frame a bar) would have delivered this many.
    expect(klineFrames.length).toBe(4)
    expect(bars.map((b) => [b.close, b.volume, b.tfMs])).toEqual([[100, 400, 60_000], [101, 400, 60_000]])

    e.venue.disconnectStreams()
    await e.bar(102)
    await e.bar(103)
    await e.until(() => bars.length === 4, 'the gap backfilled', {wallMs: 5_000})
    await e.bar(104)
    await e.until(() => bars.length === 5, 'the stream again')
    expect(bars.map((b) => b.close)).toEqual([100, 101, 102, 103, 104])
    expect(new Set(bars.map((b) => b.ts)).size).toBe(5)
    expect(e.record.some((l) => l.startsWith('request') && l.includes('/v5/market/kline'))).toBe(true)
    produced.push(...e.record)
  })

  it('a refused key: connect() fails with one line, before any subscription, and the echoed signed text is scrubbed', async () => {
    const e = await open({connect: false, clientCredentials: {key: TEST_KEY, secret: `${TEST_SECRET.slice(0, -1)}X`}})
    const err = await e.drive(e.adapter.connect(), 'connect').catch((x: unknown) => x)
    produced.push(...e.record, errorText(err))
    expect(err).toBeInstanceOf(AuthenticationError)
    const msg = (err as Error).message
    expect(msg).not.toContain('\n')
    expect(msg).toContain('10004')
    expect(msg).toContain('[redacted]')
    expect(e.record.some((l) => l.startsWith('subscribe'))).toBe(false)

    // What the venue itself sends back holds the key: a transport passing bodies on verbatim would leak it.
    const ts = String(Date.now())
    const res = await fetch(`${e.server.url}/v5/account/wallet-balance?accountType=UNIFIED`, {
      headers: {'X-BAPI-API-KEY': TEST_KEY, 'X-BAPI-TIMESTAMP': ts, 'X-BAPI-RECV-WINDOW': '5000', 'X-BAPI-SIGN': hmacHex('wrong', 'x')},
    })
    expect(await res.text()).toContain(TEST_KEY)
  })

  it('several accounts in one process (GRID-09): one public feed shared by all; each account its own transport, so a refused key or a dropped stream stays with its account', async () => {
    const creds = ['A', 'B', 'C'].map((x) => ({key: `${TEST_KEY.slice(0, 16)}${x}1`, secret: `${TEST_SECRET.slice(0, 34)}${x}1`}))
    accountSecrets.push(...creds.flatMap((c) => [c.key, c.secret]))
    // The market's public endpoints, and one credential-free transport for everybody's bars.
    const market = await open({connect: false})
    const feedTransport = recordingTransport(await createBybitSdkTransport({baseUrl: market.server.url, wsUrl: market.server.wsUrl}), produced)
    const feed = new BybitPublicFeed({transport: feedTransport, clock: {now: () => market.venue.now()}})
    const [a, b, c] = await Promise.all(creds.map((cr, i) => open({venueCredentials: cr, clientCredentials: i === 1 ? {...cr, secret: creds[0].secret} : cr, connect: false, adapter: {feed}})))
    await a.drive(a.adapter.connect(), 'connect A')
    await c.drive(c.adapter.connect(), 'connect C')
    expect(await b.drive(b.adapter.connect(), 'connect B').catch((x: unknown) => x)).toBeInstanceOf(AuthenticationError)

    const got: Record<string, number[]> = {A: [], B: [], C: []}
    for (const [name, acct] of [['A', a], ['B', b], ['C', c]] as const) await acct.drive(acct.adapter.subscribeBars([SYMBOL], 60_000, (bar) => got[name].push(bar.close)), `bars ${name}`)
    await market.bar(100)
    await market.bar(101)
    await market.until(() => got.A.length === 2 && got.B.length === 2 && got.C.length === 2, 'bars everywhere')
    expect(got).toEqual({A: [100, 101], B: [100, 101], C: [100, 101]})
    // One socket carried the public data of all three accounts; no account transport opened one.
    expect(market.venue.stats().wsConnections).toBe(1)
    for (const acct of [a, b, c]) expect(acct.record.some((l) => l.includes('public.linear'))).toBe(false)

    c.venue.disconnectStreams()
    await a.bar(100)
    await a.drive(a.adapter.submitOrder(order('acct-a-1', {type: 'market', limitPrice: undefined})), 'A trades meanwhile')
    await c.until(() => c.events.filter((x) => x.kind === 'connection').length === 2, 'C reconnected and reconciled')
    expect(a.events.filter((x) => x.kind === 'connection')).toEqual([])
    await feedTransport.close()
    produced.push(...market.record, ...a.record, ...b.record, ...c.record)
  })

  it('nothing these tests produced (traffic, errors, SDK logs, decode reports) holds the test key or secret', () => {
    expect(produced.length).toBeGreaterThan(100)
    const secrets = [TEST_KEY, TEST_SECRET, TEST_SECRET.slice(0, 12), ...accountSecrets]
    const hits = produced.filter((l) => secrets.some((s) => l.includes(s)))
    expect(hits).toEqual([])
  })
})
