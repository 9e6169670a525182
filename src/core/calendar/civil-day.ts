/**
 * Calendar dates as "epoch days": whole days since 1970-01-01 in the proleptic Gregorian calendar, with no time
 * zone attached (the New York date of an instant is worked out by the session code). Integers compare, hash and
 * step cheaply, which the holiday rules and the per-day caches need.
 */

const DAY_MS = 86_400_000
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Epoch day of y-m-d (month 1-12); out-of-range days roll over like Date.UTC (day 0 = last day of the month before). */
export function epochDay(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7
}

export function yearOf(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear()
}

/** 'YYYY-MM-DD'. */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** Epoch day of a 'YYYY-MM-DD' date; throws a RangeError naming the text when it is not a real calendar date. */
export function parseDay(date: string): number {
  const m = ISO_DATE.exec(date)
  if (m) {
    const day = epochDay(Number(m[1]), Number(m[2]), Number(m[3]))
    if (formatDay(day) === date) return day
  }
  throw new RangeError(`'${date}' is not a calendar date: write it as YYYY-MM-DD, e.g. 2013-12-24`)
}

/** The n-th (1-based) `weekday` of a month. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = epochDay(year, month, 1)
  return first + ((weekday - weekdayOf(first) + 7) % 7) + 7 * (n - 1)
}

/** The last `weekday` of a month. */
export function lastWeekday(year: number, month: number, weekday: number): number {
  const last = epochDay(year, month + 1, 0)
  return last - ((weekdayOf(last) - weekday + 7) % 7)
}

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): number {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return epochDay(year, month, day)
}
