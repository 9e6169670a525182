/**
 * The shared half of the CSV, Parquet and Arrow importers: given the file's rows in a DuckDB temp table, find the
 * bar columns, read times and numbers, stage, infer the timeframe and commit.
 */

import type {DuckDBConnection} from '@duckdb/node-api'
import type {Timeframe} from '../../core/market-data.js'
import {TIMEFRAME_MS} from '../../core/market-data.js'
import {queryRows, sqlIdent, sqlString} from '../duckdb.js'
import {DataImportError, InvalidBarError} from '../errors.js'
import {guessAssetClass} from '../instruments.js'
import type {MarketDataStore} from '../store.js'
import type {Locate} from '../validate.js'
import {validateStaged} from '../validate.js'
import type {ImportOptions, TsUnit} from './options.js'
import type {ImportedSeries, ImportFormat} from './types.js'

type Role = 'ts' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'symbol'

/** Column names recognised without flags, compared lower-case with non-alphanumerics removed; first match wins. */
const ALIASES: Record<Role, readonly string[]> = {
  ts: ['ts', 'timestamp', 'time', 'datetime', 'date', 'opentime', 'timems', 'epoch', 't'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c'],
  volume: ['volume', 'vol', 'v'],
  symbol: ['symbol', 'ticker', 'sym', 'instrument'],
}

const FLAG: Record<Role, keyof ImportOptions> = {
  ts: 'tsColumn',
  open: 'openColumn',
  high: 'highColumn',
  low: 'lowColumn',
  close: 'closeColumn',
  volume: 'volumeColumn',
  symbol: 'symbolColumn',
}

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/
const TIME_TYPE = /^(TIMESTAMP.*|DATE)$/

interface Column {
  readonly name: string
  readonly type: string
}

export interface TabularSource {
  readonly path: string
  readonly format: ImportFormat
  /** A table, or a table function call, holding the file's rows. */
  readonly rawTable: string
  /** SQL for a row's 1-based position in the file (default `rowid + 1`, for temp tables filled in file order). */
  readonly rowNumberSql?: string
  /** Helper columns of `rawTable` that are not the file's (e.g. read_parquet's file_row_number). */
  readonly hiddenColumns?: readonly string[]
  readonly locate: Locate
}

/** Stages, validates and commits the rows of `source.rawTable` into the store. */
export async function importTabular(store: MarketDataStore, source: TabularSource, opts: ImportOptions): Promise<ImportedSeries[]> {
  const conn = store.connection
  const hidden = new Set(source.hiddenColumns ?? [])
  const columns = (await queryRows(conn, `DESCRIBE SELECT * FROM ${source.rawTable}`))
    .map((r) => ({name: String(r.column_name), type: String(r.column_type)}))
    .filter((c) => !hidden.has(c.name))
  const rowNo = source.rowNumberSql ?? 'rowid + 1'
  const roles = resolveRoles(source.path, columns, opts)
  const q = (c: Column) => sqlIdent(c.name)

  for (const role of ['open', 'high', 'low', 'close', 'volume'] as const) {
    await checkNumeric(conn, source, roles[role]!, role)
  }
  const symbolSql = opts.symbol ? sqlString(opts.symbol) : `upper(trim(CAST(${q(roles.symbol!)} AS VARCHAR)))`
  const tsSql = await timeExpression(conn, source, roles.ts!, opts.tsUnit)
  const num = (role: Role) => {
    const c = roles[role]!
    return c.type === 'VARCHAR' ? `try_cast(trim(${q(c)}) AS DOUBLE)` : `CAST(${q(c)} AS DOUBLE)`
  }

  const staging = await store.createStaging()
  try {
    await conn.run(
      `INSERT INTO ${staging}
       SELECT ${rowNo}, ${symbolSql}, ${tsSql}, CASE WHEN coalesce(isnan(${tsSql}), true) THEN CAST(${q(roles.ts!)} AS VARCHAR) END,
              ${num('open')}, ${num('high')}, ${num('low')}, ${num('close')}, ${num('volume')}
       FROM ${source.rawTable}`,
    )
    await validateStaged(conn, staging, source.locate)
    const timeframe = opts.timeframe ?? (await inferTimeframe(conn, staging, source.path))
    const committed = await store.commitStaged({
      table: staging,
      timeframe,
      source: `${source.format}:${source.path}`,
      assetClassOf: (symbol) =>
        opts.assetClass ? {assetClass: opts.assetClass, certain: true} : {assetClass: guessAssetClass(symbol), certain: false},
      locate: source.locate,
      validated: true,
    })
    return committed.map((c) => ({path: source.path, format: source.format, ...c}))
  } finally {
    await store.dropStaging(staging)
  }
}

function resolveRoles(path: string, columns: readonly Column[], opts: ImportOptions): Partial<Record<Role, Column>> {
  const available = columns.map((c) => c.name).join(', ')
  const roles: Partial<Record<Role, Column>> = {}
  const wanted: Role[] = ['ts', 'open', 'high', 'low', 'close', 'volume']
  if (!opts.symbol) wanted.push('symbol')
  for (const role of wanted) {
    const flag = FLAG[role]
    const explicit = opts[flag] as string | undefined
    if (explicit) {
      const column = columns.find((c) => c.name === explicit) ?? columns.find((c) => c.name.toLowerCase() === explicit.toLowerCase())
      if (!column) {
        throw new DataImportError(`${path}: no column "${explicit}" (from ${flagName(flag)}); its columns are: ${available}.`)
      }
      roles[role] = column
      continue
    }
    const key = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')
    const match = ALIASES[role].map((alias) => columns.find((c) => key(c.name) === alias)).find((c) => c !== undefined)
    if (!match) {
      const how =
        role === 'symbol'
          ? 'pass --symbol <TICKER> for a single-symbol file or --symbol-column <name>'
          : `name it with ${flagName(flag)} <name> (or --columns for a file without a header row)`
      throw new DataImportError(`${path}: no ${role === 'ts' ? 'time' : role} column among: ${available}; ${how}.`)
    }
    roles[role] = match
  }
  for (const role of wanted) {
    const c = roles[role]!
    if (role === 'symbol' || c.type === 'VARCHAR') continue
    const fits = role === 'ts' ? NUMERIC_TYPE.test(c.type) || TIME_TYPE.test(c.type) : NUMERIC_TYPE.test(c.type)
    if (!fits) throw new DataImportError(`${path}: column "${c.name}" (${role}) has type ${c.type}, which is not ${role === 'ts' ? 'a time' : 'a number'}.`)
  }
  return roles
}

function flagName(key: keyof ImportOptions): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
}

/** Text numbers that DuckDB cannot read are reported with their text, which the staged NULL would lose. */
async function checkNumeric(conn: DuckDBConnection, source: TabularSource, column: Column, role: Role): Promise<void> {
  if (column.type !== 'VARCHAR') return
  const c = sqlIdent(column.name)
  const bad = await queryRows(
    conn,
    `SELECT ${source.rowNumberSql ?? 'rowid + 1'} AS row_no, ${c} AS value FROM ${source.rawTable}
     WHERE trim(${c}) <> '' AND try_cast(trim(${c}) AS DOUBLE) IS NULL ORDER BY row_no LIMIT 1`,
  )
  if (bad.length > 0) {
    throw new InvalidBarError(source.locate(Number(bad[0].row_no)), `${role} "${String(bad[0].value)}" is not a number`)
  }
}

const UNIT_TO_MS: Record<Exclude<TsUnit, 'auto' | 'iso'>, number> = {s: 1000, ms: 1, us: 1e-3, ns: 1e-6}

/** SQL giving UTC epoch ms (DOUBLE) for the time column, per its type and `--ts-unit`. Naive times are UTC. */
async function timeExpression(conn: DuckDBConnection, source: TabularSource, column: Column, unit: TsUnit): Promise<string> {
  const c = sqlIdent(column.name)
  if (TIME_TYPE.test(column.type)) {
    const asTime = column.type.startsWith('TIMESTAMP WITH TIME ZONE') ? c : `CAST(${c} AS TIMESTAMP)`
    return `CAST(epoch_ms(${asTime}) AS DOUBLE)`
  }
  const text = column.type === 'VARCHAR'
  const iso = `CAST(epoch_ms(try_cast(trim(${c}) AS TIMESTAMPTZ)) AS DOUBLE)`
  const numeric = text ? `try_cast(trim(${c}) AS DOUBLE)` : `CAST(${c} AS DOUBLE)`
  if (unit === 'iso') {
    if (!text) throw new DataImportError(`${source.path}: --ts-unit iso needs a text time column; "${column.name}" is ${column.type}.`)
    return iso
  }
  if (unit !== 'auto') return `(${numeric} * ${UNIT_TO_MS[unit]})`
  const [stats] = await queryRows(
    conn,
    `SELECT count(try_cast(trim(CAST(${c} AS VARCHAR)) AS DOUBLE)) AS numbers, count(${c}) AS present,
            max(abs(try_cast(trim(CAST(${c} AS VARCHAR)) AS DOUBLE))) AS max_abs
     FROM ${source.rawTable}`,
  )
  const numbers = Number(stats.numbers)
  // Mostly text: ISO times (the odd number among them fails validation with its row).
  if (text && numbers * 2 < Number(stats.present)) return iso
  const maxAbs = Number(stats.max_abs ?? 0)
  const guess: keyof typeof UNIT_TO_MS = maxAbs < 1e11 ? 's' : maxAbs < 1e14 ? 'ms' : maxAbs < 1e17 ? 'us' : 'ns'
  return `(${numeric} * ${UNIT_TO_MS[guess]})`
}

/** The most common spacing between a symbol's consecutive bars, if it is one of the supported timeframes. */
async function inferTimeframe(conn: DuckDBConnection, staging: string, path: string): Promise<Timeframe> {
  const rows = await queryRows(
    conn,
    `SELECT d, count(*) AS n FROM (
       SELECT ts_ms - lag(ts_ms) OVER (PARTITION BY symbol ORDER BY ts_ms) AS d FROM ${staging})
     WHERE d > 0 GROUP BY d ORDER BY n DESC, d LIMIT 1`,
  )
  const step = rows.length > 0 ? Number(rows[0].d) : undefined
  const match = (Object.entries(TIMEFRAME_MS) as [Timeframe, number][]).find(([, ms]) => ms === step)
  if (match) return match[0]
  const seen = step === undefined ? 'too few bars to tell' : `most bars are ${step / 60_000} minutes apart`
  throw new DataImportError(
    `${path}: cannot infer the bar timeframe (${seen}); pass --timeframe ${Object.keys(TIMEFRAME_MS).join('|')}.`,
  )
}
