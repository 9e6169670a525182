/** Checks staged rows are bars before they are committed: the first bad row fails the whole file, by position. */

import type {DuckDBConnection} from '@duckdb/node-api'
import {InvalidBarError} from './errors.js'
import {queryRows} from './duckdb.js'

/** Turns a 1-based source row number into "file.csv line 7" (or "row 7" for columnar files). */
export type Locate = (rowNo: number) => string

const PRICE = ['open', 'high', 'low', 'close']

/** A number as people write it: 99 rather than DuckDB's "99.0". */
const t = (col: string) => `regexp_replace(CAST(${col} AS VARCHAR), '\\.0$', '')`

function numberProblem(col: string): string {
  return `WHEN ${col} IS NULL THEN '${col} is empty'
    WHEN isnan(${col}) THEN '${col} is NaN (missing or not a number)'
    WHEN isinf(${col}) THEN '${col} is infinite'`
}

// The order of the WHEN branches decides which problem a row with several gets reported for: the most basic first.
const PROBLEM_SQL = `CASE
    WHEN symbol IS NULL OR trim(symbol) = '' THEN 'symbol is empty'
    WHEN ts_ms IS NULL OR isnan(ts_ms) OR isinf(ts_ms)
      THEN 'time ' || coalesce('"' || ts_raw || '"', '(empty)') || ' is not epoch ms, epoch s or an ISO-8601 time'
    ${[...PRICE, 'volume'].map(numberProblem).join('\n    ')}
    ${PRICE.map((c) => `WHEN ${c} <= 0 THEN '${c} ' || ${t(c)} || ' is not a positive price'`).join('\n    ')}
    WHEN volume < 0 THEN 'volume ' || ${t('volume')} || ' is negative'
    WHEN high < low THEN 'high ' || ${t('high')} || ' is below low ' || ${t('low')}
    WHEN high < greatest(open, close) THEN 'high ' || ${t('high')} || ' is below open/close ' || ${t('greatest(open, close)')}
    WHEN low > least(open, close) THEN 'low ' || ${t('low')} || ' is above open/close ' || ${t('least(open, close)')}
  END`

/** Throws InvalidBarError for the first (lowest row_no) staged row that is not a valid bar, or a duplicate time. */
export async function validateStaged(conn: DuckDBConnection, table: string, locate: Locate): Promise<void> {
  const bad = await queryRows(
    conn,
    `SELECT row_no, problem FROM (SELECT row_no, ${PROBLEM_SQL} AS problem FROM ${table})
     WHERE problem IS NOT NULL ORDER BY row_no LIMIT 1`,
  )
  if (bad.length > 0) throw new InvalidBarError(locate(Number(bad[0].row_no)), String(bad[0].problem))

  const dup = await queryRows(
    conn,
    `SELECT min(row_no) AS first_row, max(row_no) AS row_no, symbol, epoch_ms(ts_ms::BIGINT)::VARCHAR AS at
     FROM ${table} GROUP BY symbol, ts_ms HAVING count(*) > 1 ORDER BY max(row_no) LIMIT 1`,
  )
  if (dup.length > 0) {
    const d = dup[0]
    throw new InvalidBarError(
      locate(Number(d.row_no)),
      `duplicate bar for ${String(d.symbol)} at ${String(d.at)} UTC (same time as ${locate(Number(d.first_row))})`,
    )
  }
}
