/**
 * Position modes end to end: the Bybit adapter (real bybit-api transport) against the emulator over loopback.
 * The emulator starts in one-way mode (Bybit's default); a session that asks for hedge mode gets it through
 * POST /v5/position/switch-mode at connect, a session already in its mode sees 110025 and goes on, and a switch is
 * refused while the symbol has a position or open orders, as Bybit refuses it.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {BybitAdapter} from '../../src/adapters/bybit/bybit-adapter.js'
import {PositionModeSwitchRefused} from '../../src/adapters/bybit/position-mode.js'
import {createBybitSdkTransport} from '../../src/adapters/bybit/sdk-transport.js'
import type {VenueTransport} from '../../src/broker/transport.js'
import {defaultInstrument, type PositionMode} from '../../src/core/instrument.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {bybitProtocolWith} from '../../src/emulator/bybit/index.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import {ioTurn, TEST_KEY, TEST_SECRET, wallScheduler} from './bybit-e2e-harness.js'

const BTC = defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')
const ETH = defaultInstrument('ETHUSDT', 'crypto_perp', 'bybit')

let venue: ControlledVenue
let server: RunningEmulator
const transports: VenueTransport[] = []
const adapters: BybitAdapter[] = []

async function start(sim: Parameters<typeof createEmulatedVenue>[0]['sim'] = {}): Promise<void> {
  venue = createEmulatedVenue({venue: 'bybit', credentials: {key: TEST_KEY, secret: TEST_SECRET}, instruments: [BTC, ETH], pacing: {mode: 'manual'}, sim: {cash: 10_000, ...sim}})
  // A price to trade at: the first bar of each symbol.
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) await venue.pushBar({symbol, ts: venue.now(), tfMs: 60_000, open: 30_000, high: 30_000, low: 30_000, close: 30_000, volume: 1_000})
  server = await startEmulatorServer({venue, protocol: bybitProtocolWith()})
}

async function transport(): Promise<VenueTransport> {
  const t = await createBybitSdkTransport({credentials: {key: TEST_KEY, secret: TEST_SECRET}, baseUrl: server.url, wsUrl: server.wsUrl, requestTimeoutMs: 2_000, reconnectMs: 20})
  transports.push(t)
  return t
}

async function adapter(opts: {positionMode?: PositionMode; symbolPositionModes?: Record<string, PositionMode>}, log?: string[]): Promise<BybitAdapter> {
  const inner = await transport()
  const t: VenueTransport = log
    ? {...inner, request: (req) => (log.push(req.endpoint), inner.request(req)), onFrame: (h) => inner.onFrame(h), onConnection: (h) => inner.onConnection(h), subscribe: (s) => inner.subscribe(s), close: () => inner.close()}
    : inner
  const a = new BybitAdapter({transport: t, clock: {now: () => venue.now()}, scheduler: wallScheduler, instruments: [BTC, ETH], ...opts})
  adapters.push(a)
  return a
}

/** A raw signed request, as a client other than the adapter would send it. */
async function switchMode(body: Record<string, unknown>): Promise<{retCode: number; retMsg: string}> {
  const res = await (await transport()).request({endpoint: 'POST /v5/position/switch-mode', params: body})
  return res.body as {retCode: number; retMsg: string}
}

afterEach(async () => {
  for (const a of adapters.splice(0)) await a.close().catch(() => undefined)
  for (const t of transports.splice(0)) await t.close().catch(() => undefined)
  await server?.close()
  await venue?.stop()
})

describe('position modes through the adapter and the emulator', () => {
  it('the emulator runs one-way by default: positionIdx 0 orders trade, hedge legs are refused', async () => {
    await start()
    expect(venue.broker.positionModeOf?.('BTCUSDT')).toBe('netting')
    const a = await adapter({positionMode: 'netting'})
    await a.connect()
    const ok = await a.submitOrder({clientOrderId: 'ow-1', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.01, limitPrice: 29_000, tif: 'gtc'})
    expect(ok.venueOrderId).toMatch(/^B/)
    const legErr = await a.submitOrder({clientOrderId: 'ow-2', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.01, limitPrice: 29_000, tif: 'gtc', positionSide: 'long'}).catch((e: unknown) => e)
    expect(String((legErr as Error).message)).toMatch(/position idx not match position mode/)
  })

  it('a hedge session switches the account at connect; a second connect finds it so (110025) and goes on', async () => {
    await start()
    const log: string[] = []
    const a = await adapter({positionMode: 'hedge'}, log)
    await a.connect()
    expect(log.filter((e) => e === 'POST /v5/position/switch-mode')).toHaveLength(2) // one per perpetual
    expect(venue.broker.positionModeOf?.('BTCUSDT')).toBe('hedge')
    expect(venue.broker.positionModeOf?.('ETHUSDT')).toBe('hedge')
    const leg = await a.submitOrder({clientOrderId: 'h-1', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.01, limitPrice: 29_000, tif: 'gtc', positionSide: 'long'})
    expect(leg.venueOrderId).toMatch(/^B/)
    // The position list now shows both legs of a hedged symbol.
    const res = await (await transport()).request({endpoint: 'GET /v5/position/list', params: {category: 'linear', symbol: 'BTCUSDT'}})
    expect((res.body as {result: {list: {positionIdx: number}[]}}).result.list.map((p) => p.positionIdx)).toEqual([1, 2])
    // Already in the mode: the venue says 110025 and nothing changes.
    expect(await switchMode({category: 'linear', symbol: 'ETHUSDT', mode: 3})).toMatchObject({retCode: 110025, retMsg: 'Position mode is not modified'})
    const again = await adapter({positionMode: 'hedge'})
    await expect(again.connect()).resolves.toBeUndefined()
  })

  it('per symbol: only the named symbol is hedged', async () => {
    await start()
    const a = await adapter({positionMode: 'netting', symbolPositionModes: {ETHUSDT: 'hedge'}})
    await a.connect()
    expect(venue.broker.positionModeOf?.('BTCUSDT')).toBe('netting')
    expect(venue.broker.positionModeOf?.('ETHUSDT')).toBe('hedge')
    expect(a.positionModeOf('ETHUSDT')).toBe('hedge')
  })

  it('refuses a switch while the symbol has open orders or a position; the session stops at connect in one line', async () => {
    await start()
    const oneWay = await adapter({positionMode: 'netting'})
    await oneWay.connect()
    await oneWay.submitOrder({clientOrderId: 'open-1', symbol: 'BTCUSDT', side: 'buy', type: 'limit', qty: 0.01, limitPrice: 29_000, tif: 'gtc'})
    expect(await switchMode({category: 'linear', symbol: 'BTCUSDT', mode: 3})).toMatchObject({retCode: 110028})
    const hedge = await adapter({positionMode: 'hedge'})
    const err = await hedge.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PositionModeSwitchRefused)
    expect((err as Error).message).toMatch(/^bybit: cannot switch BTCUSDT to hedge mode \(.*Open orders exist.*\); close its position and cancel its orders on Bybit, or run the session with positionMode: one-way$/)
    expect(venue.broker.positionModeOf?.('BTCUSDT')).toBe('netting')
    // A filled order leaves a position: still refused, now for the position.
    await oneWay.cancelOrder({clientOrderId: 'open-1'})
    await oneWay.submitOrder({clientOrderId: 'fill-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.01, tif: 'gtc'})
    await venue.pushBar({symbol: 'BTCUSDT', ts: venue.now(), tfMs: 60_000, open: 30_000, high: 30_000, low: 30_000, close: 30_000, volume: 1_000})
    for (let i = 0; i < 5; i++) await ioTurn()
    expect(await switchMode({category: 'linear', symbol: 'BTCUSDT', mode: 3})).toMatchObject({retCode: 110024})
    // By coin: the flat symbol switches, the one with a position keeps its mode.
    expect(await switchMode({category: 'linear', coin: 'USDT', mode: 3})).toMatchObject({retCode: 0})
    expect(venue.broker.positionModeOf?.('BTCUSDT')).toBe('netting')
    expect(venue.broker.positionModeOf?.('ETHUSDT')).toBe('hedge')
    expect(await switchMode({category: 'linear', symbol: 'BTCUSDT', mode: 2})).toMatchObject({retCode: 10001})
  })
})
