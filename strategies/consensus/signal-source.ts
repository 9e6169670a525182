/**
 * The signal interface the example strategies expose, so a consensus bot can combine them without any of them
 * sending orders. A signal is a small state machine over one symbol's closed bars: feed it a bar, it answers the
 * stance it holds after that bar. It reads nothing but the bars (no clock, no account, no I/O), so the same bars
 * always give the same stances, and two signals fed the same bars can be compared bar by bar.
 */
import type {z} from 'zod'
import type {Bar} from '../../src/core/market-data.js'

/** 1: be long; -1: be short (flat for a long-only trader); 0: be flat. */
export type Stance = -1 | 0 | 1

export interface SymbolSignal {
  /** Feeds one closed bar of this signal's symbol; returns the stance after it. Never throws on finite bars. */
  update(bar: Bar): Stance
  /** Why the stance last changed ('breakout_up', 'stop', 'session_end', ...): the order reason of the trade. */
  readonly reason: string
}

/** How a strategy's signal is named, validated and built (one instance per symbol). */
export interface SignalFactory<P = unknown> {
  readonly name: string
  readonly description: string
  /** The signal's own parameters (no sizing): what a consensus source may set. */
  readonly params: z.ZodType<P>
  create(params: P): SymbolSignal
}
