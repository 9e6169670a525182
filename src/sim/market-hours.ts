/**
 * US equity regular session: 09:30–16:00 America/New_York, Monday to Friday. Exchange holidays are not
 * modelled (a bar on a holiday does not exist in the data, so it never trades).
 * Offsets come from the IANA zone database through Intl, cached per UTC hour and per New York day, so DST is handled and no
 * wall clock is read.
 */
import {newYorkOffsetMs} from '../core/new-york-time.js'

const DAY = 86_400_000
const OPEN_MIN = 9 * 60 + 30
const CLOSE_MIN = 16 * 60

export interface Session {
  readonly open: number
  readonly close: number
}

const sessionCache = new Map<number, Session | null>()

/** The regular session of the New York calendar day containing `t`, or null on a weekend. */
export function sessionOf(t: number): Session | null {
  const offset = newYorkOffsetMs(t)
  const localDay = Math.floor((t + offset) / DAY)
  const cached = sessionCache.get(localDay)
  if (cached !== undefined) return cached
  const weekday = (localDay + 4) % 7 // 1970-01-01 was a Thursday (4)
  let s: Session | null = null
  if (weekday !== 0 && weekday !== 6) {
    const midnightLocalAsUtc = localDay * DAY
    // The offset at midnight equals the offset during the session except on DST change days (a Sunday).
    const off = newYorkOffsetMs(midnightLocalAsUtc + 12 * 3_600_000)
    s = {open: midnightLocalAsUtc + OPEN_MIN * 60_000 - off, close: midnightLocalAsUtc + CLOSE_MIN * 60_000 - off}
  }
  if (sessionCache.size > 10_000) sessionCache.clear()
  sessionCache.set(localDay, s)
  return s
}

export function isMarketOpen(t: number): boolean {
  const s = sessionOf(t)
  return s !== null && t >= s.open && t < s.close
}

/** Start of the first regular session at or after `t`. */
export function nextOpen(t: number): number {
  for (let d = 0; d < 8; d++) {
    const s = sessionOf(t + d * DAY)
    if (s && t < s.close) return Math.max(s.open, t)
  }
  return t
}
