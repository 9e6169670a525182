/** CSV bar files, read by DuckDB's read_csv (all columns as text, so each bad value is reported by its line). */

import {sqlString} from '../duckdb.js'
import type {MarketDataStore} from '../store.js'
import type {ImportOptions} from './options.js'
import {readIntoTempTable} from './raw-table.js'
import {importTabular} from './tabular.js'
import type {ImportedSeries} from './types.js'

export async function importCsvFile(store: MarketDataStore, path: string, opts: ImportOptions): Promise<ImportedSeries[]> {
  const headerless = opts.columns !== undefined
  const names = headerless ? `, header = false, names = [${opts.columns!.map(sqlString).join(', ')}]` : ', header = true'
  return readIntoTempTable(store, path, `read_csv(${sqlString(path)}, all_varchar = true${names})`, (rawTable) =>
    importTabular(
      store,
      // Line numbers assume no blank lines before the row (DuckDB skips them).
      {path, format: 'csv', rawTable, locate: (row) => `${path} line ${row + (headerless ? 0 : 1)}`},
      opts,
    ),
  )
}
