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

export interface ImportSummary {
  readonly imported: readonly ImportedSeries[]
  readonly skipped: readonly SkippedFile[]
}
