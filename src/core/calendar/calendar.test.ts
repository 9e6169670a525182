import {describe, expect, it} from 'vitest'
import {easterSunday, weekdayOf} from './civil-day.js'
import {
  epochDay,
  formatDay,
  holidayName,
  isEarlyClose,
  isHoliday,
  isMarketOpen,
  newYorkDateOf,
  nextOpen,
  NYSE_CHECKED_YEARS,
  nyseYear,
  parseDay,
  sessionOf,
  sessionOfDate,
  sessionOfDay,
  sessionsBetween,
} from './index.js'

const H = 3_600_000
const utc = (iso: string) => Date.parse(iso)
const iso = (ms: number) => new Date(ms).toISOString()
const sorted = (m: ReadonlyMap<number, string>) => [...m.keys()].sort((a, b) => a - b).map(formatDay)

describe('sessions on known dates', () => {
  it('Thanksgiving 2003: closed on the Thursday, closes 13:00 ET (18:00 UTC) on the Friday', () => {
    expect(sessionOfDate('2003-11-27')).toBeNull()
    expect(holidayName('2003-11-27')).toBe('Thanksgiving Day')
    const friday = sessionOfDate('2003-11-28')!
    expect(iso(friday.open)).toBe('2003-11-28T14:30:00.000Z')
    expect(iso(friday.close)).toBe('2003-11-28T18:00:00.000Z')
    expect(isEarlyClose('2003-11-28')).toBe(true)
    expect(isMarketOpen(utc('2003-11-28T17:59:59Z'))).toBe(true)
    expect(isMarketOpen(utc('2003-11-28T18:00:00Z'))).toBe(false)
  })

  it('closes on observed Independence Day 2010 (a Monday) and on Presidents Day 2013', () => {
    expect(sessionOfDate('2010-07-05')).toBeNull()
    expect(holidayName('2010-07-05')).toBe('Independence Day')
    expect(sessionOfDate('2013-02-18')).toBeNull()
    expect(holidayName('2013-02-18')).toBe("Washington's Birthday")
  })

  it('Christmas 2013: early close on the 24th, closed on the 25th, a full session on the 26th', () => {
    expect(iso(sessionOfDate('2013-12-24')!.close)).toBe('2013-12-24T18:00:00.000Z')
    expect(sessionOfDate('2013-12-25')).toBeNull()
    expect(isHoliday('2013-12-25')).toBe(true)
    const s = sessionOfDate('2013-12-26')!
    expect([iso(s.open), iso(s.close)]).toEqual(['2013-12-26T14:30:00.000Z', '2013-12-26T21:00:00.000Z'])
    expect(isEarlyClose('2013-12-26')).toBe(false)
  })

  it('follows DST: 09:30 ET is 13:30 UTC in summer and 14:30 UTC in winter, switching over the weekend', () => {
    expect(iso(sessionOfDate('2013-10-04')!.open)).toBe('2013-10-04T13:30:00.000Z')
    expect(iso(sessionOfDate('2013-12-04')!.open)).toBe('2013-12-04T14:30:00.000Z')
    // 2024-03-10 and 2024-11-03 are the change Sundays.
    expect(iso(sessionOfDate('2024-03-08')!.open)).toBe('2024-03-08T14:30:00.000Z')
    expect(iso(sessionOfDate('2024-03-11')!.open)).toBe('2024-03-11T13:30:00.000Z')
    expect(iso(sessionOfDate('2024-11-01')!.close)).toBe('2024-11-01T20:00:00.000Z')
    expect(iso(sessionOfDate('2024-11-04')!.close)).toBe('2024-11-04T21:00:00.000Z')
  })

  it('takes the New York date of an instant, not its UTC date', () => {
    // 02:00 UTC on the 24th is 21:00 on the 23rd in New York.
    const t = utc('2013-12-24T02:00:00Z')
    expect(newYorkDateOf(t)).toBe('2013-12-23')
    expect(sessionOf(t)).toEqual(sessionOfDate('2013-12-23'))
    expect(sessionOf(utc('2013-12-25T04:59:59Z'))).toEqual(sessionOfDate('2013-12-24'))
    expect(sessionOf(utc('2013-12-25T05:00:00Z'))).toBeNull()
  })

  it('knows the unscheduled closures since 1995', () => {
    for (const d of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      expect(sessionOfDate(d), d).toBeNull()
    }
    expect(sessionOfDate('2001-09-10')).not.toBeNull()
    expect(sessionOfDate('2001-09-17')).not.toBeNull()
  })

  it('weekends are closed but are not holidays', () => {
    expect(sessionOfDate('2013-12-28')).toBeNull()
    expect(isHoliday('2013-12-28')).toBe(false)
    expect(isEarlyClose('2013-12-28')).toBe(false)
  })
})

describe('nextOpen', () => {
  it('is t itself inside a session and the same day open before it', () => {
    const t = utc('2013-10-07T15:00:00Z')
    expect(nextOpen(t)).toBe(t)
    expect(iso(nextOpen(utc('2013-10-07T05:00:00Z')))).toBe('2013-10-07T13:30:00.000Z')
  })

  it('steps over Christmas, a long weekend, an early close and the week after 2001-09-11', () => {
    expect(iso(nextOpen(utc('2013-12-24T18:00:00Z')))).toBe('2013-12-26T14:30:00.000Z')
    expect(iso(nextOpen(utc('2010-07-02T20:00:00Z')))).toBe('2010-07-06T13:30:00.000Z')
    expect(iso(nextOpen(utc('2003-11-26T21:00:00Z')))).toBe('2003-11-28T14:30:00.000Z')
    expect(iso(nextOpen(utc('2003-11-28T18:30:00Z')))).toBe('2003-12-01T14:30:00.000Z')
    expect(iso(nextOpen(utc('2001-09-10T20:00:00Z')))).toBe('2001-09-17T13:30:00.000Z')
  })

  it('agrees with a day-by-day scan on every day 1995-2030', () => {
    const first = epochDay(NYSE_CHECKED_YEARS.first, 1, 1)
    const last = epochDay(NYSE_CHECKED_YEARS.last, 12, 31)
    let expectedNext = -1
    // Scan backwards: after day d's close, or from 18:00 UTC (midday in New York) on a closed day, the next open is
    // the next session day's open.
    for (let d = last; d >= first; d--) {
      const t = sessionOfDay(d)?.close ?? d * 86_400_000 + 18 * H
      if (expectedNext >= 0) expect(nextOpen(t)).toBe(expectedNext)
      const s = sessionOfDay(d)
      if (s) expectedNext = s.open
    }
  })
})

describe('sessionsBetween', () => {
  it('lists the sessions overlapping [from, to) in order', () => {
    const list = sessionsBetween(utc('2013-12-23T00:00:00Z'), utc('2013-12-28T00:00:00Z'))
    expect(list.map(s => newYorkDateOf(s.open))).toEqual(['2013-12-23', '2013-12-24', '2013-12-26', '2013-12-27'])
    // A window starting inside a session includes it; an empty window has none.
    expect(sessionsBetween(utc('2013-12-23T20:00:00Z'), utc('2013-12-23T20:30:00Z'))).toHaveLength(1)
    expect(sessionsBetween(utc('2013-12-23T20:00:00Z'), utc('2013-12-23T20:00:00Z'))).toHaveLength(0)
  })
})

describe('holiday table', () => {
  it('matches the published NYSE calendars for 2025-2027', () => {
    expect(sorted(nyseYear(2025).closed)).toEqual([
      '2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26',
      '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25',
    ])
    expect(sorted(nyseYear(2025).earlyClose)).toEqual(['2025-07-03', '2025-11-28', '2025-12-24'])
    expect(sorted(nyseYear(2026).closed)).toEqual([
      '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19',
      '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25',
    ])
    expect(sorted(nyseYear(2026).earlyClose)).toEqual(['2026-11-27', '2026-12-24'])
    expect(sorted(nyseYear(2027).closed)).toEqual([
      '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18',
      '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24',
    ])
    expect(sorted(nyseYear(2027).earlyClose)).toEqual(['2027-11-26'])
  })

  it('covers 2030 by the rules (Juneteenth, a Thursday July 4 with a Wednesday eve)', () => {
    expect(sorted(nyseYear(2030).closed)).toEqual([
      '2030-01-01', '2030-01-21', '2030-02-18', '2030-04-19', '2030-05-27', '2030-06-19',
      '2030-07-04', '2030-09-02', '2030-11-28', '2030-12-25',
    ])
    expect(sorted(nyseYear(2030).earlyClose)).toEqual(['2030-07-03', '2030-11-29', '2030-12-24'])
  })

  it('has the historical early closes around July 4 and Christmas', () => {
    // A Thursday July 4: the Friday after closed early until 2012, the Wednesday before from 2013.
    expect([isEarlyClose('2002-07-03'), isEarlyClose('2002-07-05')]).toEqual([false, true])
    expect([isEarlyClose('2013-07-03'), isEarlyClose('2013-07-05')]).toEqual([true, false])
    // A Thursday Christmas: the Friday after closed early in 1997 and 2003, not in 2008 and 2014.
    expect(['1997-12-26', '2003-12-26', '2008-12-26', '2014-12-26'].map(isEarlyClose)).toEqual([true, true, false, false])
    // New Year's Eve 1999 was a full session.
    expect(isEarlyClose('1999-12-31')).toBe(false)
    expect(isHoliday('1999-12-31')).toBe(false)
  })

  it('has no Martin Luther King Jr. Day before 1998 and no Juneteenth before 2022', () => {
    expect(isHoliday('1997-01-20')).toBe(false)
    expect(isHoliday('1998-01-19')).toBe(true)
    expect(isHoliday('2021-06-18')).toBe(false)
    expect(isHoliday('2022-06-20')).toBe(true) // the 19th was a Sunday
  })

  it('counts the published number of sessions per year', () => {
    const sessions = (year: number) => {
      let n = 0
      for (let d = epochDay(year, 1, 1); d <= epochDay(year, 12, 31); d++) if (sessionOfDay(d)) n++
      return n
    }
    expect([2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024].map(sessions)).toEqual([251, 251, 252, 253, 252, 251, 250, 252])
  })

  it('every session in 1995-2030 lasts 6.5 hours, or 3.5 on an early-close day, on a weekday', () => {
    for (let d = epochDay(NYSE_CHECKED_YEARS.first, 1, 1); d <= epochDay(NYSE_CHECKED_YEARS.last, 12, 31); d++) {
      const s = sessionOfDay(d)
      if (!s) continue
      expect(weekdayOf(d) % 6).not.toBe(0)
      expect((s.close - s.open) / H).toBe(isEarlyClose(formatDay(d)) ? 3.5 : 6.5)
    }
  })

  it('years past the table follow the rules: 2045', () => {
    // 2045: Jan 1 a Sunday -> Monday Jan 2; July 4 a Tuesday -> Monday July 3 closes early; Christmas a Monday.
    expect(sorted(nyseYear(2045).closed)).toEqual([
      '2045-01-02', '2045-01-16', '2045-02-20', '2045-04-07', '2045-05-29', '2045-06-19',
      '2045-07-04', '2045-09-04', '2045-11-23', '2045-12-25',
    ])
    expect(sorted(nyseYear(2045).earlyClose)).toEqual(['2045-07-03', '2045-11-24'])
  })
})

describe('dates', () => {
  it('computes Easter Sunday', () => {
    const easter = (y: number) => formatDay(easterSunday(y))
    expect([2000, 2008, 2011, 2019, 2024, 2038].map(easter)).toEqual(['2000-04-23', '2008-03-23', '2011-04-24', '2019-04-21', '2024-03-31', '2038-04-25'])
  })

  it('refuses a text that is not a calendar date, naming it', () => {
    expect(() => sessionOfDate('2013-02-30')).toThrow(/'2013-02-30' is not a calendar date/)
    expect(() => isHoliday('20131224')).toThrow(/YYYY-MM-DD/)
    expect(parseDay('1970-01-02')).toBe(1)
  })
})
