/**
 * NYSE full-day closures and 13:00 early closes, per calendar year: weekday rules plus a dated list of unscheduled
 * closures. Pure (no I/O, no clock).
 *
 * Provenance:
 * - Rules: NYSE Rule 7.2 (holidays; "when a holiday falls on a Saturday the Exchange will not be open on the
 *   preceding Friday, and when it falls on a Sunday not on the succeeding Monday, unless unusual business conditions
 *   exist, such as the ending of a monthly or yearly accounting period" — hence no Friday closure when New Year's
 *   Day is a Saturday: 1999-12-31, 2004-12-31, 2010-12-31, 2021-12-31, 2027-12-31 are sessions), and the NYSE
 *   "Holidays & Trading Hours" page (nyse.com/markets/hours-calendars) and its yearly holiday and early-closing
 *   announcements for the published years.
 * - History 1995-2025 (unscheduled closures, which early closes were held): NYSE's own list of market closings
 *   since 1885 ("NYSE-Closings.pdf"), as transcribed by the pandas_market_calendars (holidays_nyse.py) and
 *   python-holidays (financial/ny_stock_exchange.py) projects, cross-checked against each other, and the NYSE
 *   announcement of the 2025-01-09 closure (national day of mourning for President Carter).
 * - Checked against data: src/core/calendar/daily-data.test.ts finds a bar on every session day and none on a
 *   closure in the bundled Lean daily bars, 1998-2021.
 *
 * Scope: full-day closures and the scheduled 13:00 closes. Intraday disruptions (late opens for a moment of silence,
 * the 1997-10-27 circuit-breaker halt, weather) are not modelled: those days count as regular sessions.
 * The list of unscheduled closures ends with 2025; the rules go on for any year, so a year past 2030 follows the rules
 * (an announced closure later than this list is unknown to it), and a year before 1995 follows today's rules, which
 * is approximate (before 1993 early closes were at 14:00; 1994-04-27 and earlier closures are not listed).
 */
import {easterSunday, epochDay, lastWeekday, nthWeekday, parseDay, weekdayOf, yearOf} from './civil-day.js'

/** First and last year the table was checked for (the rules continue either side). */
export const NYSE_CHECKED_YEARS = {first: 1995, last: 2030} as const

const SUN = 0
const MON = 1
const TUE = 2
const WED = 3
const THU = 4
const FRI = 5
const SAT = 6

/** Closures not implied by the weekday rules (1995 onward). */
const UNSCHEDULED_CLOSURES: ReadonlyArray<readonly [string, string]> = [
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National day of mourning for President Reagan'],
  ['2007-01-02', 'National day of mourning for President Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National day of mourning for President George H. W. Bush'],
  ['2025-01-09', 'National day of mourning for President Carter'],
]

/**
 * 13:00 closes not implied by the rules: the Friday after a Thursday Christmas in 1997 and 2003 (in 2008 and 2014
 * that Friday was a full session). 1999-12-31 is sometimes listed as an early close; NYSE's closings list does not
 * have it, so it is a full session here.
 */
const UNSCHEDULED_EARLY_CLOSES: ReadonlyArray<readonly [string, string]> = [
  ['1997-12-26', 'Day after Christmas'],
  ['2003-12-26', 'Day after Christmas'],
]

export interface NyseYear {
  /** Weekdays with no session, by epoch day, with the reason. */
  readonly closed: ReadonlyMap<number, string>
  /** Sessions closing at 13:00 New York, by epoch day. */
  readonly earlyClose: ReadonlyMap<number, string>
}

function byYear(list: ReadonlyArray<readonly [string, string]>): Map<number, Array<[number, string]>> {
  const out = new Map<number, Array<[number, string]>>()
  for (const [date, name] of list) {
    const day = parseDay(date)
    const y = yearOf(day)
    const arr = out.get(y) ?? []
    arr.push([day, name])
    out.set(y, arr)
  }
  return out
}

const closuresByYear = byYear(UNSCHEDULED_CLOSURES)
const earlyByYear = byYear(UNSCHEDULED_EARLY_CLOSES)

/** Rule 7.2: a Saturday holiday is observed on the Friday before, a Sunday one on the Monday after. */
function observed(day: number): number {
  const wd = weekdayOf(day)
  return wd === SAT ? day - 1 : wd === SUN ? day + 1 : day
}

function buildYear(year: number): NyseYear {
  const closed = new Map<number, string>()
  const add = (day: number, name: string) => {
    const wd = weekdayOf(day)
    if (wd !== SAT && wd !== SUN && yearOf(day) === year) closed.set(day, name)
  }
  // New Year's Day: Sunday -> Monday; Saturday -> not observed (year-end exception of Rule 7.2).
  const jan1 = epochDay(year, 1, 1)
  if (weekdayOf(jan1) !== SAT) add(observed(jan1), "New Year's Day")
  if (year >= 1998) add(nthWeekday(year, 1, MON, 3), 'Martin Luther King Jr. Day')
  add(nthWeekday(year, 2, MON, 3), "Washington's Birthday")
  add(easterSunday(year) - 2, 'Good Friday')
  add(lastWeekday(year, 5, MON), 'Memorial Day')
  if (year >= 2022) add(observed(epochDay(year, 6, 19)), 'Juneteenth')
  add(observed(epochDay(year, 7, 4)), 'Independence Day')
  add(nthWeekday(year, 9, MON, 1), 'Labor Day')
  const thanksgiving = nthWeekday(year, 11, THU, 4)
  add(thanksgiving, 'Thanksgiving Day')
  add(observed(epochDay(year, 12, 25)), 'Christmas Day')
  for (const [day, name] of closuresByYear.get(year) ?? []) add(day, name)

  const earlyClose = new Map<number, string>()
  const early = (day: number, name: string) => {
    const wd = weekdayOf(day)
    if (wd !== SAT && wd !== SUN && !closed.has(day)) earlyClose.set(day, name)
  }
  // Independence Day eve: July 3 on a Monday, Tuesday or Thursday; on a Wednesday from 2013 (before, the Friday
  // July 5 after a Thursday July 4 closed early instead).
  const jul3 = epochDay(year, 7, 3)
  const jul3wd = weekdayOf(jul3)
  if (jul3wd === MON || jul3wd === TUE || jul3wd === THU || (jul3wd === WED && year >= 2013)) early(jul3, 'Independence Day eve')
  const jul5 = epochDay(year, 7, 5)
  if (weekdayOf(jul5) === FRI && year <= 2012) early(jul5, 'Day after Independence Day')
  early(thanksgiving + 1, 'Day after Thanksgiving')
  // Christmas Eve closes early when Christmas falls Tuesday to Friday (a Monday Christmas puts the eve on a Sunday,
  // a Saturday one makes the eve the observed holiday).
  const dec24 = epochDay(year, 12, 24)
  const dec24wd = weekdayOf(dec24)
  if (dec24wd >= MON && dec24wd <= THU) early(dec24, 'Christmas Eve')
  for (const [day, name] of earlyByYear.get(year) ?? []) early(day, name)
  return {closed, earlyClose}
}

const years = new Map<number, NyseYear>()

/** The closures and early closes of one calendar year (built once, then cached). */
export function nyseYear(year: number): NyseYear {
  let y = years.get(year)
  if (!y) {
    y = buildYear(year)
    if (years.size > 1_000) years.clear()
    years.set(year, y)
  }
  return y
}
