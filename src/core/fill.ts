/** Executions (fills). Each carries the venue's execution id, and is applied exactly once. */
import type {PositionSide, Side} from './order.js'

export type Liquidity = 'maker' | 'taker'

export interface Fill {
  readonly execId: string
  readonly clientOrderId: string
  readonly venueOrderId: string
  readonly symbol: string
  readonly side: Side
  readonly positionSide: PositionSide
  readonly qty: number
  readonly price: number
  /** Fee in the quote currency; negative for a rebate. */
  readonly fee: number
  readonly liquidity: Liquidity
  readonly ts: number
}

/** Remembers execution ids so a fill reported twice (stream + poll, or a duplicated frame) counts once. */
export class ExecutionDeduper {
  private seen = new Set<string>()
  private previous = new Set<string>()

  /**
   * Remembers at least the last `capacity` ids (two generations), so memory stays bounded in long sessions;
   * a duplicate older than that is beyond any venue's redelivery window.
   */
  constructor(private readonly capacity = 200_000) {}

  /** True the first time an id is offered, false for every repeat. */
  firstTime(execId: string): boolean {
    if (this.seen.has(execId) || this.previous.has(execId)) return false
    if (this.seen.size >= this.capacity) {
      this.previous = this.seen
      this.seen = new Set()
    }
    this.seen.add(execId)
    return true
  }

  get size(): number {
    return this.seen.size + this.previous.size
  }
}
