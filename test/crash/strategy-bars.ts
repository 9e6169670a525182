/**
 * Synthetic 1-minute bars for the strategy crash test, a pure function of the seed: a mean-reverting BTCUSDT walk for
 * the grid (it crosses its 0.1 % steps and take-profits every few bars), and for the momentum pipeline three stocks
 * with occasional bursts (a run-up on rising volume, then a fade) inside the US regular session, so the scanner
 * signals, the buyer enters and the monitor exits many times in a few hundred bars. Volumes are small next to the
 * orders, so the simulator's participation cap fills many of them partially.
 */
import type {FeedBar} from '../../src/broker/market-feed.js'
import {Rng} from '../../src/core/rng.js'

export const TF_MS = 60_000
const DAY = 86_400_000
/** Regular session minutes (09:30-16:00 New York). */
const SESSION_BARS = 390

export interface BarSource {
  readonly symbols: readonly string[]
  /** Open time of bar `i` (all symbols share it). */
  start(i: number): number
  /** The bars of instant `i`, one per symbol, in symbol order. */
  bars(i: number): FeedBar[]
}

const round = (x: number, tick: number): number => Math.round(x / tick) * tick

/** BTCUSDT around 20 000: noise of ~0.08 % a bar, pulled back to the centre. */
export function gridBars(seed: number, t0: number): BarSource {
  const rng = new Rng(seed).fork(11)
  let price = 20_000
  let made = -1
  let last: FeedBar[] = []
  const start = (i: number): number => t0 + i * TF_MS
  return {
    symbols: ['BTCUSDT'],
    start,
    bars(i: number): FeedBar[] {
      if (i === made) return last
      if (i !== made + 1) throw new Error(`bars are made in order: asked for ${i} after ${made}`)
      made = i
      const noise = (rng.next() + rng.next() + rng.next() - 1.5) * 0.0016
      const pull = 0.03 * Math.log(20_000 / price)
      const open = price
      const close = round(price * (1 + noise + pull), 0.1)
      const high = round(Math.max(open, close) * (1 + rng.next() * 0.0006), 0.1)
      const low = round(Math.min(open, close) * (1 - rng.next() * 0.0006), 0.1)
      price = close
      last = [{symbol: 'BTCUSDT', ts: start(i), tfMs: TF_MS, open, high, low, close, volume: Math.round((0.4 + rng.next() * 3) * 1000) / 1000}]
      return last
    },
  }
}

/** Three stocks in the regular session (weekdays from `t0`, a session open), with bursts the scanner picks up. */
export function momentumBars(seed: number, t0: number): BarSource {
  const symbols = ['AAA', 'BBB', 'CCC']
  const rng = new Rng(seed).fork(12)
  const state = symbols.map((_, k) => ({price: 50 + 25 * k, burst: 0, fade: 0}))
  let made = -1
  let last: FeedBar[] = []
  const start = (i: number): number => {
    const day = Math.floor(i / SESSION_BARS)
    let d = 0
    let t = t0
    while (d < day) {
      t += DAY
      const wd = new Date(t).getUTCDay()
      if (wd !== 0 && wd !== 6) d++
    }
    return t + (i % SESSION_BARS) * TF_MS
  }
  return {
    symbols,
    start,
    bars(i: number): FeedBar[] {
      if (i === made) return last
      if (i !== made + 1) throw new Error(`bars are made in order: asked for ${i} after ${made}`)
      made = i
      const ts = start(i)
      last = symbols.map((symbol, k) => {
        const s = state[k]
        let move: number
        let volume: number
        if (s.burst > 0) {
          s.burst--
          if (s.burst === 0) s.fade = 3 + rng.int(4)
          move = 0.003 + rng.next() * 0.004
          volume = 2_500 + rng.int(2_500)
        } else if (s.fade > 0) {
          s.fade--
          move = -(0.002 + rng.next() * 0.004)
          volume = 800 + rng.int(800)
        } else {
          if (rng.next() < 0.04) s.burst = 4 + rng.int(4)
          move = (rng.next() - 0.5) * 0.0016
          volume = 500 + rng.int(700)
        }
        const open = s.price
        const close = Math.max(1, round(open * (1 + move), 0.01))
        const high = round(Math.max(open, close) * (1 + rng.next() * 0.0008), 0.01)
        const low = round(Math.min(open, close) * (1 - rng.next() * 0.0008), 0.01)
        s.price = close
        return {symbol, ts, tfMs: TF_MS, open, high, low, close, volume}
      })
      return last
    },
  }
}
