/**
 * The bar walk's contract (bar-walk.ts): the order of its hooks, the loop's due work before each bar, settle
 * turns after a bar that made a call, the clock at the drain's end, and a prefetching read that keeps the
 * stream's order. The same timing rules seen through a session and a multi-account run:
 * test/engine/bar-walk-runs.test.ts.
 */
import {describe, expect, it} from 'vitest'
import type {BarChunk, BarStream} from '../core/market-data.js'
import {barWalkState, type BarWalkHooks, DRAIN_MS, enterInstant, fillBar, fillBarFrom, reusedBar, SETTLE_TURNS, walkBars} from './bar-walk.js'
import {EventLoop} from './event-loop.js'
import {chunks, MIN, streamOf, T0} from '../../test/support/bar-chunks.js'

/** Hooks that write what happens to `log`, with the clock where it matters. */
function logging(loop: EventLoop, log: string[], accounts = 1, extra: Partial<BarWalkHooks> = {}): BarWalkHooks {
  return {
    accounts,
    start: (k) => void log.push(`start ${k} @${loop.clock.now() - T0}`),
    beginInstant: (t) => void log.push(`begin ${t - T0}`),
    endInstant: (t) => void log.push(`end ${t - T0}`),
    calls: () => 0,
    bar: (c, i, end, k) => void log.push(`bar row${c.close[i]} acct${k} @${loop.clock.now() - T0} end${end - T0}`),
    stop: (k) => void log.push(`stop ${k} @${loop.clock.now() - T0}`),
    flushHeld: (k) => void log.push(`flush ${k}`),
    drained: (t) => void log.push(`drained ${t - T0}`),
    ...extra,
  }
}

describe('walkBars', () => {
  it('calls its hooks in order and runs the loop\'s due work before each bar, at the bar\'s close', async () => {
    const loop = new EventLoop(0)
    const log: string[] = []
    // Due work: between the two instants, at the drain's very end, and after it (the second drain's).
    loop.schedule(T0 + MIN + 30_000, () => log.push(`task @${loop.clock.now() - T0}`))
    loop.schedule(T0 + 2 * MIN + DRAIN_MS, () => log.push(`task @${loop.clock.now() - T0}`))
    loop.schedule(T0 + 2 * MIN + DRAIN_MS + 5_000, () => log.push(`late task @${loop.clock.now() - T0}`))
    const state = await walkBars(streamOf(chunks(2, 2, 3)), loop, logging(loop, log, 2))
    expect(log).toEqual([
      'start 0 @0',
      'start 1 @0',
      `begin ${MIN}`,
      `bar row0 acct0 @${MIN} end${MIN}`,
      `bar row0 acct1 @${MIN} end${MIN}`,
      `bar row1 acct0 @${MIN} end${MIN}`,
      `bar row1 acct1 @${MIN} end${MIN}`,
      `end ${MIN}`,
      `begin ${2 * MIN}`,
      `task @${MIN + 30_000}`,
      `bar row2 acct0 @${2 * MIN} end${2 * MIN}`,
      `bar row2 acct1 @${2 * MIN} end${2 * MIN}`,
      // Row 3 is in the second chunk: the instant goes on across the chunk boundary.
      `bar row3 acct0 @${2 * MIN} end${2 * MIN}`,
      `bar row3 acct1 @${2 * MIN} end${2 * MIN}`,
      // After the last bar: the drain, then every account stops at exactly lastInstant + DRAIN_MS.
      `task @${2 * MIN + DRAIN_MS}`,
      `stop 0 @${2 * MIN + DRAIN_MS}`,
      `stop 1 @${2 * MIN + DRAIN_MS}`,
      'flush 0',
      'flush 1',
      `late task @${2 * MIN + DRAIN_MS + 5_000}`,
      `drained ${2 * MIN}`,
    ])
    expect(state).toMatchObject({bars: 4, chunks: 2, first: T0, instant: T0 + 2 * MIN, prevInstant: T0 + MIN, instantStart: 2})
  })

  it('runs work queued before the first bar at its own time, before the start (a run that begins inside a funding day)', async () => {
    const loop = new EventLoop(0)
    const log: string[] = []
    loop.schedule(T0 - 6 * 60 * MIN, () => log.push(`early task @${loop.clock.now() - T0}`))
    await walkBars(streamOf(chunks(1, 1, 10), ['AAA']), loop, logging(loop, log, 1))
    expect(log.slice(0, 2)).toEqual([`early task @${-6 * 60 * MIN}`, 'start 0 @0'])
  })

  it('stops at the drain\'s end whatever task ran last; the second drain runs after flushHeld', async () => {
    const loop = new EventLoop(0)
    const log: string[] = []
    const last = T0 + MIN
    loop.schedule(last + 7, () => log.push('in first drain'))
    loop.schedule(last + DRAIN_MS + 1, () => log.push('in second drain'))
    loop.schedule(last + 2 * DRAIN_MS + 1, () => log.push('after the walk'))
    await walkBars(streamOf(chunks(1, 1, 10), ['AAA']), loop, logging(loop, log, 1, {flushHeld: () => {
      // What a venue held back is delivered now, and still inside the second drain.
      loop.schedule(loop.clock.now() + DRAIN_MS, () => log.push('flushed event'))
    }}))
    expect(log.slice(-5)).toEqual(['in first drain', `stop 0 @${MIN + DRAIN_MS}`, 'in second drain', 'flushed event', `drained ${MIN}`])
    expect(loop.pending).toBe(1)
    expect(loop.clock.now()).toBe(last + 2 * DRAIN_MS)
  })

  it('gives a bar that made a call SETTLE_TURNS microtask turns before the next account or bar; a quiet bar none', async () => {
    const run = async (counts: boolean): Promise<string[]> => {
      const loop = new EventLoop(0)
      const log: string[] = []
      let calls = 0
      await walkBars(streamOf(chunks(1, 2, 10)), loop, logging(loop, log, 2, {
        calls: (k) => (k === 0 ? calls : 0),
        bar: (c, i, _end, k) => {
          log.push(`bar row${c.close[i]} acct${k}`)
          if (k !== 0 || i !== 0) return
          if (counts) calls++
          // A continuation chain one turn shorter than the settle turns (an async method awaiting a settled outcome).
          void (async () => {
            for (let n = 0; n < SETTLE_TURNS - 1; n++) await null
            log.push('continuation')
          })()
        },
      }))
      return log.filter((l) => l.startsWith('bar') || l === 'continuation')
    }
    expect(await run(true)).toEqual(['bar row0 acct0', 'continuation', 'bar row0 acct1', 'bar row1 acct0', 'bar row1 acct1'])
    // Without a call the walk does not await: the other bars of the instant run first.
    expect(await run(false)).toEqual(['bar row0 acct0', 'bar row0 acct1', 'bar row1 acct0', 'bar row1 acct1', 'continuation'])
  })

  it('runs a quiet stretch of bars without awaiting (no microtask turn between them)', async () => {
    const loop = new EventLoop(0)
    let turned = false
    const seenTurned: boolean[] = []
    await walkBars(streamOf(chunks(50, 2, 1000)), loop, logging(loop, [], 1, {
      bar: (_c, i) => {
        if (i === 0) queueMicrotask(() => (turned = true))
        seenTurned.push(turned)
      },
    }))
    expect(seenTurned).toHaveLength(100)
    expect(seenTurned.every((t) => !t)).toBe(true)
  })

  it('reads ahead without reordering: chunks are walked in the stream\'s order, even when a later one arrives first', async () => {
    const parts = chunks(6, 1, 2)
    let requested = 0
    const requestedAtFirstBar: number[] = []
    // next() answers the first request last: the second and third chunks are ready before the first.
    const stream: BarStream = {
      symbols: ['AAA'],
      timeframe: '1m',
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<BarChunk>> => {
          const n = requested++
          const value = parts[n]
          const result: IteratorResult<BarChunk> = value ? {done: false, value} : {done: true, value: undefined}
          const delay = n === 0 ? 5 : 0
          return new Promise((resolve) => {
            let left = delay
            const tick = (): void => (left-- > 0 ? void setImmediate(tick) : resolve(result))
            tick()
          })
        },
      }),
    }
    const loop = new EventLoop(0)
    const rows: number[] = []
    const state = await walkBars(stream, loop, logging(loop, [], 1, {
      bar: (c, i) => {
        if (rows.length === 0) requestedAtFirstBar.push(requested)
        rows.push(c.close[i])
      },
    }))
    expect(rows).toEqual([0, 1, 2, 3, 4, 5])
    expect(state.chunks).toBe(3)
    // The next chunks were asked for before the first was walked.
    expect(requestedAtFirstBar[0]).toBeGreaterThanOrEqual(2)
  })

  it('fills the one reused bar from a chunk row', () => {
    const [c] = chunks(3, 2, 6)
    const bar = reusedBar()
    expect(fillBar(bar, c, 3, ['AAA', 'BBB'])).toBe(bar)
    expect(bar).toEqual({symbol: 'BBB', index: 1, ts: T0 + MIN, open: 100, high: 101, low: 99, close: 3, volume: 1_000})
  })

  it('fills the one reused bar from a feed bar that names its symbol', () => {
    const bar = reusedBar()
    const from = {symbol: 'BBB', ts: T0, tfMs: MIN, open: 1, high: 2, low: 0.5, close: 1.5, volume: 7}
    expect(fillBarFrom(bar, from, 1)).toBe(bar)
    expect(bar).toEqual({symbol: 'BBB', index: 1, ts: T0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 7})
  })

  it('enters an instant: the current one ends first (none before the first), the bar count marks where it starts', () => {
    const state = barWalkState()
    const ended: number[] = []
    const hooks = {endInstant: (t: number) => ended.push(t)}
    enterInstant(state, T0 + MIN, hooks)
    expect(ended).toEqual([])
    expect(state).toMatchObject({instant: T0 + MIN, prevInstant: -Infinity, instantStart: 0})
    state.bars = 2
    enterInstant(state, T0 + 2 * MIN, hooks)
    expect(ended).toEqual([T0 + MIN])
    expect(state).toMatchObject({instant: T0 + 2 * MIN, prevInstant: T0 + MIN, instantStart: 2})
  })

  it('does nothing without bars', async () => {
    const loop = new EventLoop(0)
    const log: string[] = []
    loop.schedule(5, () => log.push('task'))
    const state = await walkBars(streamOf([]), loop, logging(loop, log, 2))
    expect(log).toEqual([])
    expect(state).toMatchObject({bars: 0, chunks: 0, instant: -Infinity})
    expect(Number.isNaN(state.first)).toBe(true)
  })
})
