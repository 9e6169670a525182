/**
 * The position mode of each symbol of one account: perpetuals run in the venue's default mode (one-way on Bybit)
 * unless the account (`positionMode: hedge`) or the symbol (`positionMode: {BTCUSDT: hedge}`) says otherwise, as
 * Bybit's own rule has it (symbol > account > venue default). Stocks and spot always net. The mode of a symbol
 * changes only through `set` (the venue's switch-mode request), which the venue allows while the symbol is flat.
 */
import {type Instrument, type PositionMode, positionModeFromName} from '../core/instrument.js'
import {ConfigError} from '../core/errors.js'
import type {PositionModeSetting} from './config.js'

export class PositionModes {
  /** The account's mode: what a symbol without a setting of its own runs in. */
  readonly account: PositionMode
  private readonly bySymbol = new Map<string, PositionMode>()
  private readonly perps = new Set<string>()

  constructor(venueDefault: PositionMode, instruments: readonly Instrument[], setting?: PositionModeSetting) {
    for (const i of instruments) if (i.contract === 'linear_perpetual') this.perps.add(i.symbol)
    this.account = this.perps.size === 0 ? 'netting' : typeof setting === 'string' ? positionModeFromName(setting) : venueDefault
    if (setting === undefined || typeof setting === 'string') return
    for (const [symbol, name] of Object.entries(setting)) {
      if (!instruments.some((i) => i.symbol === symbol)) {
        throw new ConfigError(`positionMode names ${symbol}, which is not traded here (${instruments.map((i) => i.symbol).join(', ')}); fix the symbol or remove it`)
      }
      if (!this.perps.has(symbol) && name === 'hedge') {
        throw new ConfigError(`positionMode: ${symbol} is not a perpetual, so it has no hedge mode; remove it from positionMode`)
      }
      if (this.perps.has(symbol)) this.bySymbol.set(symbol, positionModeFromName(name))
    }
  }

  /** The mode orders on `symbol` must follow. */
  of(symbol: string): PositionMode {
    return this.bySymbol.get(symbol) ?? (this.perps.has(symbol) ? this.account : 'netting')
  }

  /** Whether `symbol` has modes to switch between (a perpetual). */
  switchable(symbol: string): boolean {
    return this.perps.has(symbol)
  }

  /** Switches one perpetual's mode (the caller checks that it is flat and has no open orders). */
  set(symbol: string, mode: PositionMode): void {
    if (!this.perps.has(symbol)) throw new ConfigError(`${symbol} is not a perpetual; only perpetuals switch position mode`)
    this.bySymbol.set(symbol, mode)
  }
}
