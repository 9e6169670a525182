/** Protocols load lazily by venue, each a factory that builds a protocol on an emulated venue. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import {createEmulatedVenue} from '../../src/emulator/core/emulated-venue.js'
import {loadProtocol} from '../../src/emulator/core/load-protocol.js'

describe('loadProtocol', () => {
  it.each([
    ['alpaca', defaultInstrument('SPY', 'us_equity', 'alpaca')],
    ['bybit', defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')],
  ] as const)('%s: returns a factory that builds the protocol on a venue', async (venue, instrument) => {
    const factory = await loadProtocol(venue)
    const protocol = factory(createEmulatedVenue({venue, credentials: {key: 'K', secret: 'S'}, instruments: [instrument], pacing: {mode: 'manual'}}))
    expect(typeof protocol.handleHttp).toBe('function')
    expect(typeof protocol.handleSocket).toBe('function')
  })
})
