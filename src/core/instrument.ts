/** Instruments: what can be traded where, and the venue's granularity rules. Pure. */

export type AssetClass = 'us_equity' | 'crypto_perp' | 'crypto_spot'
export type ContractType = 'spot' | 'linear_perpetual'
/**
 * Netting: one signed position per symbol (stocks, spot, and Bybit's one-way mode, positionIdx 0). Hedge: a long and
 * a short leg per symbol (Bybit positionIdx 1/2).
 */
export type PositionMode = 'netting' | 'hedge'

/** The position mode as users write it (Bybit's names): one-way (netting) or hedge. */
export type PositionModeName = 'one-way' | 'hedge'

export function positionModeFromName(name: PositionModeName): PositionMode {
  return name === 'hedge' ? 'hedge' : 'netting'
}

export function positionModeName(mode: PositionMode): PositionModeName {
  return mode === 'hedge' ? 'hedge' : 'one-way'
}

export interface Instrument {
  readonly symbol: string
  readonly venue: string
  readonly assetClass: AssetClass
  readonly contract: ContractType
  readonly tickSize: number
  readonly lotSize: number
  readonly minQty: number
  /** Leverage applied to margin (1 for cash stocks and spot). */
  readonly leverage: number
  /** Maintenance margin as a fraction of notional (0 for cash instruments). */
  readonly maintenanceMarginRate: number
  readonly quoteCurrency: string
  /** Crypto spot: the coin bought and sold (BTC of BTCUSDT); the quote currency pays for it. */
  readonly baseCurrency?: string
}

/** Quote coins a crypto pair symbol may end with, longest first (BTCUSDT is BTC / USDT, not BTCUSD / T). */
const QUOTES = ['USDT', 'USDC', 'FDUSD', 'USD', 'EUR', 'BTC', 'ETH']

/** Base and quote coin of a crypto pair symbol (BTCUSDT, BTC/USD, ETH-USD); USD for a symbol without a known quote. */
export function splitPair(symbol: string): {base: string; quote: string} {
  const parts = symbol.split(/[/-]/)
  if (parts.length === 2 && parts[0] && parts[1]) return {base: parts[0], quote: parts[1]}
  const quote = QUOTES.find((q) => symbol.length > q.length && symbol.endsWith(q))
  return quote ? {base: symbol.slice(0, -quote.length), quote} : {base: symbol, quote: 'USD'}
}

// Lot and tick rounding live with the quantity epsilon in ./quantity.ts; re-exported for the existing importers.
export {floorToStep, isMultipleOf, roundToStep} from './quantity.js'

/** Defaults for an instrument on a venue profile when the data store only knows the symbol and its class. */
export function defaultInstrument(symbol: string, assetClass: AssetClass, venue: string): Instrument {
  switch (assetClass) {
    case 'us_equity':
      return {symbol, venue, assetClass, contract: 'spot', tickSize: 0.01, lotSize: 1, minQty: 1, leverage: 1, maintenanceMarginRate: 0, quoteCurrency: 'USD'}
    case 'crypto_perp':
      return {symbol, venue, assetClass, contract: 'linear_perpetual', tickSize: 0.1, lotSize: 0.001, minQty: 0.001, leverage: 10, maintenanceMarginRate: 0.005, quoteCurrency: 'USDT'}
    case 'crypto_spot': {
      const {base, quote} = splitPair(symbol)
      return {symbol, venue, assetClass, contract: 'spot', tickSize: 0.01, lotSize: 0.000001, minQty: 0.000001, leverage: 1, maintenanceMarginRate: 0, quoteCurrency: quote, baseCurrency: base}
    }
  }
}
