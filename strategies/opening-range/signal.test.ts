import {describe, expect, it} from 'vitest'
import type {Bar} from '../../src/core/market-data.js'
import type {Row} from '../../test/support/memory-stream.js'
import {OpeningRangeParams, OpeningRangeSignalParams} from './index.js'
import {OpeningRangeSignal} from './signal.js'
import {at, bars} from '../../test/support/ny-minute-bars.js'


function feed(rows: Row[], params: Partial<OpeningRangeSignalParams> = {}): {stances: number[]; reasons: string[]; signal: OpeningRangeSignal} {
  const signal = new OpeningRangeSignal(OpeningRangeSignalParams.parse(params))
  const stances: number[] = []
  const reasons: string[] = []
  for (const r of rows) {
    const bar: Bar = {...r, index: 0}
    stances.push(signal.update(bar))
    reasons.push(signal.reason)
  }
  return {stances, reasons, signal}
}

/** The (time, stance, reason) of each change of stance. */
function changes(rows: Row[], out: {stances: number[]; reasons: string[]}): [string, number, string][] {
  const res: [string, number, string][] = []
  let prev = 0
  out.stances.forEach((s, i) => {
    if (s !== prev) res.push([new Date(rows[i].ts).toISOString().slice(11, 16), s, out.reasons[i]])
    prev = s
  })
  return res
}

describe('OpeningRangeSignal', () => {
  it('builds the range from regular-session bars only: a pre-market spike is not the range', () => {
    const rows = [
      // Pre-market: a spike to 120 that must not become the range high, and a "break" that must not trade.
      ...bars(7, [8, 0], [9, 30], (m) => (m === at(9, 0) ? 120 : 100)),
      // 09:30-09:59: range 99.9 .. 101.1 (closes 100..101).
      ...bars(7, [9, 30], [10, 0], (m) => 100 + ((m - at(9, 30)) % 2)),
      // 10:00-10:09 inside, then a close of 101.5 at 10:10 breaks the high.
      ...bars(7, [10, 0], [10, 10], () => 100.5),
      ...bars(7, [10, 10], [11, 0], () => 101.5),
    ]
    const out = feed(rows)
    expect(out.signal.range).toEqual([101.1, 99.9])
    // 10:10 New York = 14:10 UTC.
    expect(changes(rows, out)).toEqual([['14:10', 1, 'breakout_up']])
  })

  it('stops out on a close at the stop and takes no second long that session (a break below is its own short)', () => {
    const rows = [
      ...bars(7, [9, 30], [10, 0], () => 100),
      ...bars(7, [10, 0], [10, 5], () => 100.5),
      ...bars(7, [10, 5], [10, 10], () => 99.8), // below the range low 99.9: the default stop (stopFraction 1)
      ...bars(7, [10, 10], [11, 0], () => 101), // breaks up again: not taken
    ]
    const out = feed(rows)
    expect(changes(rows, out)).toEqual([
      ['14:00', 1, 'breakout_up'],
      ['14:05', 0, 'stop'],
      ['14:06', -1, 'breakout_down'],
      ['14:10', 0, 'stop'],
    ])
  })

  it('a tighter stop (stopFraction 0.5) sits in the middle of the range', () => {
    const rows = [
      ...bars(7, [9, 30], [10, 0], (m) => (m < at(9, 45) ? 98 : 102)), // range 97.9 .. 102.1, middle 100
      ...bars(7, [10, 0], [10, 5], () => 103),
      ...bars(7, [10, 5], [10, 10], () => 100.01),
      ...bars(7, [10, 10], [10, 15], () => 99.99),
    ]
    const out = feed(rows, {stopFraction: 0.5})
    expect(changes(rows, out)).toEqual([
      ['14:00', 1, 'breakout_up'],
      ['14:10', 0, 'stop'],
    ])
  })

  it('is flat before the close and on after-market bars', () => {
    const rows = [...bars(7, [9, 30], [10, 0], () => 100), ...bars(7, [10, 0], [16, 0], () => 101), ...bars(7, [16, 0], [17, 0], () => 101)]
    const out = feed(rows)
    expect(changes(rows, out)).toEqual([
      ['14:00', 1, 'breakout_up'],
      ['19:55', 0, 'session_end'],
    ])
  })

  it('short breakouts have their stop at the range high', () => {
    const rows = [...bars(7, [9, 30], [10, 0], () => 100), ...bars(7, [10, 0], [10, 20], () => 99.5), ...bars(7, [10, 20], [10, 30], () => 100.2)]
    const out = feed(rows)
    expect(changes(rows, out)).toEqual([
      ['14:00', -1, 'breakout_down'],
      ['14:20', 0, 'stop'],
      ['14:21', 1, 'breakout_up'],
    ])
  })

  it('takes no entry after the cut-off, and none when the data starts after the range', () => {
    const late = [...bars(7, [9, 30], [10, 0], () => 100), ...bars(7, [10, 0], [15, 0], () => 100), ...bars(7, [15, 0], [15, 30], () => 102)]
    expect(changes(late, feed(late))).toEqual([])
    const noRange = bars(7, [10, 30], [12, 0], (m) => 100 + (m - at(10, 30)) * 0.1)
    expect(changes(noRange, feed(noRange))).toEqual([])
  })

  it('starts a new range each session', () => {
    const rows = [
      ...bars(7, [9, 30], [10, 0], () => 100),
      ...bars(7, [10, 0], [10, 5], () => 101),
      ...bars(8, [9, 30], [10, 0], () => 105), // the next day opens higher: its own range
      ...bars(8, [10, 0], [10, 5], () => 104),
    ]
    const out = feed(rows)
    expect(changes(rows, out)).toEqual([
      ['14:00', 1, 'breakout_up'],
      ['13:30', 0, 'session_end'],
      ['14:00', -1, 'breakout_down'],
    ])
  })

  it('rejects settings that cannot work', () => {
    expect(OpeningRangeParams.safeParse({rangeMinutes: 0}).success).toBe(false)
    expect(OpeningRangeParams.safeParse({lastEntryMinutesBeforeClose: 5, exitBeforeCloseMinutes: 10}).success).toBe(false)
    expect(OpeningRangeParams.safeParse({rangMinutes: 15}).success).toBe(false)
    expect(OpeningRangeParams.parse({})).toMatchObject({rangeMinutes: 30, stopFraction: 1, fraction: 0.2, allowShort: false})
  })
})
