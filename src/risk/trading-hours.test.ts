import {describe, expect, it} from 'vitest'
import {nextWindowEnd, TradingScheduleSchema, withinSchedule} from './trading-hours.js'

const at = (iso: string): number => Date.parse(iso)
const ny = TradingScheduleSchema.parse({start: '09:45', end: '15:30', timezone: 'America/New_York'})

describe('trading hours in an IANA zone', () => {
  it('moves the window with the clocks on the spring DST change day (New York, 2024-03-10)', () => {
    // Saturday, EST (UTC-5): 09:45 local is 14:45Z.
    expect(withinSchedule(ny, at('2024-03-09T14:44:00Z'))).toBe(false)
    expect(withinSchedule(ny, at('2024-03-09T14:45:00Z'))).toBe(true)
    // Sunday, the change day, EDT (UTC-4): 09:45 local is 13:45Z, 15:30 is 19:30Z.
    expect(withinSchedule(ny, at('2024-03-10T13:44:59Z'))).toBe(false)
    expect(withinSchedule(ny, at('2024-03-10T13:45:00Z'))).toBe(true)
    expect(withinSchedule(ny, at('2024-03-10T19:29:59Z'))).toBe(true)
    expect(withinSchedule(ny, at('2024-03-10T19:30:00Z'))).toBe(false)
    expect(nextWindowEnd(ny, at('2024-03-09T21:00:00Z'))).toBe(at('2024-03-10T19:30:00Z'))
    expect(nextWindowEnd(ny, at('2024-03-09T20:29:00Z'))).toBe(at('2024-03-09T20:30:00Z'))
  })

  it('and on the autumn change day (New York, 2024-11-03), and in another zone (London, 2024-03-31)', () => {
    expect(withinSchedule(ny, at('2024-11-02T13:45:00Z'))).toBe(true) // EDT
    expect(withinSchedule(ny, at('2024-11-03T13:45:00Z'))).toBe(false) // EST: 08:45 local
    expect(withinSchedule(ny, at('2024-11-03T14:45:00Z'))).toBe(true)
    expect(nextWindowEnd(ny, at('2024-11-03T12:00:00Z'))).toBe(at('2024-11-03T20:30:00Z'))
    const london = TradingScheduleSchema.parse({start: '08:00', end: '16:30', timezone: 'Europe/London'})
    expect(withinSchedule(london, at('2024-03-30T07:30:00Z'))).toBe(false) // GMT: 07:30 local
    expect(withinSchedule(london, at('2024-03-31T07:30:00Z'))).toBe(true) // BST: 08:30 local
    expect(nextWindowEnd(london, at('2024-03-31T07:30:00Z'))).toBe(at('2024-03-31T15:30:00Z'))
  })

  it('an end inside the spring gap falls when the clocks jump past it', () => {
    const s = TradingScheduleSchema.parse({start: '00:30', end: '02:30', timezone: 'America/New_York'})
    expect(nextWindowEnd(s, at('2024-03-10T06:00:00Z'))).toBe(at('2024-03-10T07:00:00Z'))
    expect(withinSchedule(s, at('2024-03-10T06:59:00Z'))).toBe(true)
    expect(withinSchedule(s, at('2024-03-10T07:00:00Z'))).toBe(false)
  })

  it('applies only on the listed (local) days', () => {
    const weekdays = TradingScheduleSchema.parse({start: '09:45', end: '15:30', days: ['mon', 'tue', 'wed', 'thu', 'fri']})
    expect(withinSchedule(weekdays, at('2024-03-09T15:00:00Z'))).toBe(false) // Saturday
    expect(withinSchedule(weekdays, at('2024-03-11T15:00:00Z'))).toBe(true) // Monday
    // Friday 21:00 local: the next end is Monday's.
    expect(nextWindowEnd(weekdays, at('2024-03-09T02:00:00Z'))).toBe(at('2024-03-11T19:30:00Z'))
  })

  it('refuses an unknown zone and a window that does not end after it starts', () => {
    const r1 = TradingScheduleSchema.safeParse({start: '09:30', end: '16:00', timezone: 'America/Nowhere'})
    expect(r1.success ? '' : r1.error.issues[0].message).toMatch(/unknown time zone 'America\/Nowhere'/)
    const r2 = TradingScheduleSchema.safeParse({start: '16:00', end: '09:30'})
    expect(r2.success ? '' : r2.error.issues[0].message).toMatch(/end 09:30 is not after start 16:00/)
    expect(TradingScheduleSchema.safeParse({start: '10:00', end: '10:00'}).success).toBe(false)
  })
})
