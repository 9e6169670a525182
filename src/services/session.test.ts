import {describe, expect, it} from 'vitest'
import {SessionFilter} from './session.js'

const MIN = 60_000
// Tuesday 2024-01-02 (EST, UTC-5) and Monday 2013-10-07 (EDT, UTC-4).
const open2024 = Date.UTC(2024, 0, 2, 14, 30)
const open2013 = Date.UTC(2013, 9, 7, 13, 30)

describe('SessionFilter', () => {
  it('keeps stock decisions inside 09:30-16:00 New York on weekdays, in both winter and summer time', () => {
    const f = new SessionFilter([true])
    f.observe(0, open2024 - MIN)
    f.observe(0, open2024)
    expect(f.inSession(0, open2024 - 1)).toBe(false)
    expect(f.inSession(0, open2024)).toBe(true)
    expect(f.inSession(0, open2024 + 390 * MIN - 1)).toBe(true)
    expect(f.inSession(0, open2024 + 390 * MIN)).toBe(false)
    expect(f.inSession(0, open2013)).toBe(true)
    expect(f.inSession(0, open2013 - 1)).toBe(false)
    // Saturday 2024-01-06 at 11:00 New York.
    expect(f.inSession(0, Date.UTC(2024, 0, 6, 16))).toBe(false)
  })

  it('treats daily bars and round-the-clock symbols as always in session', () => {
    const f = new SessionFilter([true, false])
    f.observe(0, Date.UTC(2024, 0, 2, 5))
    f.observe(0, Date.UTC(2024, 0, 3, 5))
    expect(f.inSession(0, Date.UTC(2024, 0, 4, 5))).toBe(true)
    expect(f.inSession(1, Date.UTC(2024, 0, 6, 3))).toBe(true)
  })
})
