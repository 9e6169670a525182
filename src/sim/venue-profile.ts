/**
 * Venue profiles: the rules of the venue the simulator imitates. Alpaca-like: US stocks, netting, regular
 * market hours, unique client order ids. Bybit-like: linear perpetuals in hedge mode (positionIdx 1 / 2),
 * reduce-only, leverage, maintenance margin.
 */
import type {PositionMode} from '../core/instrument.js'

export interface VenueProfile {
  readonly name: string
  readonly positionMode: PositionMode
  /** Whether orders only trade in the US regular session. */
  readonly marketHours: boolean
  /** Prefix of venue order ids, to make them recognisable in journals. */
  readonly idPrefix: string
}

export const ALPACA_PROFILE: VenueProfile = {name: 'alpaca', positionMode: 'netting', marketHours: true, idPrefix: 'A'}
export const BYBIT_PROFILE: VenueProfile = {name: 'bybit', positionMode: 'hedge', marketHours: false, idPrefix: 'B'}

export function profileFor(venue: string): VenueProfile {
  if (venue === 'bybit') return BYBIT_PROFILE
  if (venue === 'alpaca') return ALPACA_PROFILE
  // Synthetic data (venue 'sim'): round-the-clock netting venue.
  return {name: 'sim', positionMode: 'netting', marketHours: false, idPrefix: 'S'}
}
