/**
 * createBybitSdkTransport with the real bybit-api clients against the emulator over loopback: what an answer is
 * (any HTTP status, any retCode, body verbatim, the X-Bapi-Limit-* headers recovered from the SDK's rateLimitApi),
 * what no answer is (RequestTimeoutError when the request may have arrived, NetworkError when it cannot have), that
 * no credential is in any of it, and how the streams report their state (reconnected only after the venue confirmed
 * every topic again; heartbeats are not frames; a refused auth is AuthenticationError).
 */
import {afterEach, describe, expect, it} from 'vitest'
import {createBybitSdkTransport, type BybitSdkTransportOptions} from '../../src/adapters/bybit/sdk-transport.js'
import {AuthenticationError, FinalError, NetworkError, RequestTimeoutError} from '../../src/broker/errors.js'
import type {ConnectionEvent, RawFrame, VenueTransport} from '../../src/broker/transport.js'
import {defaultInstrument} from '../../src/core/instrument.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {bybitProtocolWith} from '../../src/emulator/bybit/index.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import type {ProtocolFactory} from '../../src/emulator/venue-api.js'
import {errorText, ioTurn, TEST_KEY, TEST_SECRET} from './bybit-e2e-harness.js'

let venue: ControlledVenue
let server: RunningEmulator
const transports: VenueTransport[] = []

async function setup(protocol: ProtocolFactory = bybitProtocolWith(), opts: Partial<BybitSdkTransportOptions> = {}): Promise<VenueTransport> {
  venue = createEmulatedVenue({
    venue: 'bybit', credentials: {key: TEST_KEY, secret: TEST_SECRET}, instruments: [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')],
    // Hedge mode: the orders below name their leg (positionIdx 1); Bybit's and the emulator's default is one-way.
    pacing: {mode: 'manual'}, sim: {cash: 10_000, positionMode: 'hedge'},
  })
  server = await startEmulatorServer({venue, protocol})
  return transport(opts)
}

async function transport(opts: Partial<BybitSdkTransportOptions> = {}): Promise<VenueTransport> {
  const t = await createBybitSdkTransport({credentials: {key: TEST_KEY, secret: TEST_SECRET}, baseUrl: server.url, wsUrl: server.wsUrl, requestTimeoutMs: 2_000, reconnectMs: 20, ...opts})
  transports.push(t)
  return t
}

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close()
  await server?.close()
  await venue?.stop()
})

const clean = (text: string) => !text.includes(TEST_KEY) && !text.includes(TEST_SECRET)

async function until(cond: () => boolean, what: string, wallMs = 3_000): Promise<void> {
  const end = Date.now() + wallMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${wallMs} ms`)
    await ioTurn()
  }
}

describe('bybit sdk transport: answers', () => {
  it('a 200 answer: the venue body verbatim (the SDK field rateLimitApi taken off) and the X-Bapi-Limit headers', async () => {
    const t = await setup()
    const res = await t.request({endpoint: 'GET /v5/account/wallet-balance', params: {accountType: 'UNIFIED'}})
    expect(res.status).toBe(200)
    expect(Object.keys(res.body as object)).toEqual(['retCode', 'retMsg', 'result', 'retExtInfo', 'time'])
    expect(res.headers['x-bapi-limit']).toBe('50')
    expect(res.headers['x-bapi-limit-status']).toBe('49')
    expect(Number(res.headers['x-bapi-limit-reset-timestamp'])).toBeGreaterThan(Date.now() - 5_000)
    // A refusal is an answer too (resolved by the SDK): returned as it came.
    const bad = await t.request({endpoint: 'GET /v5/account/wallet-balance', params: {accountType: 'CONTRACT'}})
    expect(bad.body).toMatchObject({retCode: 10001, retMsg: 'params error: accountType only support UNIFIED'})
  })

  it('an HTTP error (the IP limit: 403) is an answer with its status and body, and carries no credential', async () => {
    const t = await setup(bybitProtocolWith({ipRule: {bucket: 'ip', limit: 2, windowMs: 60_000}}))
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await t.request({endpoint: 'GET /v5/position/list', params: {category: 'linear', settleCoin: 'USDT'}}))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 403])
    expect(answers[2].body).toBe('access too frequent')
    expect(clean(JSON.stringify(answers))).toBe(true)
  })

  it('no answer: a timeout and a connection cut after the venue acted are RequestTimeoutError; a refused connection is NetworkError; none carries a credential', async () => {
    const t = await setup(bybitProtocolWith(), {})
    const quick = await transport({requestTimeoutMs: 150})
    venue.armFault({kind: 'delay', ms: 600, endpoint: 'GET /v5/position/list'})
    const slow = await quick.request({endpoint: 'GET /v5/position/list', params: {category: 'linear', settleCoin: 'USDT'}}).catch((e: unknown) => e)
    expect(slow).toBeInstanceOf(RequestTimeoutError)

    venue.armFault({kind: 'drop_response', endpoint: 'POST /v5/order/create'})
    const dropped = await t.request({endpoint: 'POST /v5/order/create', params: {category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '1', price: '50', positionIdx: 1, orderLinkId: 'drop-1'}}).catch((e: unknown) => e)
    expect(dropped).toBeInstanceOf(RequestTimeoutError)
    // The venue did act: the order is there.
    expect(venue.exchange.orderSnapshots().map((o) => o.clientOrderId)).toEqual(['drop-1'])

    const gone = server.url
    await server.close()
    const nowhere = await createBybitSdkTransport({credentials: {key: TEST_KEY, secret: TEST_SECRET}, baseUrl: gone, requestTimeoutMs: 1_000})
    transports.push(nowhere)
    const refused = await nowhere.request({endpoint: 'GET /v5/position/list', params: {category: 'linear', settleCoin: 'USDT'}}).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(NetworkError)
    expect(refused).not.toBeInstanceOf(RequestTimeoutError)
    for (const err of [slow, dropped, refused]) expect(clean(errorText(err))).toBe(true)
  })

  it('a transport without credentials serves public data and refuses private calls before sending them', async () => {
    await setup()
    const pub = await createBybitSdkTransport({baseUrl: server.url, wsUrl: server.wsUrl})
    transports.push(pub)
    const time = await pub.request({endpoint: 'GET /v5/market/time', params: {}})
    expect((time.body as {result: {timeNano: string}}).result.timeNano).toMatch(/^\d+$/)
    const before = venue.stats().requests
    await expect(pub.request({endpoint: 'GET /v5/position/list', params: {category: 'linear', settleCoin: 'USDT'}})).rejects.toBeInstanceOf(AuthenticationError)
    await expect(pub.subscribe({stream: 'private', topics: ['order']})).rejects.toBeInstanceOf(AuthenticationError)
    expect(venue.stats().requests).toBe(before)
  })
})

describe('bybit sdk transport: streams', () => {
  it('reconnected is reported only after the venue confirmed every topic again; heartbeats are not frames', async () => {
    const t = await setup(bybitProtocolWith(), {pingIntervalMs: 25})
    const log: string[] = []
    const frames: RawFrame[] = []
    t.onFrame((f) => {
      frames.push(f)
      const d = f.data as {op?: string; conn_id?: string}
      log.push(`frame ${d.op ?? 'data'} ${d.conn_id ?? ''}`)
    })
    t.onConnection((e: ConnectionEvent) => log.push(`${e.kind} ${e.stream}`))
    await t.subscribe({stream: 'private', topics: ['order', 'execution', 'position', 'wallet']})
    expect(log).toEqual(['frame auth emu-private-1', 'frame subscribe emu-private-1', 'connected private'])
    // Several heartbeats go by.
    const until100 = Date.now() + 120
    await until(() => Date.now() > until100, 'heartbeats')
    expect(frames.some((f) => /pong|ping/.test(JSON.stringify(f.data)))).toBe(false)

    venue.disconnectStreams()
    await until(() => log.includes('reconnected private'), 'reconnected')
    expect(log.slice(3)).toEqual(['disconnected private', 'frame auth emu-private-2', 'frame subscribe emu-private-2', 'reconnected private'])
  })

  it('a refused websocket auth rejects the subscription with AuthenticationError, without a credential, and stops retrying', async () => {
    await setup()
    const bad = await transport({credentials: {key: TEST_KEY, secret: 'x'.repeat(36)}})
    const err = await bad.subscribe({stream: 'private', topics: ['order']}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthenticationError)
    expect((err as Error).message).toContain('signature verification failed')
    expect(clean(errorText(err))).toBe(true)
    const sockets = venue.stats().wsConnections
    const later = Date.now() + 100
    await until(() => Date.now() > later, 'time to retry')
    expect(venue.stats().wsConnections).toBe(sockets)
  })

  it('a topic the venue does not serve is refused (FinalError), a served one confirmed', async () => {
    const t = await setup()
    await expect(t.subscribe({stream: 'public.linear', topics: ['tickers.BTCUSDT']})).rejects.toBeInstanceOf(FinalError)
    await t.subscribe({stream: 'public.linear', topics: ['kline.1.BTCUSDT']})
    await expect(t.subscribe({stream: 'spot', topics: ['kline.1.BTCUSDT']})).rejects.toThrow(/unknown stream/)
  })
})
