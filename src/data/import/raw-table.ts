/** Loads a file through one of DuckDB's table functions into a temp table, turning reader errors into one line. */

import {DataImportError} from '../errors.js'
import type {MarketDataStore} from '../store.js'

let counter = 0

export async function readIntoTempTable<T>(
  store: MarketDataStore,
  path: string,
  tableFunction: string,
  use: (rawTable: string) => Promise<T>,
): Promise<T> {
  const rawTable = `raw_${process.pid}_${++counter}`
  try {
    // CREATE TABLE AS keeps the reader's row order (DuckDB preserves insertion order), so rowid is the file row.
    await store.connection.run(`CREATE OR REPLACE TEMP TABLE ${rawTable} AS SELECT * FROM ${tableFunction}`)
  } catch (cause) {
    throw new DataImportError(`${path}: cannot be read: ${firstLine(cause)}`, {cause})
  }
  try {
    return await use(rawTable)
  } finally {
    await store.connection.run(`DROP TABLE IF EXISTS ${rawTable}`)
  }
}

/** DuckDB's messages span several lines (with hints and file dumps); the first says what went wrong. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n').find((l) => l.trim() !== '')?.trim() ?? message
}
