import {describe, expect, it} from 'vitest'
import {Rng} from '../core/rng.js'
import {EventQueue} from './event-queue.js'

function drain(q: EventQueue): void {
  while (q.size > 0) q.pop()?.()
}

describe('EventQueue', () => {
  it('is empty at first', () => {
    const q = new EventQueue()
    expect(q.size).toBe(0)
    expect(q.nextTime).toBe(Infinity)
  })

  it('orders by (time, insertion) on randomized input, like a stable sort', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = new Rng(seed)
      const q = new EventQueue()
      const n = 5000
      const ref: {time: number; id: number}[] = []
      const out: number[] = []
      for (let id = 0; id < n; id++) {
        const time = rng.int(200) // many ties
        ref.push({time, id})
        q.push(time, () => out.push(id))
      }
      expect(q.size).toBe(n)
      expect(q.nextTime).toBe(Math.min(...ref.map((r) => r.time)))
      drain(q)
      const expected = [...ref].sort((a, b) => a.time - b.time || a.id - b.id).map((r) => r.id)
      expect(out).toEqual(expected)
    }
  })

  it('keeps the order when items are pushed while others are popped', () => {
    const rng = new Rng(9)
    const q = new EventQueue()
    const ref: {time: number; id: number}[] = []
    const out: {time: number; id: number}[] = []
    let id = 0
    let now = 0
    for (let step = 0; step < 20_000; step++) {
      if (q.size === 0 || rng.next() < 0.55) {
        const item = {time: now + rng.int(50), id: id++}
        ref.push(item)
        q.push(item.time, () => out.push(item))
      } else {
        now = q.nextTime
        q.pop()?.()
      }
    }
    while (q.size > 0) q.pop()?.()
    // Popped times never go back, and equal times come out in insertion order.
    for (let i = 1; i < out.length; i++) {
      expect(out[i].time > out[i - 1].time || (out[i].time === out[i - 1].time && out[i].id > out[i - 1].id)).toBe(true)
    }
    expect(out.length).toBe(ref.length)
  })

  it('keeps insertion order among equal times, and returns sequence numbers', () => {
    const q = new EventQueue()
    const out: string[] = []
    expect(q.push(5, () => out.push('a'))).toBe(0)
    expect(q.push(5, () => out.push('b'))).toBe(1)
    q.push(1, () => out.push('first'))
    q.push(5, () => out.push('c'))
    drain(q)
    expect(out).toEqual(['first', 'a', 'b', 'c'])
  })

  it('venue messages go before same-time timers and keep their own order; other times are untouched', () => {
    const q = new EventQueue()
    const out: string[] = []
    q.push(5, () => out.push('timer1'))
    q.pushVenue(5, () => out.push('venue1'))
    q.push(5, () => out.push('timer2'))
    q.pushVenue(5, () => out.push('venue2'))
    q.pushVenue(7, () => out.push('venue-later'))
    q.push(3, () => out.push('timer-earlier'))
    drain(q)
    expect(out).toEqual(['timer-earlier', 'venue1', 'venue2', 'timer1', 'timer2', 'venue-later'])
  })
})
