/**
 * What every streaming indicator exposes besides its `update(...)`.
 *
 * - `value` is always a finite number. Before `isStable` it is a provisional value computed from the inputs seen so
 *   far (each class documents it); strategies should not act on it.
 * - `isStable` turns true at the same input count at which the reference libraries emit their first value.
 * - `count` is the number of accepted updates since construction or `reset()`.
 */
export interface StreamingIndicator {
  readonly value: number
  readonly isStable: boolean
  readonly count: number
  reset(): void
}
