import {requireFinite} from './guard.js'
import type {StreamingIndicator} from './indicator.js'

/**
 * Detects the fast line crossing the slow one. `update(fast, slow)` returns +1 on a cross up, -1 on a cross down,
 * 0 otherwise. A cross is a change of side against the last bar where the lines differed, so touching
 * (fast == slow) and going back is not a cross, while touching and going through counts once, on the bar it leaves
 * the touch (as technicalindicators' CrossUp / CrossDown). No cross is reported before the lines have been seen on
 * one side; `isStable` says they have.
 */
export class CrossOver implements StreamingIndicator {
  private side = 0
  private current = 0
  private n = 0

  update(fast: number, slow: number): number {
    requireFinite('CrossOver', 'fast', fast)
    requireFinite('CrossOver', 'slow', slow)
    const s = fast > slow ? 1 : fast < slow ? -1 : 0
    this.current = s !== 0 && this.side !== 0 && s !== this.side ? s : 0
    if (s !== 0) this.side = s
    this.n++
    return this.current
  }

  get value(): number {
    return this.current
  }

  get crossedUp(): boolean {
    return this.current === 1
  }

  get crossedDown(): boolean {
    return this.current === -1
  }

  /** +1 when fast was last seen above slow, -1 below, 0 not yet on either side. */
  get lastSide(): number {
    return this.side
  }

  get isStable(): boolean {
    return this.side !== 0
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.side = 0
    this.current = 0
    this.n = 0
  }
}
