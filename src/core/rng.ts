/**
 * Seeded pseudo-random generator (mulberry32 over a splitmix32-scrambled seed).
 * The only source of randomness allowed in simulated code: a run is a pure function of its seed.
 */
export class Rng {
  private state: number

  constructor(seed: number) {
    let s = (seed >>> 0) ^ 0x9e3779b9
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b)
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35)
    this.state = (s ^ (s >>> 16)) >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A child generator whose sequence does not depend on how many draws this one has made later. */
  fork(salt: number): Rng {
    return new Rng((this.state ^ Math.imul(salt + 1, 0x27d4eb2d)) >>> 0)
  }
}
