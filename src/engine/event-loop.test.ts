import {describe, expect, it} from 'vitest'
import {ClockError} from '../core/time/clock.js'
import {EventLoop, SimulationError} from './event-loop.js'

describe('EventLoop.runUntil', () => {
  it('runs due items in time order, advancing the clock to each', async () => {
    const loop = new EventLoop(0)
    const seen: string[] = []
    for (const t of [30, 10, 20, 50]) loop.at(t, () => seen.push(`${t}@${loop.clock.now()}`))
    expect(await loop.runUntil(25)).toBe(2)
    expect(seen).toEqual(['10@10', '20@20'])
    expect(loop.clock.now()).toBe(20)
    expect(loop.pending).toBe(2)
    expect(loop.nextTime).toBe(30)
    expect(await loop.runUntil(49)).toBe(1)
    expect(await loop.runUntil(50)).toBe(1)
    expect(seen).toEqual(['10@10', '20@20', '30@30', '50@50'])
  })

  it('runAll runs everything and stops on an empty queue', async () => {
    const loop = new EventLoop(100)
    const seen: number[] = []
    loop.after(5, () => seen.push(loop.clock.now()))
    loop.after(1, () => seen.push(loop.clock.now()))
    expect(await loop.runAll()).toBe(2)
    expect(seen).toEqual([101, 105])
    expect(loop.clock.now()).toBe(105)
    expect(await loop.runAll()).toBe(0)
    expect(loop.clock.now()).toBe(105)
  })

  it('lets an async continuation schedule at the same instant and run before later items', async () => {
    const loop = new EventLoop(0)
    const seen: string[] = []
    let ack: () => void = () => {}
    const acked = new Promise<void>((resolve) => (ack = resolve))
    loop.at(10, () => {
      seen.push('strategy waits')
      void (async () => {
        await acked
        await Promise.resolve()
        seen.push(`continuation at ${loop.clock.now()}`)
        loop.at(loop.clock.now(), () => seen.push(`follow-up at ${loop.clock.now()}`))
      })()
    })
    loop.at(10, () => {
      seen.push('venue acks')
      ack()
    })
    loop.at(11, () => seen.push('later item'))
    expect(await loop.runUntil(20)).toBe(4)
    expect(seen).toEqual(['strategy waits', 'venue acks', 'continuation at 10', 'follow-up at 10', 'later item'])
  })

  it('refuses to move the clock back, and runs an item scheduled in the past now', async () => {
    const loop = new EventLoop(100)
    expect(() => loop.clock.advanceTo(99)).toThrow(ClockError)
    expect(() => loop.clock.advanceTo(99)).toThrow('virtual clock cannot move back from 100 to 99')
    const seen: number[] = []
    loop.at(50, () => seen.push(loop.clock.now()))
    loop.after(-10, () => seen.push(loop.clock.now()))
    await loop.runUntil(100)
    expect(seen).toEqual([100, 100])
    expect(loop.clock.now()).toBe(100)
  })

  it('stops a task that keeps rescheduling itself at one instant', async () => {
    const loop = new EventLoop(0, {maxStepsPerInstant: 50})
    let runs = 0
    const again = (): void => {
      runs++
      loop.at(loop.clock.now(), again)
    }
    loop.at(5, again)
    await expect(loop.runUntil(10)).rejects.toThrow(SimulationError)
    expect(runs).toBe(51)
    const loop2 = new EventLoop(0, {maxStepsPerInstant: 50})
    const again2 = (): void => void loop2.at(loop2.clock.now(), again2)
    loop2.at(5, again2)
    await expect(loop2.runUntil(10)).rejects.toThrow('more than 50 events at t=5: a task reschedules itself without advancing time')
  })

  it('does not trip the guard for work spread over time', async () => {
    const loop = new EventLoop(0, {maxStepsPerInstant: 3})
    let n = 0
    const next = (): void => {
      if (++n < 100) loop.after(1, next)
    }
    loop.at(0, next)
    expect(await loop.runAll()).toBe(100)
    expect(loop.clock.now()).toBe(99)
  })
})

describe('EventLoop timers', () => {
  it('every fires at each interval, from now + interval or from firstAt', async () => {
    const loop = new EventLoop(1000)
    const a: number[] = []
    const b: number[] = []
    loop.every(10, () => a.push(loop.clock.now()))
    loop.every(25, () => b.push(loop.clock.now()), 1005)
    await loop.runUntil(1060)
    expect(a).toEqual([1010, 1020, 1030, 1040, 1050, 1060])
    expect(b).toEqual([1005, 1030, 1055])
  })

  it('refuses a non-positive interval', () => {
    const loop = new EventLoop(0)
    expect(() => loop.every(0, () => {})).toThrow(SimulationError)
    expect(() => loop.every(NaN, () => {})).toThrow('timer interval must be > 0 ms, got NaN')
  })

  it('never fires a cancelled timer', async () => {
    const loop = new EventLoop(0)
    const fired: string[] = []
    loop.at(10, () => fired.push('at')).cancel()
    loop.after(5, () => fired.push('after')).cancel()
    loop.every(3, () => fired.push('every')).cancel()
    const kept = loop.after(7, () => fired.push('kept'))
    // Cancelled by an earlier item at run time.
    const victim = loop.at(20, () => fired.push('victim'))
    loop.at(15, () => victim.cancel())
    await loop.runAll()
    expect(fired).toEqual(['kept'])
    kept.cancel() // cancelling after it fired is harmless
  })

  it('stops a repeating timer cancelled from its own callback', async () => {
    const loop = new EventLoop(0)
    const fired: number[] = []
    const h = loop.every(10, () => {
      fired.push(loop.clock.now())
      if (fired.length === 3) h.cancel()
    })
    await loop.runUntil(1000)
    expect(fired).toEqual([10, 20, 30])
  })
})

describe('EventLoop: an answer before a timer of the same millisecond', () => {
  it('runs the continuation of a settled promise before the next task of the same instant', async () => {
    const loop = new EventLoop(0)
    const order: string[] = []
    let resolve!: () => void
    const answer = new Promise<void>((r) => (resolve = r))
    void answer.then(() => order.push('continuation'))
    loop.schedule(10, () => {
      loop.markAsync()
      resolve()
      order.push('answer')
    })
    loop.schedule(10, () => order.push('timer'))
    await loop.runUntil(10)
    expect(order).toEqual(['answer', 'continuation', 'timer'])
  })
})
