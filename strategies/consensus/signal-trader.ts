/**
 * Turns a signal's stance into orders: the one order layer of the example strategies (opening range, parabolic
 * SAR, volume profile) and of the consensus bot, so each of them only decides a stance per bar.
 *
 * Rules, per symbol, on each closed bar:
 * - While an order of the symbol is open nothing new is sent; an open entry the stance no longer supports is
 *   cancelled (once).
 * - A position the stance does not support is closed with a market order whose reason is the signal's reason
 *   ('stop', 'session_end', ...). This is retried on later bars if the exit is refused.
 * - An entry is sent only while flat and only for a FRESH stance (one that began on this bar, or began while an
 *   exit was still under way): a refused or skipped entry is not chased on later bars.
 * - Entries are market orders sized to `fraction` of the buying power not already promised to working entries,
 *   rounded down to the lot; a price or size that is not finite and positive sends nothing and is counted as a
 *   local rejection (OPS-09).
 * - Stocks enter only while their regular session is open (a stance that begins in the pre- or after-market is
 *   not chased into the next open); exits are sent whenever they are due (the venue queues them for the open).
 * - Long only unless `allowShort`; perpetuals on a hedge-mode venue trade their long and short legs, on a one-way
 *   venue (Bybit's default) one netted position, like stocks and spot. Perpetual exits are reduce-only.
 */
import {z} from 'zod'
import type {BrokerEvent} from '../../src/core/events.js'
import {floorToStep, type Instrument} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import type {PositionSide, Side} from '../../src/core/order.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {isMarketOpen} from '../../src/core/calendar/index.js'
import type {Stance, SymbolSignal} from './signal-source.js'

/** Sizing and direction, shared by every strategy built on the signal trader. */
export const TradingParams = z.object({
  /** Fraction of the free buying power committed per entry. */
  fraction: z.number().gt(0).max(1).default(0.2),
  /** Also take short stances (stocks need a venue that allows shorting). */
  allowShort: z.boolean().default(false),
})
export type TradingParams = z.infer<typeof TradingParams>

interface SymbolState {
  readonly signal: SymbolSignal
  stance: Stance
  reason: string
  /** An entry is wanted for the current stance and not yet sent. */
  armed: boolean
  /** Our latest entry order on the symbol (for cancelling it when the stance turns), '' when none. */
  entryId: string
  entryStance: Stance
  cancelSent: boolean
}

const TERMINAL = new Set(['filled', 'canceled', 'rejected', 'expired'])

export class SignalTrader implements Strategy {
  private ctx!: StrategyContext
  private states: SymbolState[] = []
  /** Buying power promised to entries still working, so simultaneous entries do not overspend. */
  private committed = 0
  private readonly promised = new Map<string, number>()

  /**
   * @param name short scope of the client order ids ('orb', 'psar', ...)
   * @param newSignal builds the signal of one symbol
   */
  constructor(
    readonly name: string,
    private readonly newSignal: () => SymbolSignal,
    private readonly p: TradingParams,
  ) {}

  start(ctx: StrategyContext): void {
    this.ctx = ctx
    this.states = ctx.symbols.map(() => ({
      signal: this.newSignal(),
      stance: 0,
      reason: '',
      armed: false,
      entryId: '',
      entryStance: 0,
      cancelSent: false,
    }))
  }

  onBar(bar: Bar): void {
    const st = this.states[bar.index]
    let stance = st.signal.update(bar)
    if (stance === -1 && !this.p.allowShort) stance = 0
    if (stance !== st.stance) {
      st.stance = stance
      st.reason = st.signal.reason
      st.armed = stance !== 0
      this.ctx.record('signal', {symbol: bar.symbol, stance, reason: st.reason})
    }
    const account = this.ctx.account
    if (account.hasOpenOrder(bar.symbol)) {
      this.cancelUnsupportedEntry(st)
      return
    }
    const inst = this.ctx.instrument(bar.symbol)
    // The venue's mode for this symbol decides: legs in hedge mode, one netted position in one-way mode.
    const broker = this.ctx.broker
    const hedge = inst.contract === 'linear_perpetual' && (broker.positionModeOf?.(bar.symbol) ?? broker.positionMode) === 'hedge'
    const long = held(hedge ? account.position(bar.symbol, 'long') : account.position(bar.symbol), inst)
    const short = held(hedge ? account.position(bar.symbol, 'short') : -account.position(bar.symbol), inst)
    if (long > 0 && stance !== 1) {
      this.send(bar, inst, 'sell', long, hedge ? 'long' : 'net', st.reason, 'x')
    } else if (short > 0 && stance !== -1) {
      this.send(bar, inst, 'buy', short, hedge ? 'short' : 'net', st.reason, 'x')
    } else if (long === 0 && short === 0 && st.armed) {
      st.armed = false
      if (inst.assetClass !== 'us_equity' || isMarketOpen(this.ctx.clock.now())) this.enter(bar, inst, st, hedge)
    }
  }

  onEvent(e: BrokerEvent): void {
    if (e.kind !== 'order' || !TERMINAL.has(e.order.status)) return
    this.release(e.order.clientOrderId)
  }

  private enter(bar: Bar, inst: Instrument, st: SymbolState, hedge: boolean): void {
    const price = bar.close
    if (!(Number.isFinite(price) && price > 0)) {
      this.ctx.orders.rejectLocally('no_price')
      return
    }
    const free = Math.max(0, this.ctx.account.buyingPower - this.committed)
    const qty = floorToStep((free * this.p.fraction) / price, inst.lotSize)
    if (!(Number.isFinite(qty) && qty >= inst.minQty)) {
      this.ctx.orders.rejectLocally('size_below_minimum')
      return
    }
    const side: Side = st.stance === 1 ? 'buy' : 'sell'
    const leg: PositionSide = hedge ? (st.stance === 1 ? 'long' : 'short') : 'net'
    const id = this.send(bar, inst, side, qty, leg, st.reason, 'e')
    const notional = qty * price
    this.committed += notional
    this.promised.set(id, notional)
    st.entryId = id
    st.entryStance = st.stance
    st.cancelSent = false
  }

  /** Sends a market order; perpetual exits are reduce-only (on their leg in hedge mode). Returns the client order id. */
  private send(bar: Bar, inst: Instrument, side: Side, qty: number, leg: PositionSide, reason: string, kind: 'e' | 'x'): string {
    const id = this.ctx.clientOrderId(`${bar.symbol}${bar.ts}`, kind)
    const exitInHedge = kind === 'x' && (leg !== 'net' || inst.contract === 'linear_perpetual')
    void this.ctx.orders
      .submit(
        {
          clientOrderId: id,
          symbol: bar.symbol,
          side,
          type: 'market',
          qty,
          tif: inst.assetClass === 'us_equity' ? 'day' : 'gtc',
          ...(leg === 'net' ? {} : {positionSide: leg}),
          ...(exitInHedge ? {reduceOnly: true} : {}),
        },
        {reason: reason || (kind === 'e' ? 'entry' : 'exit')},
      )
      .then((r) => {
        if (!r.ok && r.final) this.release(id)
      })
    return id
  }

  /** An entry still working while the stance has turned away from it is cancelled, once. */
  private cancelUnsupportedEntry(st: SymbolState): void {
    if (st.entryId === '' || st.cancelSent || st.stance === st.entryStance) return
    const tracked = this.ctx.account.orders.get(st.entryId)
    if (!tracked || TERMINAL.has(tracked.status)) return
    st.cancelSent = true
    void this.ctx.orders.cancel({clientOrderId: st.entryId})
  }

  private release(id: string): void {
    const notional = this.promised.get(id)
    if (notional === undefined) return
    this.committed = Math.max(0, this.committed - notional)
    this.promised.delete(id)
  }
}

/** A position's tradable size: rounded down to the lot, 0 when below the minimum (dust) or not a number. */
function held(qty: number, inst: Instrument): number {
  if (!(qty > 0)) return 0
  const q = floorToStep(qty, inst.lotSize)
  return Number.isFinite(q) && q >= inst.minQty ? q : 0
}
