/**
 * The NYSE regular session: 09:30–16:00 America/New_York on weekdays that are not exchange holidays, closing at
 * 13:00 on early-close days (rules and list in ./nyse.ts). The one calendar the simulator, the emulator and the
 * strategies share. Offsets come from the IANA zone database through ../new-york-time.ts, so DST is handled and no
 * wall clock is read; sessions are cached per New York day.
 */
import {newYorkOffsetMs} from '../new-york-time.js'
import {formatDay, parseDay, weekdayOf, yearOf} from './civil-day.js'
import {nyseYear} from './nyse.js'

const DAY = 86_400_000
const MINUTE = 60_000
const OPEN_MIN = 9 * 60 + 30
const CLOSE_MIN = 16 * 60
const EARLY_CLOSE_MIN = 13 * 60
/** Longest run of days without a session that nextOpen will step over (the longest since 1995 is 6: 2001-09-11..16). */
const MAX_GAP_DAYS = 31

export interface Session {
  /** UTC epoch ms of the opening bell. */
  readonly open: number
  /** UTC epoch ms of the closing bell (13:00 New York on an early-close day). */
  readonly close: number
}

const sessionCache = new Map<number, Session | null>()

/** The New York calendar day (epoch day) containing the instant `t`. */
export function newYorkDayOf(t: number): number {
  return Math.floor((t + newYorkOffsetMs(t)) / DAY)
}

/** The New York date 'YYYY-MM-DD' of the instant `t`. */
export function newYorkDateOf(t: number): string {
  return formatDay(newYorkDayOf(t))
}

/** The regular session of a New York calendar day given as an epoch day, or null on a weekend or holiday. */
export function sessionOfDay(day: number): Session | null {
  const cached = sessionCache.get(day)
  if (cached !== undefined) return cached
  let s: Session | null = null
  const wd = weekdayOf(day)
  if (wd !== 0 && wd !== 6) {
    const year = nyseYear(yearOf(day))
    if (!year.closed.has(day)) {
      const midnightLocalAsUtc = day * DAY
      // The offset at 12:00 UTC (early morning in New York) is the session's: DST changes happen on Sundays.
      const off = newYorkOffsetMs(midnightLocalAsUtc + 12 * 3_600_000)
      const closeMin = year.earlyClose.has(day) ? EARLY_CLOSE_MIN : CLOSE_MIN
      s = {open: midnightLocalAsUtc + OPEN_MIN * MINUTE - off, close: midnightLocalAsUtc + closeMin * MINUTE - off}
    }
  }
  if (sessionCache.size > 10_000) sessionCache.clear()
  sessionCache.set(day, s)
  return s
}

/** The regular session of the New York calendar day containing `t`, or null on a weekend or exchange holiday. */
export function sessionOf(t: number): Session | null {
  return sessionOfDay(newYorkDayOf(t))
}

/** The regular session of a New York date 'YYYY-MM-DD', or null on a weekend or holiday. */
export function sessionOfDate(date: string): Session | null {
  return sessionOfDay(parseDay(date))
}

export function isMarketOpen(t: number): boolean {
  const s = sessionOf(t)
  return s !== null && t >= s.open && t < s.close
}

/** Start of the first regular session at or after `t`: `t` itself while a session is open. */
export function nextOpen(t: number): number {
  const first = newYorkDayOf(t)
  for (let d = 0; d <= MAX_GAP_DAYS; d++) {
    const s = sessionOfDay(first + d)
    if (s && t < s.close) return Math.max(s.open, t)
  }
  throw new RangeError(`no NYSE session within ${MAX_GAP_DAYS} days after ${new Date(t).toISOString()}`)
}

/** Sessions that overlap [from, to), in order. */
export function sessionsBetween(from: number, to: number): Session[] {
  const out: Session[] = []
  if (!(to > from)) return out
  for (let day = newYorkDayOf(from), last = newYorkDayOf(to); day <= last; day++) {
    const s = sessionOfDay(day)
    if (s && s.close > from && s.open < to) out.push(s)
  }
  return out
}

/** Why the exchange is closed all day on the weekday 'YYYY-MM-DD' (undefined on a session day or a weekend). */
export function holidayName(date: string): string | undefined {
  const day = parseDay(date)
  return nyseYear(yearOf(day)).closed.get(day)
}

/** True on a weekday without a session (weekends are not holidays). */
export function isHoliday(date: string): boolean {
  return holidayName(date) !== undefined
}

/** True on a session day that closes at 13:00 New York. */
export function isEarlyClose(date: string): boolean {
  const day = parseDay(date)
  return nyseYear(yearOf(day)).earlyClose.has(day)
}
