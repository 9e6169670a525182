/** The baseline: on each symbol's first bar, buy an equal share of the starting cash and hold to the end. */
import {z} from 'zod'
import {floorToStep} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import type {Strategy, StrategyContext, StrategyFactory} from '../../src/engine/strategy.js'

export const BuyAndHoldParams = z.object({
  /** Fraction of the starting cash invested, split equally across the symbols. */
  fraction: z.number().gt(0).max(1).default(0.99),
})
export type BuyAndHoldParams = z.infer<typeof BuyAndHoldParams>

const BuyAndHoldSnapshot = z.object({bought: z.array(z.string())})

export class BuyAndHold implements Strategy {
  readonly name = 'hold'
  private ctx!: StrategyContext
  private readonly bought = new Set<string>()

  /** `bought`: the symbols a previous instance already bought (a restart must not buy them again). */
  constructor(private readonly p: BuyAndHoldParams, bought: readonly string[] = []) {
    for (const s of bought) this.bought.add(s)
  }

  /** What a restarted instance needs: the symbols already bought (the simulation tester found the re-buy). */
  snapshot(): {bought: string[]} {
    return {bought: [...this.bought].sort()}
  }

  start(ctx: StrategyContext): void {
    this.ctx = ctx
  }

  onBar(bar: Bar): void {
    if (this.bought.has(bar.symbol) || !(bar.close > 0)) return
    this.bought.add(bar.symbol)
    const inst = this.ctx.instrument(bar.symbol)
    const budget = (this.ctx.account.initialCash * this.p.fraction) / this.ctx.symbols.length
    const qty = floorToStep(budget / bar.close, inst.lotSize)
    if (!(qty >= inst.minQty)) {
      this.ctx.orders.rejectLocally('size_below_minimum')
      return
    }
    void this.ctx.orders.submit(
      {
        clientOrderId: this.ctx.clientOrderId(bar.symbol, 'b'),
        symbol: bar.symbol,
        side: 'buy',
        type: 'market',
        qty,
        tif: inst.assetClass === 'us_equity' ? 'day' : 'gtc',
      },
      {reason: 'entry'},
    )
  }
}

export const buyAndHold: StrategyFactory<BuyAndHoldParams> = {
  name: 'buy-and-hold',
  description: 'Baseline: buy an equal share of cash in every symbol on its first bar and hold.',
  params: BuyAndHoldParams,
  // The baseline buys every symbol on its first bar: no indicator to warm up, all orders at one instant; and it is
  // fully invested by design (99 % of cash), above the product's 80 % exposure cap for strategies that trade.
  riskDefaults: {minDataPoints: 1, minOrderSpacingMs: 0, maxExposure: 1},
  create: (p, restored) => new BuyAndHold(p, BuyAndHoldSnapshot.safeParse(restored).data?.bought),
}
