/**
 * Binds the risk engine to a session: the account as the venue reported it (AccountView), the data as the bar
 * loop saw it (MarketTracker), the instruments and the clock. The gateway calls `check` before every order; the
 * session calls `observeEquity` as equity changes, which may trip the kill switch.
 */
import type {Instrument} from '../core/instrument.js'
import type {OrderRequest} from '../core/order.js'
import type {AccountView} from '../engine/account-view.js'
import type {Clock} from '../core/time/clock.js'
import type {MarketTracker} from './market-tracker.js'
import type {RiskDecision, RiskEngine, RiskState} from './risk-engine.js'

export class RiskGuard {
  private lastOrderAt = -Infinity

  constructor(
    readonly engine: RiskEngine,
    private readonly view: AccountView,
    private readonly market: MarketTracker,
    private readonly clock: Clock,
    private readonly instrumentOf: (symbol: string) => Instrument,
  ) {}

  /**
   * Equity at the latest closes: the venue's last reported cash plus the positions marked at the bar loop's
   * prices (perpetuals by their unrealised PnL), so the kill switch sees every bar, not only fills.
   */
  equity(): number {
    let eq = this.view.cash
    for (const p of this.view.positions.list) {
      if (p.qty === 0) continue
      const mark = this.market.price(p.symbol) || p.avgPrice
      if (this.instrumentOf(p.symbol).contract === 'linear_perpetual') eq += p.unrealized(mark)
      else eq += p.qty * mark
    }
    return eq
  }

  check(req: OrderRequest): RiskDecision {
    const d = this.engine.check(req, this.state())
    if (d.ok) this.lastOrderAt = this.clock.now()
    return d
  }

  /**
   * An amend that adds exposure, given as the order of what it adds: checked as an entry of that size, except that
   * the amended order already counts among the open ones (an amend adds no order).
   */
  checkAmend(added: OrderRequest): RiskDecision {
    const s = this.state()
    const d = this.engine.check(added, {...s, openOrders: Math.max(0, s.openOrders - 1)})
    if (d.ok) this.lastOrderAt = this.clock.now()
    return d
  }

  /** Updates the drawdown watch; true when the kill switch trips now. */
  observeEquity(): boolean {
    return this.engine.observeEquity(this.equity(), this.clock.now())
  }

  /** Orders that close every open position (the kill switch's flatten policy). */
  flattenOrders(idOf: (symbol: string, leg: string) => string): OrderRequest[] {
    const out: OrderRequest[] = []
    for (const p of this.view.positions.list) {
      if (p.qty === 0) continue
      const leg = 'side' in p ? p.side : 'net'
      const side = leg === 'short' || (leg === 'net' && p.qty < 0) ? 'buy' : 'sell'
      const inst = this.instrumentOf(p.symbol)
      out.push({
        clientOrderId: idOf(p.symbol, `kill${leg === 'net' ? '' : leg[0]}`),
        symbol: p.symbol,
        side,
        type: 'market',
        qty: Math.abs(p.qty),
        tif: inst.assetClass === 'us_equity' ? 'day' : 'gtc',
        reduceOnly: inst.contract === 'linear_perpetual' ? true : undefined,
        ...(leg === 'net' ? {} : {positionSide: leg}),
      })
    }
    return out
  }

  private state(): RiskState {
    const view = this.view
    const market = this.market
    const now = this.clock.now()
    const valueOf = (symbol: string): number => {
      let v = 0
      for (const side of ['net', 'long', 'short'] as const) v += Math.abs(view.positions.qty(symbol, side)) * market.price(symbol)
      return v
    }
    // Exposure counts what is held and what working orders will add: two entries sent at one instant must not
    // each pass against the same empty book.
    const exposure = (filter: (i: Instrument) => boolean): number => {
      let e = 0
      for (const p of view.positions.list) if (p.qty !== 0 && filter(this.instrumentOf(p.symbol))) e += Math.abs(p.qty) * market.price(p.symbol)
      for (const o of view.orders.openOrders()) {
        const r = o.request
        if (r.reduceOnly || !filter(this.instrumentOf(r.symbol))) continue
        e += Math.max(0, r.qty - o.filledQty) * (r.limitPrice ?? market.price(r.symbol))
      }
      return e
    }
    return {
      now,
      equity: this.equity(),
      openOrders: view.orders.open,
      lastOrderAt: this.lastOrderAt,
      assetClassOf: (s) => this.instrumentOf(s).assetClass,
      positionQty: (s, side) => view.positions.qty(s, side ?? 'net'),
      exposure: (cls) => exposure((i) => i.assetClass === cls),
      grossExposure: () => exposure(() => true),
      positionValue: valueOf,
      price: (s) => market.price(s),
      lastDataAt: (s) => market.lastDataAt(s),
      dataPoints: (s) => market.dataPoints(s),
      staleFraction: () => market.staleFraction(now, this.engine.limits.staleDataMs),
    }
  }
}
