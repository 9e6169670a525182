/** Parquet bar files, read by DuckDB's read_parquet straight into staging (no intermediate copy). */

import {sqlString} from '../duckdb.js'
import {DataImportError} from '../errors.js'
import type {MarketDataStore} from '../store.js'
import type {ImportOptions} from './options.js'
import {firstLine} from './raw-table.js'
import {importTabular} from './tabular.js'
import type {ImportedSeries} from './types.js'

export async function importParquetFile(store: MarketDataStore, path: string, opts: ImportOptions): Promise<ImportedSeries[]> {
  const reader = `read_parquet(${sqlString(path)}, file_row_number = true)`
  try {
    await store.connection.run(`DESCRIBE SELECT * FROM ${reader}`)
  } catch (cause) {
    throw new DataImportError(`${path}: cannot be read: ${firstLine(cause)}`, {cause})
  }
  return importTabular(
    store,
    {
      path,
      format: 'parquet',
      rawTable: reader,
      rowNumberSql: 'file_row_number + 1',
      hiddenColumns: ['file_row_number'],
      locate: (row) => `${path} row ${row}`,
    },
    opts,
  )
}
