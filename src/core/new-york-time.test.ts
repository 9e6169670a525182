import {describe, expect, it} from 'vitest'
import {newYorkOffsetMs, NewYorkDay, newYorkToUtc} from './new-york-time.js'

const H = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

describe('New York time to UTC', () => {
  it('uses EDT (UTC-4) in October and EST (UTC-5) in December', () => {
    expect(iso(newYorkToUtc(2013, 10, 4, 9.5 * H))).toBe('2013-10-04T13:30:00.000Z')
    expect(iso(newYorkToUtc(2013, 12, 4, 9.5 * H))).toBe('2013-12-04T14:30:00.000Z')
    expect(newYorkOffsetMs(Date.UTC(2013, 9, 4, 12))).toBe(-4 * H)
    expect(newYorkOffsetMs(Date.UTC(2013, 11, 4, 12))).toBe(-5 * H)
  })

  it('switches at 02:00 local on the DST change days', () => {
    // 2024-03-10: clocks jump from 02:00 EST to 03:00 EDT.
    expect(iso(newYorkToUtc(2024, 3, 10, 1.5 * H))).toBe('2024-03-10T06:30:00.000Z')
    expect(iso(newYorkToUtc(2024, 3, 10, 3.5 * H))).toBe('2024-03-10T07:30:00.000Z')
    // 2024-11-03: clocks fall back from 02:00 EDT to 01:00 EST; 01:30 is taken as its first (EDT) occurrence.
    expect(iso(newYorkToUtc(2024, 11, 3, 1.5 * H))).toBe('2024-11-03T05:30:00.000Z')
    expect(iso(newYorkToUtc(2024, 11, 3, 3 * H))).toBe('2024-11-03T08:00:00.000Z')
  })

  it('NewYorkDay agrees with the per-time conversion on ordinary and DST days', () => {
    for (const [y, m, d] of [
      [2013, 10, 4],
      [2024, 3, 10],
      [2024, 11, 3],
      [2015, 12, 24],
    ]) {
      const day = new NewYorkDay(y, m, d)
      for (let ms = 0; ms < 24 * H; ms += 15 * 60_000) expect(day.toUtc(ms)).toBe(newYorkToUtc(y, m, d, ms))
    }
  })
})
