import {describe, expect, it} from 'vitest'
import {Rng} from './rng.js'

const draw = (r: Rng, n: number): number[] => Array.from({length: n}, () => r.next())

describe('Rng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(new Rng(123), 1000)).toEqual(draw(new Rng(123), 1000))
  })

  it('gives a different sequence for a different seed', () => {
    const a = draw(new Rng(1), 100)
    const b = draw(new Rng(2), 100)
    expect(a.filter((x, i) => x === b[i]).length).toBe(0)
    expect(draw(new Rng(0), 1)[0]).not.toBe(draw(new Rng(1), 1)[0])
  })

  it('draws in [0, 1), roughly uniformly', () => {
    const r = new Rng(99)
    const buckets = new Array<number>(10).fill(0)
    const n = 100_000
    let outside = 0
    for (let i = 0; i < n; i++) {
      const x = r.next()
      if (!(x >= 0 && x < 1)) outside++
      else buckets[Math.floor(x * 10)]++
    }
    expect(outside).toBe(0)
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(n / 100)
  })

  it('uniform and int stay in range', () => {
    const r = new Rng(5)
    const ints = new Set<number>()
    for (let i = 0; i < 10_000; i++) {
      const u = r.uniform(-3, 7)
      expect(u >= -3 && u < 7).toBe(true)
      const k = r.int(6)
      expect(Number.isInteger(k) && k >= 0 && k < 6).toBe(true)
      ints.add(k)
    }
    expect([...ints].sort()).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('forks a child that does not depend on later draws of the parent, nor disturb it', () => {
    const p1 = new Rng(77)
    const p2 = new Rng(77)
    draw(p1, 5)
    draw(p2, 5)
    const c1 = p1.fork(1)
    const c2 = p2.fork(1)
    draw(p1, 50) // p1 keeps drawing, p2 does not
    expect(draw(c1, 20)).toEqual(draw(c2, 20))
    // Forking does not advance the parent.
    const q1 = new Rng(8)
    const q2 = new Rng(8)
    q1.fork(3)
    expect(draw(q1, 10)).toEqual(draw(q2, 10))
  })

  it('different salts and the parent give different streams', () => {
    const p = new Rng(77)
    const a = draw(p.fork(1), 50)
    const b = draw(p.fork(2), 50)
    const own = draw(p, 50)
    expect(a.filter((x, i) => x === b[i]).length).toBe(0)
    expect(a.filter((x, i) => x === own[i]).length).toBe(0)
  })
})
