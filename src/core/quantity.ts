/**
 * Quantity math. Quantities are sums of float fills, so they are compared with ONE tolerance, QTY_EPS: below it a
 * quantity is nothing, within it two are the same. Lot and tick rounding tolerate float error on the count of
 * steps instead (STEP_EPS, relative for large counts). For a tolerance that scales with the size, see sameQty in
 * ./position.ts.
 */

/** Two quantities closer than this are the same; a quantity this small is none. */
export const QTY_EPS = 1e-9

/** `a` and `b` are the same quantity: |a − b| ≤ QTY_EPS. */
export function qtyEq(a: number, b: number): boolean {
  return Math.abs(a - b) <= QTY_EPS
}

/** `q` is no quantity at all: |q| ≤ QTY_EPS. */
export function isZeroQty(q: number): boolean {
  return Math.abs(q) <= QTY_EPS
}

/** Tolerance on a count of steps (not a quantity): how far value / step may sit from a whole number. */
const STEP_EPS = 1e-9
/**
 * Rounding error of value / step grows with the count of steps, but only by ulps (~2e-16 each). A tolerance of
 * 1e-9 × k (as before) accepted ANY value beyond ~5e8 steps, e.g. 1_500_000_000.5 on a lot of 1.
 */
const REL_EPS = 1e-14

/** How far `k` (a count of steps) may sit from a whole number and still count as one. */
function tolerance(k: number): number {
  return Math.max(STEP_EPS, REL_EPS * Math.abs(k))
}

/** True when `value` is a whole multiple of `step`, tolerating binary floating-point error. */
export function isMultipleOf(value: number, step: number): boolean {
  if (step <= 0) return true
  const k = value / step
  return Math.abs(k - Math.round(k)) < tolerance(k)
}

export function roundToStep(value: number, step: number): number {
  if (step <= 0) return value
  return Number((Math.round(value / step) * step).toFixed(decimalsOf(step)))
}

/** Rounds a quantity down to the lot size, so sizing never asks for more than was budgeted. */
export function floorToStep(value: number, step: number): number {
  if (step <= 0) return value
  const k = value / step
  return Number((Math.floor(k + tolerance(k)) * step).toFixed(decimalsOf(step)))
}

/** Decimal places of a step, also in exponent form: 2.5e-7 has 8 (the mantissa's own decimals count too). */
function decimalsOf(step: number): number {
  const s = String(step)
  const e = s.indexOf('e-')
  const mantissa = e >= 0 ? s.slice(0, e) : s
  const dot = mantissa.indexOf('.')
  const own = dot < 0 ? 0 : mantissa.length - dot - 1
  return Math.min(100, own + (e >= 0 ? Number(s.slice(e + 2)) : 0))
}
