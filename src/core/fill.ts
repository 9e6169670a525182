/** Executions (fills). Each carries the venue's execution id, and is applied exactly once. */
import {GenerationalSet} from './generational-set.js'
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
  private readonly ids: GenerationalSet

  /**
   * Remembers at least the last `capacity` ids (two generations), so memory stays bounded in long sessions;
   * a duplicate older than that is beyond any venue's redelivery window.
   */
  constructor(capacity = 200_000) {
    this.ids = new GenerationalSet(capacity)
  }

  /** True the first time an id is offered, false for every repeat. */
  firstTime(execId: string): boolean {
    return this.ids.add(execId)
  }

  get size(): number {
    return this.ids.size
  }
}
