/** The broker contract against the simulated exchange: a round-the-clock netting venue, with and without latency, and Bybit hedge mode. */
import {defaultInstrument, type Instrument} from '../core/instrument.js'
import {EventLoop} from '../engine/event-loop.js'
import type {SimConfigInput} from './config.js'
import {SimulatedExchange} from './exchange.js'
import {BYBIT_HEDGE_PROFILE, BYBIT_PROFILE, profileFor, type VenueProfile} from './venue-profile.js'
import {type ContractHarness, describeBrokerContract} from '../broker/contract/broker-contract.js'

/** 2023-11-14 22:13:20 UTC: any instant works on a venue without market hours. */
const START = 1_700_000_000_000
const BAR_MS = 1_000

function simHarness(profile: VenueProfile, instruments: Instrument[], config: SimConfigInput, hedgeSymbol?: string): () => Promise<ContractHarness> {
  return async () => {
    const loop = new EventLoop(START)
    const exchange = new SimulatedExchange({loop, profile, instruments, config})
    const advance = async (ms: number): Promise<void> => {
      const to = loop.clock.now() + ms
      await loop.runUntil(to)
      loop.clock.advanceTo(to)
    }
    return {
      broker: exchange,
      symbol: instruments[0].symbol,
      hedgeSymbol,
      participation: exchange.share,
      advance,
      // A flat one-second bar at `price` that ends now: every order that reached the venue before it may trade.
      async setMarket(price: number, volume = 1e9): Promise<void> {
        const open = loop.clock.now()
        await advance(BAR_MS)
        for (let s = 0; s < instruments.length; s++) exchange.onBar(s, open, BAR_MS, price, price, price, price, volume)
        await loop.runUntil(loop.clock.now())
      },
      async close(): Promise<void> {
        exchange.flushHeld()
        await loop.runUntil(loop.clock.now() + 60_000)
      },
    }
  }
}

const spot = [defaultInstrument('ETHUSD', 'crypto_spot', 'sim')]
describeBrokerContract('simulated exchange, no latency', simHarness(profileFor('sim'), spot, {seed: 1}))
describeBrokerContract('simulated exchange, latency 100 ms + jitter 50 ms', simHarness(profileFor('sim'), spot, {seed: 7, latency: {fixedMs: 100, jitterMs: 50}}))
describeBrokerContract(
  'simulated exchange, Bybit hedge mode with latency',
  simHarness(BYBIT_HEDGE_PROFILE, [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')], {seed: 3, latency: {fixedMs: 20, jitterMs: 30}, fees: {makerRate: 0.0002, takerRate: 0.00055}}, 'BTCUSDT'),
)
describeBrokerContract(
  'simulated exchange, Bybit one-way mode (its default) with latency',
  simHarness(BYBIT_PROFILE, [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')], {seed: 5, latency: {fixedMs: 20, jitterMs: 30}, fees: {makerRate: 0.0002, takerRate: 0.00055}}),
)
