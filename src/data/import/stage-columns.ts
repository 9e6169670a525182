/** Moves bars parsed in JS (typed arrays) into a store staging table. */

import type {DuckDBConnection} from '@duckdb/node-api'
import {appendColumns, sqlString} from '../duckdb.js'

export interface BarColumns {
  readonly length: number
  /** 1-based position of each row in its source, for error messages. */
  readonly rowNo: Float64Array
  readonly ts: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
}

export function allocateBarColumns(length: number): BarColumns {
  const col = () => new Float64Array(length)
  return {length, rowNo: col(), ts: col(), open: col(), high: col(), low: col(), close: col(), volume: col()}
}

/** Appends one symbol's rows to `staging` (columns as in STAGING_COLUMNS_SQL). */
export async function stageBarColumns(conn: DuckDBConnection, staging: string, symbol: string, cols: BarColumns): Promise<void> {
  const tmp = `${staging}_js`
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${tmp} (row_no DOUBLE, ts_ms DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)`,
  )
  try {
    await appendColumns(conn, tmp, [cols.rowNo, cols.ts, cols.open, cols.high, cols.low, cols.close, cols.volume], cols.length)
    await conn.run(
      `INSERT INTO ${staging} SELECT row_no, ${sqlString(symbol)}, ts_ms, NULL, open, high, low, close, volume FROM ${tmp}`,
    )
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${tmp}`)
  }
}
