/** A closed round trip, as the report and the trade list see it. Times are UTC epoch ms. */
export interface ClosedTrade {
  readonly symbol: string
  /** 'long' or 'short': the direction of the position the trade opened. */
  readonly direction: 'long' | 'short'
  readonly qty: number
  readonly entryTs: number
  readonly entryPrice: number
  readonly exitTs: number
  readonly exitPrice: number
  /** Realised PnL net of the fees of both legs. */
  readonly pnl: number
  readonly fees: number
  /** Why the position was closed: 'signal', 'stop_loss', 'take_profit', 'end_of_data', ... */
  readonly exitReason: string
}

/** Equity sampled by the engine, one point per sample time. */
export interface EquityCurve {
  readonly ts: Float64Array
  readonly equity: Float64Array
  /** Gross exposure (|position value| / equity) at each sample, for exposure time. */
  readonly exposure: Float64Array
}
