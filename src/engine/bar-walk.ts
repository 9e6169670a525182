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
  /** Open time of the first bar (NaN before it). */
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

export function barWalkState(): BarWalkState {
  return {bars: 0, chunks: 0, first: NaN, instant: -Infinity, prevInstant: -Infinity, instantStart: 0}
}

/**
 * What the walk calls. Per-account hooks get the account's index (0 … accounts - 1) and run in that order. A hook
 * that has nothing asynchronous to wait for returns undefined, so the walk does not await.
 */
export interface BarWalkHooks {
  /** Strategies fed per bar, one per account (1 for a single-account session). */
  readonly accounts: number
  /** Before the first bar, the clock at its open time (awaited, account by account); due work up to it runs after. */
  start(account: number): unknown
  /** The row's bar for one account (its venue, then its strategy); the clock reads `end`, the bar's close. */
  bar(chunk: BarChunk, row: number, end: number, account: number): void | Promise<void>
  /** Calls the account's strategy has made so far (gateway and broker): a bar that changed it gets settle turns. */
  calls(account: number): number
  /** A new bar instant `t` begins, before the loop's due work up to it (in-process restarts). */
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
 * Walks `stream` on `loop`: for each bar, the loop's work due by the bar's close runs, the clock moves to the
 * close, and every account's `bar` hook runs. After the last bar: the work due within DRAIN_MS runs, the clock
 * moves to exactly `lastInstant + DRAIN_MS` (so what a strategy writes on stopping does not depend on which task
 * ran last), the strategies stop, the venues flush what they held, and a second drain runs. Nothing is done
 * without bars. `state` is updated as the walk goes and returned.
 */
export async function walkBars(stream: BarStream, loop: EventLoop, hooks: BarWalkHooks, state: BarWalkState = barWalkState()): Promise<BarWalkState> {
  const tfMs = TIMEFRAME_MS[stream.timeframe]
  const accounts = hooks.accounts
  const progressEvery = hooks.progressEvery ?? 1_000_000
  let started = false
  // The next chunks are requested before the current one is processed, so the reader works while the engine runs.
  const chunks = stream[Symbol.asyncIterator]()
  const ahead = [chunks.next(), chunks.next()]
  for (;;) {
    const step = await ahead.shift()!
    if (step.done) break
    ahead.push(chunks.next())
    state.chunks++
    const chunk = step.value
    const {length, ts} = chunk
    for (let i = 0; i < length; i++) {
      const t = ts[i]
      const end = t + tfMs
      if (!started) {
        started = true
        state.first = t
        loop.clock.advanceTo(t)
        for (let k = 0; k < accounts; k++) await hooks.start(k)
        await loop.runUntil(t)
      }
      if (end !== state.instant) {
        if (state.instant > -Infinity) hooks.endInstant?.(state.instant)
        state.prevInstant = state.instant
        state.instant = end
        state.instantStart = state.bars
        const r = hooks.beginInstant?.(end)
        if (r) await r
      }
      if (loop.nextTime <= end) await loop.runUntil(end)
      loop.clock.advanceTo(end)
      for (let k = 0; k < accounts; k++) {
        const calls = hooks.calls(k)
        const r = hooks.bar(chunk, i, end, k)
        if (r) await r
        // A call the strategy made can settle at once (a risk refusal, a duplicate id): its continuation runs
        // here, after this bar, in recording and replay alike, not at whichever later await comes first.
        if (hooks.calls(k) !== calls) for (let n = 0; n < SETTLE_TURNS; n++) await null
      }
      if (++state.bars % progressEvery === 0) hooks.onProgress?.(state.bars, t)
    }
  }

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
