/**
 * New York local time → UTC, from the IANA rules Node ships (Intl), never from the machine's own zone.
 * Lean stores US equity times as New York wall-clock time.
 */

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

let formatter: Intl.DateTimeFormat | undefined
const offsetByHour = new Map<number, number>()

/** New York's offset from UTC (ms, negative: -4 h in EDT, -5 h in EST) at the UTC instant `utcMs`. */
export function newYorkOffsetMs(utcMs: number): number {
  // Offsets change only on the hour, so one Intl lookup per UTC hour serves every instant in it.
  const hour = Math.floor(utcMs / HOUR_MS)
  let offset = offsetByHour.get(hour)
  if (offset === undefined) {
    offset = lookupOffset(hour * HOUR_MS)
    if (offsetByHour.size > 100_000) offsetByHour.clear()
    offsetByHour.set(hour, offset)
  }
  return offset
}

function lookupOffset(utcMs: number): number {
  formatter ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  const f: Record<string, number> = {}
  for (const part of formatter.formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') f[part.type] = Number(part.value)
  }
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second)
  return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000))
}

/**
 * UTC epoch ms of a New York wall-clock time `msOfDay` after midnight on y-m-d (month 1-12). A time that does
 * not exist (skipped in the spring) maps to the instant one hour earlier; an ambiguous one (repeated in the autumn)
 * to its first, daylight-time occurrence. Neither happens in market data: both fall at 01:00-03:00 on a Sunday.
 */
export function newYorkToUtc(year: number, month: number, day: number, msOfDay = 0): number {
  const wall = Date.UTC(year, month - 1, day) + msOfDay
  const first = wall - newYorkOffsetMs(wall - 5 * HOUR_MS)
  const offset = newYorkOffsetMs(first)
  return wall - offset
}

/**
 * Converts many times of one New York date at once: two Intl lookups for the day, then plain arithmetic, except
 * on the two DST change days a year, where each time is converted on its own.
 */
export class NewYorkDay {
  readonly midnightUtc: number
  private readonly wallMidnight: number
  /** UTC minus wall time for the whole day, or undefined on a DST change day. */
  private readonly shift: number | undefined

  constructor(
    private readonly year: number,
    private readonly month: number,
    private readonly day: number,
  ) {
    this.wallMidnight = Date.UTC(year, month - 1, day)
    this.midnightUtc = newYorkToUtc(year, month, day)
    const steady = newYorkToUtc(year, month, day + 1) - this.midnightUtc === DAY_MS
    this.shift = steady ? this.midnightUtc - this.wallMidnight : undefined
  }

  toUtc(msOfDay: number): number {
    if (this.shift !== undefined) return this.wallMidnight + msOfDay + this.shift
    return newYorkToUtc(this.year, this.month, this.day, msOfDay)
  }
}
