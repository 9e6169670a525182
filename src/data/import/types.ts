/** What an import run reports back. */

import type {Timeframe} from '../../core/market-data.js'

export type ImportFormat = 'lean' | 'csv' | 'parquet' | 'arrow'

export interface ImportedSeries {
  readonly path: string
  readonly format: ImportFormat
  readonly symbol: string
  readonly timeframe: Timeframe
  readonly rows: number
  /** Open time of the first and last imported bar, UTC epoch ms. */
  readonly first: number
  readonly last: number
}

export interface SkippedFile {
  readonly path: string
  readonly reason: string
}

/** Funding rates imported from one file for one symbol. */
export interface ImportedFunding {
  readonly path: string
  readonly format: 'lean' | 'csv'
  readonly symbol: string
  readonly rows: number
  /** First and last funding time, UTC epoch ms. */
  readonly first: number
  readonly last: number
}

export interface ImportSummary {
  readonly imported: readonly ImportedSeries[]
  /** Funding-rate files (Lean margin_interest CSVs, or CSVs imported with --funding). */
  readonly funding: readonly ImportedFunding[]
  readonly skipped: readonly SkippedFile[]
}
