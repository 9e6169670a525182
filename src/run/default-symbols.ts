/**
 * The symbols of a backtest run without --symbols: every symbol of one venue in the store, at the run's timeframe,
 * of the asset classes the strategy can trade (the grid needs perpetuals: without this it would be handed the stock
 * sample and refuse it). Among the venues whose data fits, the one with the most series wins; ties go to the first
 * name. The choice is told to the user in a note.
 */
import type {AssetClass} from '../core/instrument.js'
import {UserInputError} from '../core/errors.js'

export interface StoredSeries {
  readonly symbol: string
  readonly timeframe: string
  readonly venue: string
  readonly assetClass: AssetClass
}

export interface DefaultSymbols {
  readonly venue: string
  readonly symbols: readonly string[]
  /** One line for the user: which symbols were picked, and why when the strategy narrowed the choice. */
  readonly note: string
}

export function chooseDefaultSymbols(
  series: readonly StoredSeries[],
  timeframe: string,
  strategy: {readonly name: string; readonly assetClasses?: readonly AssetClass[]},
): DefaultSymbols {
  const atTimeframe = series.filter((s) => s.timeframe === timeframe)
  if (atTimeframe.length === 0) throw new UserInputError(`no ${timeframe} bars in the store; run \`trader data import\` or choose --timeframe from \`trader data list\``)
  const classes = strategy.assetClasses
  const fitting = classes ? atTimeframe.filter((s) => classes.includes(s.assetClass)) : atTimeframe
  if (fitting.length === 0) {
    const held = [...new Set(atTimeframe.map((s) => s.assetClass))].sort().join(', ')
    throw new UserInputError(
      `${strategy.name} trades ${classes!.join(' or ')}, but the store's ${timeframe} bars are ${held}; import such data with \`trader data import\`, or choose --timeframe / --symbols from \`trader data list\``,
    )
  }
  const perVenue = new Map<string, number>()
  for (const s of fitting) perVenue.set(s.venue, (perVenue.get(s.venue) ?? 0) + 1)
  const [venue] = [...perVenue.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))[0]
  const symbols = [...new Set(fitting.filter((s) => s.venue === venue).map((s) => s.symbol))]
  const others = [...new Set(atTimeframe.map((s) => s.venue))].filter((v) => v !== venue).sort()
  const why = classes ? ` (${strategy.name} trades ${classes.join(', ')})` : ''
  const rest = others.length > 0 ? `; other venues: ${others.join(', ')}` : ''
  return {venue, symbols, note: `no --symbols given: using the ${venue} symbols ${symbols.join(',')}${why}${rest}`}
}
