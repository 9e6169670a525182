import {IndicatorConfigError, IndicatorInputError} from './errors.js'

/** Throws unless `value` is finite. Cheap enough for the hot path: one comparison on good data. */
export function requireFinite(indicator: string, field: string, value: number): void {
  if (!Number.isFinite(value)) throw new IndicatorInputError(indicator, field, value)
}

/** Volume must be finite and not negative. */
export function requireVolume(indicator: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new IndicatorInputError(indicator, 'volume', value, 'a finite number >= 0')
  }
}

/** Window lengths are integers >= min (1 unless stated). */
export function requirePeriod(indicator: string, parameter: string, value: number, min = 1): void {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new IndicatorConfigError(indicator, parameter, value, `an integer >= ${min}`)
  }
}

/** A ratio that is defined as `fallback` when its denominator is zero (OPS-09: never NaN or ±Infinity). */
export function safeDivide(numerator: number, denominator: number, fallback: number): number {
  if (denominator === 0) return fallback
  const q = numerator / denominator
  return Number.isFinite(q) ? q : fallback
}
