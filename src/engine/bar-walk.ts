/**
 * The walk over a bar stream on the event loop, shared by every simulated run: a session (backtest or replay,
 * session-runner.ts) and a multi-account run (multi-account.ts, one strategy per account on one stream). It owns
 * the timing rules, so the two cannot drift apart: the loop's due work runs before each bar, the clock reads the
 * bar's close, a bar on which a strategy called the gateway or the broker gives that call's quick continuations a
 * few microtask turns, and the strategies stop at exactly the drain's end. It awaits only when something
 * asynchronous is due, so a quiet stretch of bars is a plain synchronous loop over typed arrays.
 */
import {type Bar, type BarChunk, type BarStream, TIMEFRAME_MS} from '../core/market-data.js'
import type {EventLoop} from './event-loop.js'

/** Time allowed after the last bar for in-flight requests and events to land. */
export const DRAIN_MS = 60_000

/** Microtask turns given to a bar's quick continuations (an async method awaiting an outcome settled at once). */
export const SETTLE_TURNS = 4

/** Where the walk is; read by hooks while it runs (e.g. to write a bar mark), final when it returns. */
export interface BarWalkState {
  /** Bars processed (every account's hook ran for them). */
  bars: number
  /** Chunks taken from the stream. */
  chunks: number
  /** When the first bar opened (its true open time, see BarClock; NaN before it). */
  first: number
  /** Close time of the current bar instant (-Infinity before the first bar; the last instant at the end). */
  instant: number
  /** The instant before the current one (-Infinity while there is none). */
  prevInstant: number
  /** Bars processed before the current instant began. */
  instantStart: number
}

/** The bar object a run hands its strategies: one per run, refilled for every bar (no allocation per bar). */
export type ReusedBar = {-readonly [K in keyof Bar]: Bar[K]}

export function reusedBar(): ReusedBar {
  return {symbol: '', index: 0, ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0}
}

/** Fills `bar` with row `row` of `chunk` (`symbols`: the stream's, which the row's symbol index points into). */
export function fillBar(bar: ReusedBar, chunk: BarChunk, row: number, symbols: readonly string[]): Bar {
  const s = chunk.symbol[row]
  bar.symbol = symbols[s]
  bar.index = s
  bar.ts = chunk.ts[row]
  bar.open = chunk.open[row]
  bar.high = chunk.high[row]
  bar.low = chunk.low[row]
  bar.close = chunk.close[row]
  bar.volume = chunk.volume[row]
  return bar
}

/** Fills `bar` from a bar that names its symbol (a live feed's), `index` the symbol's place in the sorted symbols. */
export function fillBarFrom(bar: ReusedBar, from: Omit<Bar, 'index'>, index: number): Bar {
  bar.symbol = from.symbol
  bar.index = index
  bar.ts = from.ts
  bar.open = from.open
  bar.high = from.high
  bar.low = from.low
  bar.close = from.close
  bar.volume = from.volume
  return bar
}

export function barWalkState(): BarWalkState {
  return {bars: 0, chunks: 0, first: NaN, instant: -Infinity, prevInstant: -Infinity, instantStart: 0}
}

/**
 * The step from one bar instant to the next, shared by the simulated walk and the live session so both keep the
 * same instant bookkeeping: the current instant (if any) ends (`endInstant`), then `end` becomes the current one.
 */
export function enterInstant(state: BarWalkState, end: number, hooks: {endInstant?(t: number): void}): void {
  if (state.instant > -Infinity) hooks.endInstant?.(state.instant)
  state.prevInstant = state.instant
  state.instant = end
  state.instantStart = state.bars
}

/**
 * When a bar happens, given its open time `ts` (as stored) and the stream's timeframe: the instants its price path
 * starts and ends. Bars are uniform (`ts` … `ts + tf`) except where a venue's calendar says otherwise (a daily stock
 * bar runs from the session's open to its close, see `barClockFor`).
 */
export interface BarClock {
  open(ts: number): number
  close(ts: number): number
}

export function uniformBarClock(tfMs: number): BarClock {
  return {open: (ts) => ts, close: (ts) => ts + tfMs}
}

/** The two inner points of a bar's path (its extremes), a third and two thirds of the way from open to close. */
export function pathPointTime(open: number, close: number, k: 1 | 2): number {
  return open + Math.floor(((close - open) * k) / 3)
}

/**
 * The venue side of time-true bars (the simulator). Every bar of an instant reaches the venue at its open time
 * (`open`), then the venue is told when each later point of the paths is reached (`point`: 1 and 2 the extremes, 3
 * the close), with the loop's due work run in between, so an order, a timer or a query meets the market as it was
 * at its own time. The strategy gets the bars afterwards, at the close.
 */
export interface BarWalkVenue {
  open(chunk: BarChunk, row: number, open: number, close: number, account: number): void
  point(k: 1 | 2 | 3, t: number, account: number): void
}

/**
 * What the walk calls. Per-account hooks get the account's index (0 … accounts - 1) and run in that order. A hook
 * that has nothing asynchronous to wait for returns undefined, so the walk does not await.
 */
export interface BarWalkHooks {
  /** Strategies fed per bar, one per account (1 for a single-account session). */
  readonly accounts: number
  /** Bar times (default: uniform bars of the stream's timeframe). */
  readonly clock?: BarClock
  /** The venue's view of the bars at their own times; absent when no venue reacts to bars (replay). */
  readonly venue?: BarWalkVenue
  /** Before the first bar, the clock at its open time (awaited, account by account); due work up to it runs after. */
  start(account: number): unknown
  /** The row's bar for one account's strategy, at `end`, the bar's close (the clock reads it). */
  bar(chunk: BarChunk, row: number, end: number, account: number): void | Promise<void>
  /** Calls the account's strategy has made so far (gateway and broker): a bar that changed it gets settle turns. */
  calls(account: number): number
  /** A new bar instant `t` (its close) begins, before the loop's due work up to its open (in-process restarts). */
  beginInstant?(t: number): void | Promise<void>
  /** Every bar of instant `t` has run (called when the next instant begins). */
  endInstant?(t: number): void
  /** At the drain's end, `lastInstant + DRAIN_MS` (awaited, account by account). */
  stop(account: number): unknown
  /** After every account stopped: the account's venue delivers what it still holds back. */
  flushHeld?(account: number): void
  /** After the second drain, with the last bar instant. */
  drained?(lastInstant: number): void
  readonly onProgress?: (bars: number, ts: number) => void
  readonly progressEvery?: number
}

/**
 * Walks `stream` on `loop`, one bar instant (the rows sharing an open time) at a time:
 * 1. the loop's work due by the bars' open runs, the clock moves to the open and the venue gets every bar of the
 *    instant (it matches what rests on the book against the open);
 * 2. for each later point of the paths (two extremes, then the close) the due work runs up to its time and the venue
 *    is told the point is reached; after the close, what the close caused at once (zero latency) is delivered;
 * 3. every account's strategy gets the instant's bars, the clock at the close.
 * After the last bar: the work due within DRAIN_MS runs, the clock moves to exactly `lastInstant + DRAIN_MS` (so what
 * a strategy writes on stopping does not depend on which task ran last), the strategies stop, the venues flush what
 * they held, and a second drain runs. Nothing is done without bars. `state` is updated as the walk goes and returned.
 */
export async function walkBars(stream: BarStream, loop: EventLoop, hooks: BarWalkHooks, state: BarWalkState = barWalkState()): Promise<BarWalkState> {
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const clock = hooks.clock ?? uniformBarClock(tfMs)
  const venue = hooks.venue
  const accounts = hooks.accounts
  const progressEvery = hooks.progressEvery ?? 1_000_000
  let started = false
  // The rows of the instant being gathered (an instant can span two chunks); reused arrays.
  const rowChunk: BarChunk[] = []
  const rowIndex: number[] = []
  let rows = 0
  let instantTs = NaN
  let complete = false
  const lastSymbol = stream.symbols.length - 1

  // The next chunks are requested before the current one is processed, so the reader works while the engine runs.
  const chunks = stream[Symbol.asyncIterator]()
  const ahead = [chunks.next(), chunks.next()]
  // Written inline with an await only where something is due, so a quiet stretch of bars runs without a promise.
  for (;;) {
    const step = await ahead.shift()!
    const chunk = step.done ? undefined : step.value
    if (chunk) {
      ahead.push(chunks.next())
      state.chunks++
    }
    const length = chunk ? chunk.length : 0
    let i = 0
    for (;;) {
      // The gathered instant is complete when the next row opens later, when its last symbol is in (rows come in
      // symbol order within an instant, so no await is needed to learn it), or when the stream has ended.
      if (rows > 0 && (complete || (i < length ? chunk!.ts[i] !== instantTs : !chunk))) {
        // ---- one bar instant: the rows gathered, all opening at instantTs
        const ts = instantTs
        const open = clock.open(ts)
        const end = clock.close(ts)
        if (!started) {
          started = true
          state.first = open
          const start = Math.min(ts, open)
          // Work queued for before the first bar (a venue's funding time earlier that day, when a run starts inside
          // it) runs first, at its own time: the clock never moves back past a queued task.
          if (loop.nextTime < start) await loop.runUntil(start - 1)
          loop.clock.advanceTo(start)
          for (let k = 0; k < accounts; k++) await hooks.start(k)
          await loop.runUntil(loop.clock.now())
        }
        enterInstant(state, end, hooks)
        const r = hooks.beginInstant?.(end)
        if (r) await r
        if (venue) {
          if (loop.nextTime <= open) await loop.runUntil(open)
          if (open > loop.clock.now()) loop.clock.advanceTo(open)
          for (let j = 0; j < rows; j++) for (let k = 0; k < accounts; k++) venue.open(rowChunk[j], rowIndex[j], open, end, k)
          for (let p = 1; p <= 2; p++) {
            const at = pathPointTime(open, end, p as 1 | 2)
            if (loop.nextTime <= at) await loop.runUntil(at)
            if (at > loop.clock.now()) loop.clock.advanceTo(at)
            for (let k = 0; k < accounts; k++) venue.point(p as 1 | 2, at, k)
          }
          if (loop.nextTime <= end) await loop.runUntil(end)
          if (end > loop.clock.now()) loop.clock.advanceTo(end)
          for (let k = 0; k < accounts; k++) venue.point(3, end, k)
        }
        // Due work up to the close; with a venue, also what the close itself caused at once (zero latency).
        if (loop.nextTime <= end) await loop.runUntil(end)
        if (end > loop.clock.now()) loop.clock.advanceTo(end)
        for (let j = 0; j < rows; j++) {
          const c = rowChunk[j]
          const row = rowIndex[j]
          for (let k = 0; k < accounts; k++) {
            const calls = hooks.calls(k)
            const b = hooks.bar(c, row, end, k)
            if (b) await b
            // A call the strategy made can settle at once (a risk refusal, a duplicate id): its continuation runs
            // here, after this bar, in recording and replay alike, not at whichever later await comes first.
            if (hooks.calls(k) !== calls) for (let n = 0; n < SETTLE_TURNS; n++) await null
          }
          if (++state.bars % progressEvery === 0) hooks.onProgress?.(state.bars, ts)
        }
        rows = 0
        complete = false
        continue
      }
      if (i === length) break
      instantTs = chunk!.ts[i]
      rowChunk[rows] = chunk!
      rowIndex[rows] = i
      rows++
      complete = chunk!.symbol[i] === lastSymbol
      i++
    }
    if (!chunk) break
  }
  rowChunk.length = 0

  if (started) {
    const last = state.instant
    await loop.runUntil(last + DRAIN_MS)
    loop.clock.advanceTo(last + DRAIN_MS)
    for (let k = 0; k < accounts; k++) await hooks.stop(k)
    if (hooks.flushHeld) for (let k = 0; k < accounts; k++) hooks.flushHeld(k)
    await loop.runUntil(loop.clock.now() + DRAIN_MS)
    hooks.drained?.(last)
  }
  return state
}
