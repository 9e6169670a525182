/** Minute bars on New York wall time (October 2013, EDT) for the opening-range tests (beside the strategy and under test/strategies). */
import type {Row} from './memory-stream.js'

/** New York wall time on a day of October 2013 (EDT, UTC-4) as UTC ms. */
export const ny = (day: number, hh: number, mm: number): number => Date.UTC(2013, 9, day, hh + 4, mm)

/** Minute bars from `from` to `to` (New York hh:mm, `to` excluded), closing at `price(minuteOfDay)`. */
export function bars(day: number, from: [number, number], to: [number, number], price: (minute: number) => number, symbol = 'SPY'): Row[] {
  const out: Row[] = []
  for (let m = from[0] * 60 + from[1]; m < to[0] * 60 + to[1]; m++) {
    const c = price(m)
    out.push({symbol, ts: ny(day, Math.floor(m / 60), m % 60), open: c, high: c + 0.1, low: c - 0.1, close: c, volume: 10_000})
  }
  return out
}

/** Minute of the day. */
export const at = (hh: number, mm: number): number => hh * 60 + mm
