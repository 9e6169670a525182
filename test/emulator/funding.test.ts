/**
 * The Bybit emulator's funding: GET /v5/market/funding/history, called through the bybit-api SDK over loopback,
 * serves the rates the emulator was given (only those already settled, newest first, `limit`, `startTime` /
 * `endTime` by Bybit's rules), and each rate is settled into the emulated wallet through the simulated exchange.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {RestClientV5} from 'bybit-api'
import {defaultInstrument} from '../../src/core/instrument.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {bybitProtocolWith} from '../../src/emulator/bybit/index.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import {TEST_KEY, TEST_SECRET} from '../adapters/bybit-e2e-harness.js'

const H = 3_600_000
const MIN = 60_000
const T0 = Date.UTC(2022, 11, 13)
/** Data time: two symbols, 8-hourly; the first before the data starts, the last past the test's horizon. */
const RATES = [
  {symbol: 'BTCUSDT', ts: T0 - 4 * H, rate: -0.0001},
  {symbol: 'BTCUSDT', ts: T0, rate: -0.0002016},
  {symbol: 'BTCUSDT', ts: T0 + 8 * H, rate: -0.00022398},
  {symbol: 'BTCUSDT', ts: T0 + 16 * H, rate: 0.0001},
  {symbol: 'ETHUSDT', ts: T0 + 8 * H, rate: 0.0003},
  {symbol: 'BTCUSDT', ts: T0 + 24 * H, rate: 0.0005},
]
/** The one bar: 17 000 flat, two hours before T0 (data time). */
const BAR_TS = T0 - 2 * H

let venue: ControlledVenue
let server: RunningEmulator

afterEach(async () => {
  await server?.close()
  await venue?.stop()
})

describe('bybit emulator: funding', () => {
  it('serves the settled rates newest first and settles each into the wallet', async () => {
    const shift = 1_000 * H // venue time runs 1000 h after data time
    venue = createEmulatedVenue({
      venue: 'bybit',
      credentials: {key: TEST_KEY, secret: TEST_SECRET},
      instruments: [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit'), defaultInstrument('ETHUSDT', 'crypto_perp', 'bybit')],
      bars: [{symbol: 'BTCUSDT', ts: BAR_TS, tfMs: MIN, open: 17_000, high: 17_000, low: 17_000, close: 17_000, volume: 1_000}],
      funding: RATES,
      pacing: {mode: 'manual'},
      venueStart: BAR_TS + shift,
      sim: {cash: 10_000}, // Bybit's default: one-way mode
    })
    server = await startEmulatorServer({venue, protocol: bybitProtocolWith()})
    const client = new RestClientV5({key: TEST_KEY, secret: TEST_SECRET, baseUrl: server.url, parseAPIRateLimits: true, throwExceptions: false})
    const history = async (params: {startTime?: number; endTime?: number; limit?: number} = {}) => {
      const res = await client.getFundingRateHistory({category: 'linear', symbol: 'BTCUSDT', ...params})
      expect(res.retCode, res.retMsg).toBe(0)
      expect(res.result.category).toBe('linear')
      return res.result.list
    }
    const row = (k: number) => ({symbol: 'BTCUSDT', fundingRate: String(RATES[k].rate), fundingRateTimestamp: String(RATES[k].ts + shift)})

    // At the start only the rate before the data is history.
    expect(await history()).toEqual([row(0)])
    // A long position of 0.5 BTC, filled on the one bar.
    await venue.broker.submitOrder({clientOrderId: 'buy-1', symbol: 'BTCUSDT', side: 'buy', type: 'market', qty: 0.5, tif: 'gtc', positionSide: 'net'})
    await venue.advance(MIN)
    expect(venue.exchange.ledger.positions.qty('BTCUSDT', 'net')).toBe(0.5)
    const cashAfterEntry = venue.exchange.ledger.cash

    await venue.advance(18 * H)
    const list = await history()
    expect(list).toEqual([row(3), row(2), row(1), row(0)])
    expect(await history({limit: 1})).toEqual([row(3)])
    expect(await history({endTime: T0 + 8 * H + shift})).toEqual([row(2), row(1), row(0)])
    expect(await history({startTime: T0 + 1 + shift, endTime: T0 + 20 * H + shift})).toEqual([row(3), row(2)])
    // Bybit's rules: startTime alone is refused; an unknown symbol too.
    const startOnly = await client.getFundingRateHistory({category: 'linear', symbol: 'BTCUSDT', startTime: T0 + shift})
    expect(startOnly.retCode).toBe(10001)
    const unknown = await client.getFundingRateHistory({category: 'linear', symbol: 'DOGEUSDT'})
    expect(unknown).toMatchObject({retCode: 10001, retMsg: 'params error: symbol invalid: DOGEUSDT'})

    // Settled into the wallet at T0, 08:00 and 16:00, at the mark of 17 000 (the only price the venue has seen):
    // the long receives the negative rates and pays the positive one. The rate before the start was never settled.
    const payments = venue.exchange.fundingPayments
    expect(payments.map((p) => [p.ts - shift, p.positionSide, p.qty, p.markPrice, p.rate])).toEqual([
      [T0, 'net', 0.5, 17_000, -0.0002016],
      [T0 + 8 * H, 'net', 0.5, 17_000, -0.00022398],
      [T0 + 16 * H, 'net', 0.5, 17_000, 0.0001],
    ])
    const expected = 0.5 * 17_000 * (0.0002016 + 0.00022398 - 0.0001)
    expect(venue.exchange.ledger.funding).toBeCloseTo(expected, 9)
    expect(venue.exchange.ledger.cash).toBeCloseTo(cashAfterEntry + expected, 9)
    const wallet = await client.getWalletBalance({accountType: 'UNIFIED'})
    expect(wallet.retCode, wallet.retMsg).toBe(0)
    expect(Number(wallet.result.list[0].totalWalletBalance)).toBeCloseTo(cashAfterEntry + expected, 6)
  })
})
