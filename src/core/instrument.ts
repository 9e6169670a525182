/** Instruments: what can be traded where, and the venue's granularity rules. Pure. */

export type AssetClass = 'us_equity' | 'crypto_perp' | 'crypto_spot'
export type ContractType = 'spot' | 'linear_perpetual'
/** Netting: one signed position per symbol (stocks). Hedge: a long and a short leg per symbol (Bybit positionIdx 1/2). */
export type PositionMode = 'netting' | 'hedge'

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
}

const EPS = 1e-9

/** True when `value` is a whole multiple of `step`, tolerating binary floating-point error. */
export function isMultipleOf(value: number, step: number): boolean {
  if (step <= 0) return true
  const k = value / step
  return Math.abs(k - Math.round(k)) < EPS * Math.max(1, Math.abs(k))
}

export function roundToStep(value: number, step: number): number {
  if (step <= 0) return value
  return Number((Math.round(value / step) * step).toFixed(decimalsOf(step)))
}

/** Rounds a quantity down to the lot size, so sizing never asks for more than was budgeted. */
export function floorToStep(value: number, step: number): number {
  if (step <= 0) return value
  return Number((Math.floor(value / step + EPS) * step).toFixed(decimalsOf(step)))
}

function decimalsOf(step: number): number {
  const s = String(step)
  const e = s.indexOf('e-')
  if (e >= 0) return Number(s.slice(e + 2))
  const dot = s.indexOf('.')
  return dot < 0 ? 0 : s.length - dot - 1
}

/** Defaults for an instrument on a venue profile when the data store only knows the symbol and its class. */
export function defaultInstrument(symbol: string, assetClass: AssetClass, venue: string): Instrument {
  switch (assetClass) {
    case 'us_equity':
      return {symbol, venue, assetClass, contract: 'spot', tickSize: 0.01, lotSize: 1, minQty: 1, leverage: 1, maintenanceMarginRate: 0, quoteCurrency: 'USD'}
    case 'crypto_perp':
      return {symbol, venue, assetClass, contract: 'linear_perpetual', tickSize: 0.1, lotSize: 0.001, minQty: 0.001, leverage: 10, maintenanceMarginRate: 0.005, quoteCurrency: 'USDT'}
    case 'crypto_spot':
      return {symbol, venue, assetClass, contract: 'spot', tickSize: 0.01, lotSize: 0.000001, minQty: 0.000001, leverage: 1, maintenanceMarginRate: 0, quoteCurrency: 'USD'}
  }
}
