/** Typed failures of the market-data layer. Each message says what happened and what to do next (exit code 2). */

import {DataError} from '../core/errors.js'
import type {Timeframe} from '../core/market-data.js'

/** Bars were asked for that the store does not hold. */
export class NoDataError extends DataError {
  override readonly name = 'NoDataError'

  constructor(
    readonly symbols: readonly string[],
    readonly timeframe?: Timeframe,
    range?: {from?: number; to?: number},
  ) {
    const within = describeRange(range)
    super(
      `No ${timeframe ? `${timeframe} ` : ''}bars for ${symbols.join(', ')}${within} in the market-data store. ` +
        `Run \`trader data import <files>\` to add them, or \`trader data list\` to see what is there.`,
    )
  }
}

/** An input the importer cannot use: missing file, unknown format, bad option or column name. */
export class DataImportError extends DataError {
  override readonly name: string = 'DataImportError'
}

/** A row of an input file the importer refuses; the message says where, what, and that nothing was imported. */
export class InvalidRowError extends DataImportError {
  override readonly name: string = 'InvalidRowError'

  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}. Fix or remove that row and import again; nothing from this file was imported.`)
  }
}

/** A row whose values are not a bar: NaN, negative price, high below low, unparseable time, ... */
export class InvalidBarError extends InvalidRowError {
  override readonly name = 'InvalidBarError'
}

/** A row of a funding-rate file that is not a funding rate (bad time, rate out of range, duplicate time, ...). */
export class InvalidFundingRowError extends InvalidRowError {
  override readonly name = 'InvalidFundingRowError'
}

/** The database file cannot be opened (missing in read-only mode, locked by another process, ...). */
export class StoreOpenError extends DataError {
  override readonly name = 'StoreOpenError'
}

function describeRange(range?: {from?: number; to?: number}): string {
  if (!range || (range.from === undefined && range.to === undefined)) return ''
  const iso = (ms: number | undefined) => (ms === undefined ? '…' : new Date(ms).toISOString())
  return ` between ${iso(range.from)} and ${iso(range.to)}`
}
