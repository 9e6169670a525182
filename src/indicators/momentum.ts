import {requireFinite, requirePeriod} from './guard.js'
import type {StreamingIndicator} from './indicator.js'
import {FloatRing} from './ring.js'
import {ROC} from './roc.js'

/**
 * Price velocity for the momentum scanner: the percent change over the last `window` bars, i.e. ROC(window).
 * Stable after `window + 1` values; 0 before; 0 for a zero base.
 */
export class Velocity extends ROC {
  constructor(window: number) {
    super(window, 'Velocity')
  }
}

/**
 * Price acceleration for the momentum scanner: how much the velocity changed over the last `accelerationWindow` bars,
 * in percentage points: velocity(t) - velocity(t - accelerationWindow), where velocity = ROC(velocityWindow) in %.
 * Positive = momentum building, negative = momentum decelerating (ALP-17's exit), 0 = steady.
 * Stable after `velocityWindow + accelerationWindow + 1` values; 0 before.
 */
export class Acceleration implements StreamingIndicator {
  private readonly roc: ROC
  private readonly velocities: FloatRing
  private current = 0
  private n = 0

  constructor(
    readonly velocityWindow: number,
    readonly accelerationWindow: number,
  ) {
    requirePeriod('Acceleration', 'velocityWindow', velocityWindow)
    requirePeriod('Acceleration', 'accelerationWindow', accelerationWindow)
    this.roc = new ROC(velocityWindow, 'Acceleration')
    this.velocities = new FloatRing(accelerationWindow)
  }

  update(x: number): number {
    requireFinite('Acceleration', 'value', x)
    const v = this.roc.update(x)
    this.n++
    if (this.roc.isStable) {
      if (this.velocities.isFull) this.current = v - this.velocities.oldest()
      this.velocities.push(v)
    }
    return this.current
  }

  get value(): number {
    return this.current
  }

  /** The current velocity (ROC over `velocityWindow`, %). */
  get velocity(): number {
    return this.roc.value
  }

  get isStable(): boolean {
    return this.n > this.velocityWindow + this.accelerationWindow
  }

  get count(): number {
    return this.n
  }

  reset(): void {
    this.roc.reset()
    this.velocities.clear()
    this.current = 0
    this.n = 0
  }
}
