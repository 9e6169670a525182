/** What the store records about each symbol besides its bars: where it trades and what it is. */

import {z} from 'zod'

export const VenueSchema = z.enum(['alpaca', 'bybit', 'sim'])
export type Venue = z.infer<typeof VenueSchema>

export const AssetClassSchema = z.enum(['us_equity', 'crypto_perp', 'crypto_spot'])
export type AssetClass = z.infer<typeof AssetClassSchema>

export interface InstrumentInfo {
  readonly symbol: string
  readonly venue: Venue
  readonly assetClass: AssetClass
}

/** The venue each asset class trades on in this product: US equities on Alpaca, crypto on Bybit. */
export function venueFor(assetClass: AssetClass): Venue {
  return assetClass === 'us_equity' ? 'alpaca' : 'bybit'
}

/**
 * Best guess for a file that does not say: symbols quoted in a stablecoin or USD (BTCUSDT, ETHUSD) are Bybit
 * perpetuals, anything else a US equity. `--asset-class` overrides it.
 */
export function guessAssetClass(symbol: string): AssetClass {
  return /^[A-Z0-9]{2,}(USDT|USDC|USD|PERP)$/.test(symbol) ? 'crypto_perp' : 'us_equity'
}
