import {describe, expect, it} from 'vitest'
import {EventLoop} from '../engine/event-loop.js'
import {nextGridTime, ServiceTimer} from './service-timer.js'

describe('ServiceTimer', () => {
  it('ticks on the fixed grid (interval, phase) and only while armed', async () => {
    const loop = new EventLoop(0)
    const ticks: number[] = []
    let work = 3
    const t: ServiceTimer = new ServiceTimer(loop, loop.clock, 30_000, 1_000, () => {
      ticks.push(loop.clock.now())
      if (--work > 0) t.arm()
    })
    loop.clock.advanceTo(45_000)
    t.arm()
    t.arm() // arming twice schedules one tick
    await loop.runAll()
    expect(ticks).toEqual([61_000, 91_000, 121_000])
  })

  it('computes the next grid time, at or strictly after now', () => {
    expect(nextGridTime(61_000, 30_000, 1_000, false)).toBe(61_000)
    expect(nextGridTime(61_000, 30_000, 1_000, true)).toBe(91_000)
    expect(nextGridTime(61_001, 30_000, 1_000, false)).toBe(91_000)
  })

  it('armAt waits for the first grid time at or after the given time; stop cancels', async () => {
    const loop = new EventLoop(0)
    const ticks: number[] = []
    const t = new ServiceTimer(loop, loop.clock, 15_000, 1_000, () => ticks.push(loop.clock.now()))
    t.armAt(40_000)
    await loop.runAll()
    expect(ticks).toEqual([46_000])
    t.arm()
    t.stop()
    await loop.runAll()
    expect(ticks).toEqual([46_000])
  })
})
