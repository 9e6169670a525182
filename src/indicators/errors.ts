/** Typed errors of the streaming indicators. Bad data throws before any state changes, so it never poisons a window. */

/** An indicator was fed a value it cannot use (NaN, ±Infinity, negative volume). */
export class IndicatorInputError extends Error {
  override readonly name = 'IndicatorInputError'

  constructor(
    readonly indicator: string,
    readonly field: string,
    readonly value: number,
    readonly requirement = 'a finite number',
  ) {
    super(
      `${indicator}: ${field} must be ${requirement}, got ${String(value)}; ` +
        'fix or drop the bad row in the market data before it reaches the indicator',
    )
  }
}

/** An indicator was constructed with parameters that cannot work (period < 1, non-integer period, bad SAR factors). */
export class IndicatorConfigError extends Error {
  override readonly name = 'IndicatorConfigError'

  constructor(
    readonly indicator: string,
    readonly parameter: string,
    readonly value: unknown,
    readonly requirement: string,
  ) {
    super(`${indicator}: ${parameter} must be ${requirement}, got ${String(value)}; change the indicator settings`)
  }
}
