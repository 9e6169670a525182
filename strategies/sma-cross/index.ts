/**
 * SMA crossover, long only: buy when the fast average crosses above the slow one, sell the whole position
 * when it crosses back below. Market orders, so with the default simulator they fill at the next bar's open.
 */
import {z} from 'zod'
import type {BrokerEvent} from '../../src/core/events.js'
import {floorToStep} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import type {Strategy, StrategyContext, StrategyFactory} from '../../src/engine/strategy.js'
import {SMA} from '../../src/indicators/index.js'

export const SmaCrossParams = z
  .object({
    fast: z.number().int().min(1).default(10),
    slow: z.number().int().min(2).default(30),
    /** Fraction of available cash committed per entry. */
    fraction: z.number().gt(0).max(1).default(0.2),
  })
  .refine((p) => p.fast < p.slow, {message: 'fast must be shorter than slow', path: ['fast']})

export type SmaCrossParams = z.infer<typeof SmaCrossParams>

interface SymbolState {
  readonly fast: SMA
  readonly slow: SMA
  /** Sign of (fast − slow) at the previous stable bar: 1 above, -1 below, 0 unknown. */
  side: number
}

export class SmaCross implements Strategy {
  readonly name = 'sma'
  private ctx!: StrategyContext
  /** Per symbol, by the bar's index in ctx.symbols. */
  private state: SymbolState[] = []
  /** Cash promised to buy orders still working, so simultaneous entries do not overspend. */
  private committed = 0
  private readonly pendingBuys = new Map<string, number>()

  constructor(private readonly p: SmaCrossParams) {}

  start(ctx: StrategyContext): void {
    this.ctx = ctx
    this.state = ctx.symbols.map(() => ({fast: new SMA(this.p.fast), slow: new SMA(this.p.slow), side: 0}))
  }

  onBar(bar: Bar): void {
    const st = this.state[bar.index]
    const f = st.fast.update(bar.close)
    const s = st.slow.update(bar.close)
    if (!st.slow.isStable) return
    const side = f > s ? 1 : f < s ? -1 : st.side
    const prev = st.side
    st.side = side
    if (prev === 0 || side === prev) return
    const account = this.ctx.account
    if (account.hasOpenOrder(bar.symbol)) return
    const held = account.position(bar.symbol)
    if (side === 1 && held === 0) this.enter(bar)
    else if (side === -1 && held > 0) this.exit(bar, held)
  }

  onEvent(e: BrokerEvent): void {
    if (e.kind !== 'order') return
    const o = e.order
    const promised = this.pendingBuys.get(o.clientOrderId)
    if (promised === undefined) return
    if (o.status === 'filled' || o.status === 'canceled' || o.status === 'rejected' || o.status === 'expired') {
      this.committed -= promised
      this.pendingBuys.delete(o.clientOrderId)
    }
  }

  private enter(bar: Bar): void {
    const inst = this.ctx.instrument(bar.symbol)
    const cash = Math.max(0, this.ctx.account.buyingPower - this.committed)
    const qty = floorToStep((cash * this.p.fraction) / bar.close, inst.lotSize)
    if (!(qty >= inst.minQty) || !(bar.close > 0)) {
      this.ctx.orders.rejectLocally('size_below_minimum')
      return
    }
    const id = this.ctx.clientOrderId(`${bar.symbol}${bar.ts}`, 'b')
    const notional = qty * bar.close
    this.committed += notional
    this.pendingBuys.set(id, notional)
    void this.ctx.orders
      .submit({clientOrderId: id, symbol: bar.symbol, side: 'buy', type: 'market', qty, tif: tifFor(inst.assetClass)}, {reason: 'entry'})
      .then((r) => {
        if (!r.ok) this.release(id)
      })
  }

  private exit(bar: Bar, qty: number): void {
    const inst = this.ctx.instrument(bar.symbol)
    const id = this.ctx.clientOrderId(`${bar.symbol}${bar.ts}`, 's')
    void this.ctx.orders.submit(
      {clientOrderId: id, symbol: bar.symbol, side: 'sell', type: 'market', qty, tif: tifFor(inst.assetClass)},
      {reason: 'sma_cross_down'},
    )
  }

  private release(id: string): void {
    const promised = this.pendingBuys.get(id)
    if (promised === undefined) return
    this.committed -= promised
    this.pendingBuys.delete(id)
  }
}

/** Stocks take DAY orders (queued for the open outside hours); crypto venues take GTC. */
function tifFor(assetClass: string): 'day' | 'gtc' {
  return assetClass === 'us_equity' ? 'day' : 'gtc'
}

export const smaCross: StrategyFactory<SmaCrossParams> = {
  name: 'sma-cross',
  description: 'Long-only SMA crossover: buy on fast-above-slow, sell on the cross back; market orders.',
  params: SmaCrossParams,
  create: (p) => new SmaCross(p),
}
