/** Options of an import run, validated once at the boundary (the command's flags or a caller's object). */

import {z} from 'zod'
import type {Timeframe} from '../../core/market-data.js'
import {TIMEFRAME_MS} from '../../core/market-data.js'
import {DataImportError} from '../errors.js'
import {AssetClassSchema} from '../instruments.js'

export const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]
export const TS_UNITS = ['auto', 's', 'ms', 'us', 'ns', 'iso'] as const
export type TsUnit = (typeof TS_UNITS)[number]

const columnName = z.string().trim().min(1, 'must not be empty')

/** Flags that describe bars and mean nothing for a funding-rate file. */
const BAR_ONLY = ['timeframe', 'assetClass', 'openColumn', 'highColumn', 'lowColumn', 'closeColumn', 'volumeColumn'] as const

const ImportOptionsSchema = z
  .object({
    /** The symbol of every row (files without a symbol column). */
    symbol: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$/, 'must be a ticker such as SPY or BTCUSDT')
      .transform((s) => s.toUpperCase())
      .optional(),
    symbolColumn: columnName.optional(),
    tsColumn: columnName.optional(),
    openColumn: columnName.optional(),
    highColumn: columnName.optional(),
    lowColumn: columnName.optional(),
    closeColumn: columnName.optional(),
    volumeColumn: columnName.optional(),
    /** Names of a header-less CSV's columns, in file order ("ts,open,high,low,close,volume"). */
    columns: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((c) => c.trim()))
      .pipe(
        z
          .array(columnName)
          .min(2, 'must name at least the time and a price column')
          .refine((cols) => new Set(cols.map((c) => c.toLowerCase())).size === cols.length, 'must not name a column twice'),
      )
      .optional(),
    timeframe: z.enum(TIMEFRAMES).optional(),
    /** How numeric times are read; "auto" tells seconds from milliseconds (and µs, ns) by magnitude. */
    tsUnit: z.enum(TS_UNITS).default('auto'),
    /** Asset class of symbols in CSV/Parquet/Arrow files (default: a guess from the symbol, see guessAssetClass). */
    assetClass: AssetClassSchema.optional(),
    /** CSV files hold funding rates (ts,rate), not bars (see funding.ts). */
    funding: z.boolean().default(false),
  })
  .strict()
  .refine((o) => !o.funding || BAR_ONLY.every((k) => o[k] === undefined), {
    message: 'funding files hold a time and a rate: drop --timeframe, --asset-class and the price/volume column flags',
    path: ['funding'],
  })
  .refine((o) => !o.funding || o.tsUnit === 'auto', {
    message: 'funding times are read as epoch ms, epoch s (told apart by size) or ISO text: drop --ts-unit',
    path: ['funding'],
  })
  .refine((o) => !(o.symbol && o.symbolColumn), {message: 'pass either --symbol or --symbol-column, not both', path: ['symbol']})

export type ImportOptionsInput = z.input<typeof ImportOptionsSchema>
export type ImportOptions = z.output<typeof ImportOptionsSchema>

/** Parses import options; a bad one becomes a DataImportError naming the flag. */
export function parseImportOptions(input: ImportOptionsInput = {}): ImportOptions {
  const parsed = ImportOptionsSchema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const key = issue.path.length > 0 ? String(issue.path[0]) : ''
  const flag = key ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options'
  throw new DataImportError(`${flag}: ${issue.message}.`)
}
