/**
 * Venue profiles: the rules of the venue the simulator imitates. Alpaca-like: US stocks, netting, regular
 * market hours, unique client order ids. Bybit-like: linear perpetuals in one-way mode by default (positionIdx 0,
 * netting; hedge mode with positionIdx 1 / 2 per account or symbol when configured), reduce-only, leverage,
 * maintenance margin; Bybit spot: no leverage, no shorting, the spot fee schedule.
 */
import type {Instrument, PositionMode} from '../core/instrument.js'

export interface VenueProfile {
  readonly name: string
  /** The default position mode of the venue's perpetuals (a run's `positionMode` setting overrides it). */
  readonly positionMode: PositionMode
  /** Whether orders only trade in the US regular session. */
  readonly marketHours: boolean
  /** Prefix of venue order ids, to make them recognisable in journals. */
  readonly idPrefix: string
  /** Cash instruments cannot be sold short here, whatever `allowShortStocks` says (crypto spot: sells need the coin held). */
  readonly noShorting?: boolean
  /** The venue's standard fee rates, applied by a run that sets no fees of its own (spot). */
  readonly fees?: {readonly makerRate: number; readonly takerRate: number}
}

export const ALPACA_PROFILE: VenueProfile = {name: 'alpaca', positionMode: 'netting', marketHours: true, idPrefix: 'A'}
/** Bybit's own default for linear perpetuals is one-way mode; hedge mode is opt-in. */
export const BYBIT_PROFILE: VenueProfile = {name: 'bybit', positionMode: 'netting', marketHours: false, idPrefix: 'B', noShorting: true}
/** A Bybit account switched to hedge mode (the grid's venue). */
export const BYBIT_HEDGE_PROFILE: VenueProfile = {...BYBIT_PROFILE, positionMode: 'hedge'}
/** Bybit spot: no leverage, no shorting, base and quote balances; spot fees (0.1 % maker and taker, the base tier). */
export const BYBIT_SPOT_PROFILE: VenueProfile = {...BYBIT_PROFILE, fees: {makerRate: 0.001, takerRate: 0.001}}

/**
 * The profile of a venue; with the run's instruments, Bybit data that is all crypto spot gets the spot profile
 * (a venue kind of its own, not a perpetual venue with spot symbols).
 */
export function profileFor(venue: string, instruments?: readonly Instrument[]): VenueProfile {
  if (venue === 'bybit') {
    const spot = instruments !== undefined && instruments.length > 0 && instruments.every((i) => i.assetClass === 'crypto_spot')
    return spot ? BYBIT_SPOT_PROFILE : BYBIT_PROFILE
  }
  if (venue === 'alpaca') return ALPACA_PROFILE
  // Synthetic data (venue 'sim'): round-the-clock netting venue.
  return {name: 'sim', positionMode: 'netting', marketHours: false, idPrefix: 'S'}
}
