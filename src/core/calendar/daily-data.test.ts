/**
 * The calendar against the bundled Lean daily bars (data/sample/equity/usa/daily, format in
 * data/sample/PROVENANCE.md): within each file's range, a bar on every session day and none on a weekend or a
 * listed closure.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {unzipSync} from 'fflate'
import {describe, expect, it} from 'vitest'
import {epochDay, formatDay, holidayName, sessionOfDay} from './index.js'

const dailyDir = fileURLToPath(new URL('../../../data/sample/equity/usa/daily/', import.meta.url))

/** The dates (epoch days) with a bar in one Lean daily zip. */
function barDays(file: string): number[] {
  const entries = unzipSync(readFileSync(join(dailyDir, file)))
  const csv = Object.keys(entries).filter(n => n.endsWith('.csv'))
  expect(csv, `${file} holds one CSV`).toHaveLength(1)
  const days: number[] = []
  for (const line of new TextDecoder().decode(entries[csv[0]]).split('\n')) {
    const m = /^(\d{4})(\d{2})(\d{2}) 00:00,/.exec(line)
    if (m) days.push(epochDay(Number(m[1]), Number(m[2]), Number(m[3])))
    else expect(line.trim(), `${file}: unexpected line`).toBe('')
  }
  return days
}

/**
 * Known gap, not a calendar matter: from 2004-12-01 to 2011-03-22 the Nasdaq-100 trust traded as QQQQ, and Lean keeps
 * those bars under that ticker (its map file equity/usa/map_files/qqq.csv: `20041130,qqq` then `20110322,qqqq`),
 * which is not bundled. The test checks that QQQ has no bar at all inside this window and is complete outside it.
 */
const TICKER_GAPS: Record<string, readonly [string, string]> = {'qqq.zip': ['2004-12-01', '2011-03-22']}

const files = readdirSync(dailyDir).filter(f => f.endsWith('.zip')).sort()

describe('NYSE calendar against the bundled daily bars', () => {
  it('finds the five bundled files, SPY from 1998-01-02 to 2021-03-31', () => {
    expect(files).toEqual(['aapl.zip', 'ibm.zip', 'iwm.zip', 'qqq.zip', 'spy.zip'])
    const spy = barDays('spy.zip')
    expect(formatDay(spy[0])).toBe('1998-01-02')
    expect(formatDay(spy[spy.length - 1])).toBe('2021-03-31')
  })

  for (const file of files) {
    it(`${file}: a bar on every session day, none on a weekend or listed closure`, () => {
      const days = barDays(file)
      const have = new Set(days)
      expect(have.size, 'one bar per date').toBe(days.length)
      const gap = TICKER_GAPS[file]
      const inGap = (d: number) => gap !== undefined && formatDay(d) >= gap[0] && formatDay(d) <= gap[1]
      const barOnClosedDay: string[] = []
      const missingSession: string[] = []
      let holidaysSeen = 0
      for (let d = days[0]; d <= days[days.length - 1]; d++) {
        const session = sessionOfDay(d) !== null
        if (!session && holidayName(formatDay(d)) !== undefined) holidaysSeen++
        if (have.has(d) && (!session || inGap(d))) barOnClosedDay.push(`${formatDay(d)} (${holidayName(formatDay(d)) ?? 'weekend or ticker gap'})`)
        if (!have.has(d) && session && !inGap(d)) missingSession.push(formatDay(d))
      }
      expect(barOnClosedDay).toEqual([])
      expect(missingSession).toEqual([])
      // The range holds holidays (about nine a year), so the check above did compare against listed closures.
      const years = (days[days.length - 1] - days[0]) / 365.25
      expect(holidaysSeen).toBeGreaterThan(8 * years)
    })
  }

  it('SPY has no bar on the unscheduled closures 1998-2021 and a bar on the session days around them', () => {
    const spy = new Set(barDays('spy.zip'))
    const has = (date: string) => spy.has(epochDay(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))))
    for (const closed of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05']) {
      expect(has(closed), closed).toBe(false)
      expect(holidayName(closed), closed).toBeDefined()
    }
    for (const open of ['2001-09-10', '2001-09-17', '2004-06-10', '2004-06-14', '2007-01-03', '2012-10-26', '2012-10-31', '2018-12-04', '2018-12-06']) {
      expect(has(open), open).toBe(true)
    }
    // Saturday New Year's Days are not observed on the Friday before (NYSE Rule 7.2's year-end exception).
    for (const open of ['2004-12-31', '2010-12-31']) expect(has(open), open).toBe(true)
    // A Saturday Christmas is observed on the Friday before.
    for (const closed of ['1999-12-24', '2004-12-24', '2010-12-24']) expect(has(closed), closed).toBe(false)
  })
})
