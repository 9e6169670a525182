/**
 * A bot's trading hours (the fleet file's `schedule`): a daily window [start, end) in an IANA time zone, on some
 * days of the week. Pure functions of the session clock's time; local time comes from the IANA rules Node ships
 * (Intl), never from the machine's zone, so a DST change moves the window with the zone's clocks.
 */
import {z} from 'zod'

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
export type Weekday = (typeof WEEKDAYS)[number]

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM, 24-hour')
const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

/** True when `tz` names a time zone Node knows (IANA names such as America/New_York, and UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: tz})
    return true
  } catch {
    return false
  }
}

export const TradingScheduleSchema = z
  .object({
    start: HHMM.describe('local time the window opens, HH:MM'),
    end: HHMM.describe('local time the window closes, HH:MM (after start; the window is [start, end))'),
    timezone: z.string().default('America/New_York').describe('IANA time zone of start and end, e.g. America/New_York, Europe/London, UTC'),
    days: z.array(z.enum(WEEKDAYS)).min(1).optional().describe('days of the week (local) the window applies to; default every day'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!isTimeZone(s.timezone)) {
      ctx.addIssue({code: 'custom', path: ['timezone'], message: `unknown time zone '${s.timezone}'; use an IANA name such as America/New_York, Europe/London or UTC`})
    }
    if (HHMM.safeParse(s.start).success && HHMM.safeParse(s.end).success && minuteOf(s.start) >= minuteOf(s.end)) {
      ctx.addIssue({code: 'custom', path: ['end'], message: `end ${s.end} is not after start ${s.start}; give an end later in the day (a window cannot span midnight)`})
    }
  })

export type TradingSchedule = z.infer<typeof TradingScheduleSchema>

function minuteOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const offsets = new Map<string, number>()

/** The zone's offset from UTC (ms) at the UTC instant `t`; zones change offset only on quarter hours. */
export function zoneOffsetMs(tz: string, t: number): number {
  const q = Math.floor(t / (15 * MINUTE_MS))
  const key = `${tz}|${q}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    let f = formatters.get(tz)
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', {timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric'})
      formatters.set(tz, f)
    }
    const at = q * 15 * MINUTE_MS
    const p: Record<string, number> = {}
    for (const part of f.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value)
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - at
    if (offsets.size > 50_000) offsets.clear()
    offsets.set(key, offset)
  }
  return offset
}

/** Local wall time of `t` in `tz`, as ms since the epoch read as if the wall clock were UTC. */
function wallOf(tz: string, t: number): number {
  return t + zoneOffsetMs(tz, t)
}

/**
 * The UTC instant of local wall time `wall` in `tz`. A time skipped by a spring-forward change maps to the instant
 * the clocks jumped past it; a repeated autumn time to its first occurrence.
 */
export function wallToUtc(tz: string, wall: number): number {
  const guess = wall - zoneOffsetMs(tz, wall - DAY_MS / 2)
  const u = wall - zoneOffsetMs(tz, guess)
  if (wallOf(tz, u) === wall) return u
  // In a gap: the first quarter hour (zones change only on those) whose wall time is past `wall`.
  const other = wall - zoneOffsetMs(tz, u)
  const q = 15 * MINUTE_MS
  for (let x = Math.ceil(Math.min(u, other) / q) * q; x <= Math.max(u, other); x += q) if (wallOf(tz, x) >= wall) return x
  return Math.max(u, other)
}

function dayApplies(s: TradingSchedule, wallMidnight: number): boolean {
  return s.days === undefined || s.days.includes(WEEKDAYS[new Date(wallMidnight).getUTCDay()])
}

/** True when `t` (UTC ms) falls inside the schedule's window. */
export function withinSchedule(s: TradingSchedule, t: number): boolean {
  const wall = wallOf(s.timezone, t)
  const midnight = Math.floor(wall / DAY_MS) * DAY_MS
  const minute = Math.floor((wall - midnight) / MINUTE_MS)
  return dayApplies(s, midnight) && minute >= minuteOf(s.start) && minute < minuteOf(s.end)
}

/** The first window end strictly after `t` (UTC ms), on a day the schedule applies to. */
export function nextWindowEnd(s: TradingSchedule, t: number): number {
  const midnight = Math.floor(wallOf(s.timezone, t) / DAY_MS) * DAY_MS
  for (let d = -1; d <= 8; d++) {
    const day = midnight + d * DAY_MS
    if (!dayApplies(s, day)) continue
    const end = wallToUtc(s.timezone, day + minuteOf(s.end) * MINUTE_MS)
    if (end > t) return end
  }
  return Infinity
}

/** "09:45–15:30 America/New_York, mon–fri" style text for messages. */
export function describeSchedule(s: TradingSchedule): string {
  return `${s.start}–${s.end} ${s.timezone}${s.days ? `, ${s.days.join('/')}` : ''}`
}

/** "Tue 16:02" in the schedule's zone, for messages. */
export function localTimeText(s: TradingSchedule, t: number): string {
  const d = new Date(wallOf(s.timezone, t))
  const day = WEEKDAYS[d.getUTCDay()]
  return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
}
