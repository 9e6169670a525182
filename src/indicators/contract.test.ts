import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {describe, expect, it} from 'vitest'
import {Rng} from '../core/rng.js'
import type {StreamingIndicator} from './index.js'
import {
  Acceleration,
  ATR,
  BollingerBands,
  CrossOver,
  DonchianChannel,
  EMA,
  Highest,
  IndicatorConfigError,
  IndicatorInputError,
  Lowest,
  MACD,
  ParabolicSAR,
  RelativeVolume,
  ROC,
  RSI,
  SMA,
  StdDev,
  Velocity,
  VWAP,
} from './index.js'

/** How to build one indicator and feed it one bar; `stableAt` is the count at which it must turn stable. */
interface Spec {
  readonly name: string
  make(): StreamingIndicator
  feed(ind: StreamingIndicator, high: number, low: number, close: number, volume: number): number
  readonly stableAt: number
  /** The bar fields it reads: 0 high, 1 low, 2 close, 3 volume. */
  readonly reads: readonly number[]
  /** Readings besides `value` that must also stay finite. */
  extras?(ind: StreamingIndicator): number[]
}

const close = (make: () => StreamingIndicator & {update(x: number): number}, stableAt: number, name: string): Spec => ({
  name,
  make,
  feed: (ind, _h, _l, c) => (ind as ReturnType<typeof make>).update(c),
  stableAt,
  reads: [2],
})

const specs: Spec[] = [
  close(() => new SMA(5), 5, 'SMA(5)'),
  close(() => new EMA(5), 5, 'EMA(5)'),
  close(() => new RSI(5), 6, 'RSI(5)'),
  close(() => new ROC(5), 6, 'ROC(5)'),
  close(() => new Velocity(5), 6, 'Velocity(5)'),
  close(() => new Acceleration(4, 3), 8, 'Acceleration(4,3)'),
  close(() => new StdDev(5), 5, 'StdDev(5)'),
  close(() => new Highest(5), 5, 'Highest(5)'),
  close(() => new Lowest(5), 5, 'Lowest(5)'),
  {
    ...close(() => new BollingerBands(5, 2), 5, 'BollingerBands(5,2)'),
    extras: ind => {
      const b = ind as BollingerBands
      return [b.upper, b.lower, b.percentB, b.bandwidth, b.standardDeviation]
    },
  },
  {
    ...close(() => new MACD(3, 6, 4), 9, 'MACD(3,6,4)'),
    extras: ind => [(ind as MACD).signalLine, (ind as MACD).histogram],
  },
  {
    name: 'RelativeVolume(5)',
    make: () => new RelativeVolume(5),
    feed: (ind, _h, _l, _c, v) => (ind as RelativeVolume).update(v),
    stableAt: 6,
    reads: [3],
  },
  {
    name: 'ATR(5)',
    make: () => new ATR(5),
    feed: (ind, h, l, c) => (ind as ATR).update(h, l, c),
    stableAt: 6,
    reads: [0, 1, 2],
    extras: ind => [(ind as ATR).trueRange],
  },
  {
    name: 'DonchianChannel(5)',
    make: () => new DonchianChannel(5),
    feed: (ind, h, l) => (ind as DonchianChannel).update(h, l),
    stableAt: 5,
    reads: [0, 1],
    extras: ind => [(ind as DonchianChannel).upper, (ind as DonchianChannel).lower],
  },
  {
    name: 'ParabolicSAR',
    make: () => new ParabolicSAR(),
    feed: (ind, h, l) => (ind as ParabolicSAR).update(h, l),
    stableAt: 2,
    reads: [0, 1],
    extras: ind => [(ind as ParabolicSAR).extremePoint, (ind as ParabolicSAR).accelerationFactor],
  },
  {
    name: 'VWAP',
    make: () => new VWAP(),
    feed: (ind, h, l, c, v) => (ind as VWAP).update(h, l, c, v),
    stableAt: 1,
    reads: [0, 1, 2, 3],
  },
  {
    name: 'CrossOver',
    make: () => new CrossOver(),
    feed: (ind, h, l) => (ind as CrossOver).update(h, l),
    stableAt: 1,
    reads: [0, 1],
  },
]

type Bar = [number, number, number, number]

function series(kind: string, n: number): Bar[] {
  const rng = new Rng(11)
  const out: Bar[] = []
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'flat':
        out.push([101.37, 101.37, 101.37, 5000])
        break
      case 'zeros':
        out.push([0, 0, 0, 0])
        break
      case 'alternating zero and huge':
        out.push(i % 2 ? [1e9, 1e9, 1e9, 1e12] : [0, 0, 0, 0])
        break
      case 'random walk with flat stretches and zero-volume bars': {
        const p = 50 + 10 * Math.sin(i / 37) + (i % 50 < 20 ? 0 : rng.uniform(-1, 1))
        const r = i % 50 < 20 ? 0 : rng.uniform(0, 0.5)
        out.push([p + r, p - r, p, i % 7 === 0 ? 0 : rng.int(10_000)])
        break
      }
      case 'negative prices':
        out.push([-5 + Math.sin(i), -6 + Math.sin(i), -5.5 + Math.sin(i), 10])
        break
    }
  }
  return out
}

function feedAll(spec: Spec, ind: StreamingIndicator, bars: Bar[]): number[] {
  const out: number[] = []
  for (const [h, l, c, v] of bars) out.push(spec.feed(ind, h, l, c, v), ...(spec.extras?.(ind) ?? []))
  return out
}

describe.each(specs)('$name edge cases', spec => {
  for (const kind of ['flat', 'zeros', 'alternating zero and huge', 'random walk with flat stretches and zero-volume bars', 'negative prices']) {
    it(`never gives NaN or Infinity on: ${kind}`, () => {
      const ind = spec.make()
      const values = feedAll(spec, ind, series(kind, 400))
      const bad = values.findIndex(v => !Number.isFinite(v))
      expect(bad, `first non-finite reading at ${bad}`).toBe(-1)
      expect(Number.isFinite(ind.value)).toBe(true)
    })
  }

  it('turns stable at the documented count, and is finite before', () => {
    const ind = spec.make()
    expect(Number.isFinite(ind.value)).toBe(true)
    expect(ind.isStable).toBe(false)
    const bars = series('random walk with flat stretches and zero-volume bars', 40).slice(20)
    for (let i = 0; i < bars.length; i++) {
      const [h, l, c, v] = bars[i]
      expect(Number.isFinite(spec.feed(ind, h, l, c, v))).toBe(true)
      expect(ind.count).toBe(i + 1)
      // VWAP and CrossOver turn stable on content (volume traded, lines apart), which these bars provide at once.
      expect(ind.isStable, `after ${i + 1} inputs`).toBe(i + 1 >= spec.stableAt)
    }
  })

  it('rejects NaN and ±Infinity in every input with IndicatorInputError, leaving its state untouched', () => {
    const bars = series('random walk with flat stretches and zero-volume bars', 120).slice(20)
    const clean = spec.make()
    const poked = spec.make()
    const expected = feedAll(spec, clean, bars)
    const got: number[] = []
    for (let i = 0; i < bars.length; i++) {
      const [h, l, c, v] = bars[i]
      if (i % 10 === 5) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          for (const field of spec.reads) {
            const b: Bar = [h, l, c, v]
            b[field] = bad
            const before = [poked.value, poked.count, poked.isStable]
            expect(() => spec.feed(poked, ...b)).toThrow(IndicatorInputError)
            expect([poked.value, poked.count, poked.isStable]).toEqual(before)
          }
        }
      }
      got.push(spec.feed(poked, h, l, c, v), ...(spec.extras?.(poked) ?? []))
    }
    expect(got).toEqual(expected)
  })

  it('reset() gives the same results as a fresh instance', () => {
    const bars = series('random walk with flat stretches and zero-volume bars', 200)
    const ind = spec.make()
    const first = feedAll(spec, ind, bars)
    ind.reset()
    expect(ind.count).toBe(0)
    expect(ind.isStable).toBe(false)
    expect(feedAll(spec, ind, bars)).toEqual(first)
  })
})

describe('input and configuration errors', () => {
  it('NaN input throws an IndicatorInputError naming the indicator and the field', () => {
    expect(() => new ATR(3).update(1, Number.NaN, 1)).toThrow(/ATR: low must be a finite number, got NaN/)
  })

  it('negative volume is rejected', () => {
    expect(() => new VWAP().update(1, 1, 1, -1)).toThrow(IndicatorInputError)
    expect(() => new RelativeVolume(3).update(-5)).toThrow(IndicatorInputError)
  })

  it('periods must be integers >= 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new SMA(bad)).toThrow(IndicatorConfigError)
      expect(() => new Highest(bad)).toThrow(IndicatorConfigError)
      expect(() => new Acceleration(3, bad)).toThrow(IndicatorConfigError)
      expect(() => new MACD(12, bad, 9)).toThrow(IndicatorConfigError)
    }
    expect(() => new BollingerBands(20, -1)).toThrow(IndicatorConfigError)
  })
})

/** Every value reachable from an indicator is a number, boolean, string, Float64Array or another indicator part. */
function storageProblems(obj: object, path: string, seen = new Set<object>()): string[] {
  if (seen.has(obj)) return []
  seen.add(obj)
  const problems: string[] = []
  for (const [key, v] of Object.entries(obj)) {
    const at = `${path}.${key}`
    if (v === null || ['number', 'boolean', 'string'].includes(typeof v)) continue
    if (v instanceof Float64Array) continue
    const proto = Object.getPrototypeOf(v)
    if (typeof v === 'object' && proto !== Object.prototype && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set)) {
      problems.push(...storageProblems(v, at, seen))
    } else {
      problems.push(`${at} is a ${Array.isArray(v) ? 'growable array' : typeof v === 'object' ? proto?.constructor?.name ?? 'plain object' : typeof v}`)
    }
  }
  return problems
}

describe.each(specs)('$name storage', spec => {
  it('holds only numbers and fixed typed arrays (nothing that can grow per update)', () => {
    const ind = spec.make()
    feedAll(spec, ind, series('random walk with flat stretches and zero-volume bars', 300))
    expect(storageProblems(ind, spec.name)).toEqual([])
  })
})

describe('memory stays flat over long runs (ALP-08)', () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const bars = series('random walk with flat stretches and zero-volume bars', 5000)

  it.each(specs)('$name: 500k more updates leave the heap where it was', spec => {
    const ind = spec.make()
    const run = (times: number): void => {
      for (let k = 0; k < times; k++) {
        for (const [h, l, c, v] of bars) spec.feed(ind, h, l, c, v)
      }
    }
    run(2)
    gc()
    const before = process.memoryUsage().heapUsed
    run(100)
    gc()
    const grown = process.memoryUsage().heapUsed - before
    // 8 retained bytes per update would be 4 MB; compiled code and allocator noise stay well under 1 MB.
    expect(grown).toBeLessThan(1024 * 1024)
    expect(ind.count).toBe(102 * bars.length)
  })
})
