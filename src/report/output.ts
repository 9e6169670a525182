/**
 * A run's result files: orders, fills, trades and equity as CSV (deterministic, byte for byte) and the same four
 * as Parquet (through DuckDB, loaded only when Parquet is asked for).
 * Every time column is written twice: `<name>_time` as ISO 8601 UTC for people, `<name>_ts` as epoch ms for code.
 */
import {chmod, mkdir, rename, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {UserInputError} from '../core/errors.js'
import type {ClosedTrade, EquityCurve} from '../core/trade.js'
import {csvNumber, csvString, writeCsvFile} from './csv.js'

/** One order of the run, in its final state. */
export interface OrderRow {
  /** When the order was submitted, UTC epoch ms. */
  readonly ts: number
  readonly clientOrderId: string
  /** null when the venue never acknowledged the order. */
  readonly venueOrderId: string | null
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  /** 'market', 'limit', 'stop', 'stop_limit', ... */
  readonly type: string
  /** Time in force: 'gtc', 'day', 'ioc', 'fok', ... */
  readonly tif: string
  readonly qty: number
  readonly limitPrice: number | null
  readonly stopPrice: number | null
  /** Final status: 'filled', 'canceled', 'rejected', 'expired', ... */
  readonly status: string
  readonly filledQty: number
  /** null when nothing filled. */
  readonly avgFillPrice: number | null
  /** null unless the order was rejected. */
  readonly rejectReason: string | null
}

/** One execution. */
export interface FillRow {
  /** Execution time, UTC epoch ms. */
  readonly ts: number
  readonly execId: string
  readonly clientOrderId: string
  readonly venueOrderId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly qty: number
  readonly price: number
  readonly fee: number
  readonly liquidity: 'maker' | 'taker'
}

/** One perpetual funding settlement of one position (or hedge leg). */
export interface FundingRow {
  /** Funding time, UTC epoch ms. */
  readonly ts: number
  readonly symbol: string
  /** 'net', or the hedge-mode leg: 'long' / 'short'. */
  readonly positionSide: string
  /** Position size (never negative). */
  readonly qty: number
  readonly markPrice: number
  readonly rate: number
  /** + received, − paid. */
  readonly amount: number
}

export interface RunOutputData {
  orders: readonly OrderRow[]
  fills: readonly FillRow[]
  trades: readonly ClosedTrade[]
  equity: EquityCurve
  /** Funding settlements; `funding.csv` / `.parquet` are written only when given (runs on perpetuals). */
  funding?: readonly FundingRow[]
}

export interface RunOutputOptions {
  /** Also write .parquet copies (default true). */
  parquet?: boolean
}

/** A run output could not be written (bad time value, DuckDB failure). */
export class RunOutputError extends UserInputError {
  override readonly name: string = 'RunOutputError'
}

type SqlType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'TIMESTAMPTZ'

interface CsvTable {
  readonly name: 'orders' | 'fills' | 'trades' | 'equity' | 'funding'
  readonly columns: readonly (readonly [column: string, type: SqlType])[]
  readonly rows: number
  line(i: number): string
}

/**
 * Writes `orders.csv`, `fills.csv`, `trades.csv`, `equity.csv` (and `.parquet` twins unless `parquet: false`) into
 * `dir`. A directory this call creates gets mode 0700; every file gets 0600. Returns the paths written.
 */
export async function writeRunOutputs(dir: string, data: RunOutputData, opts: RunOutputOptions = {}): Promise<string[]> {
  const created = await mkdir(dir, {recursive: true, mode: 0o700})
  if (created !== undefined) await chmod(dir, 0o700)

  const tables = [ordersTable(data.orders), fillsTable(data.fills), tradesTable(data.trades), equityTable(data.equity)]
  if (data.funding) tables.push(fundingTable(data.funding))
  const written: string[] = []
  for (const t of tables) {
    const path = join(dir, `${t.name}.csv`)
    await writeCsvFile(path, t.columns.map(([c]) => c), t.rows, (i) => t.line(i))
    written.push(path)
  }
  if (opts.parquet ?? true) written.push(...await writeParquet(dir, tables))
  return written
}

function ordersTable(orders: readonly OrderRow[]): CsvTable {
  return {
    name: 'orders',
    columns: [
      ['time', 'TIMESTAMPTZ'], ['ts', 'BIGINT'], ['client_order_id', 'VARCHAR'], ['venue_order_id', 'VARCHAR'],
      ['symbol', 'VARCHAR'], ['side', 'VARCHAR'], ['type', 'VARCHAR'], ['tif', 'VARCHAR'], ['qty', 'DOUBLE'],
      ['limit_price', 'DOUBLE'], ['stop_price', 'DOUBLE'], ['status', 'VARCHAR'], ['filled_qty', 'DOUBLE'],
      ['avg_fill_price', 'DOUBLE'], ['reject_reason', 'VARCHAR'],
    ],
    rows: orders.length,
    line(i) {
      const o = orders[i]
      return `${time(o.ts, 'orders', i)},${csvString(o.clientOrderId)},${csvString(o.venueOrderId)},` +
        `${csvString(o.symbol)},${csvString(o.side)},${csvString(o.type)},${csvString(o.tif)},${csvNumber(o.qty)},` +
        `${csvNumber(o.limitPrice)},${csvNumber(o.stopPrice)},${csvString(o.status)},${csvNumber(o.filledQty)},` +
        `${csvNumber(o.avgFillPrice)},${csvString(o.rejectReason)}`
    },
  }
}

function fillsTable(fills: readonly FillRow[]): CsvTable {
  return {
    name: 'fills',
    columns: [
      ['time', 'TIMESTAMPTZ'], ['ts', 'BIGINT'], ['exec_id', 'VARCHAR'], ['client_order_id', 'VARCHAR'],
      ['venue_order_id', 'VARCHAR'], ['symbol', 'VARCHAR'], ['side', 'VARCHAR'], ['qty', 'DOUBLE'],
      ['price', 'DOUBLE'], ['fee', 'DOUBLE'], ['liquidity', 'VARCHAR'],
    ],
    rows: fills.length,
    line(i) {
      const f = fills[i]
      return `${time(f.ts, 'fills', i)},${csvString(f.execId)},${csvString(f.clientOrderId)},` +
        `${csvString(f.venueOrderId)},${csvString(f.symbol)},${csvString(f.side)},${csvNumber(f.qty)},${csvNumber(f.price)},` +
        `${csvNumber(f.fee)},${csvString(f.liquidity)}`
    },
  }
}

function tradesTable(trades: readonly ClosedTrade[]): CsvTable {
  return {
    name: 'trades',
    columns: [
      ['symbol', 'VARCHAR'], ['direction', 'VARCHAR'], ['qty', 'DOUBLE'],
      ['entry_time', 'TIMESTAMPTZ'], ['entry_ts', 'BIGINT'], ['entry_price', 'DOUBLE'],
      ['exit_time', 'TIMESTAMPTZ'], ['exit_ts', 'BIGINT'], ['exit_price', 'DOUBLE'],
      ['pnl', 'DOUBLE'], ['fees', 'DOUBLE'], ['exit_reason', 'VARCHAR'],
    ],
    rows: trades.length,
    line(i) {
      const t = trades[i]
      return `${csvString(t.symbol)},${csvString(t.direction)},${csvNumber(t.qty)},` +
        `${time(t.entryTs, 'trades', i)},${csvNumber(t.entryPrice)},` +
        `${time(t.exitTs, 'trades', i)},${csvNumber(t.exitPrice)},` +
        `${csvNumber(t.pnl)},${csvNumber(t.fees)},${csvString(t.exitReason)}`
    },
  }
}

function equityTable(curve: EquityCurve): CsvTable {
  const {ts, equity, exposure} = curve
  if (equity.length !== ts.length || exposure.length !== ts.length) {
    throw new RunOutputError(`Cannot write equity.csv: the curve's columns differ in length (ts ${ts.length}, ` +
      `equity ${equity.length}, exposure ${exposure.length}). This is a bug in the code that sampled the curve.`)
  }
  return {
    name: 'equity',
    columns: [['time', 'TIMESTAMPTZ'], ['ts', 'BIGINT'], ['equity', 'DOUBLE'], ['exposure', 'DOUBLE']],
    rows: ts.length,
    line: (i) => `${time(ts[i], 'equity', i)},${String(equity[i])},${String(exposure[i])}`,
  }
}

function fundingTable(rows: readonly FundingRow[]): CsvTable {
  return {
    name: 'funding',
    columns: [
      ['time', 'TIMESTAMPTZ'], ['ts', 'BIGINT'], ['symbol', 'VARCHAR'], ['position_side', 'VARCHAR'], ['qty', 'DOUBLE'],
      ['mark_price', 'DOUBLE'], ['rate', 'DOUBLE'], ['amount', 'DOUBLE'],
    ],
    rows: rows.length,
    line(i) {
      const f = rows[i]
      return `${time(f.ts, 'funding', i)},${csvString(f.symbol)},${csvString(f.positionSide)},${csvNumber(f.qty)},` +
        `${csvNumber(f.markPrice)},${csvNumber(f.rate)},${csvNumber(f.amount)}`
    },
  }
}

/** "ISO,epoch-ms" for one time; the ms must be an integer the ISO form can hold. */
function time(ms: number, table: string, row: number): string {
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > 8.64e15) {
    throw new RunOutputError(`Cannot write ${table}.csv: row ${row} has time ${ms}, expected integer epoch ms. ` +
      'This is a bug in the code that produced the run.')
  }
  return `${new Date(ms).toISOString()},${ms}`
}

/** Converts each CSV just written to Parquet, reading it back with explicit column types (no sniffing). */
async function writeParquet(dir: string, tables: readonly CsvTable[]): Promise<string[]> {
  const {DuckDBInstance} = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const conn = await db.connect()
  const written: string[] = []
  try {
    for (const t of tables) {
      const csv = join(dir, `${t.name}.csv`)
      const out = join(dir, `${t.name}.parquet`)
      const tmp = `${out}.${process.pid}.tmp`
      const columns = t.columns.map(([c, type]) => `${sqlString(c)}: ${sqlString(type)}`).join(', ')
      const source = `read_csv(${sqlString(csv)}, header = true, auto_detect = false, delim = ',', quote = '"', ` +
        `escape = '"', new_line = '\\n', allow_quoted_nulls = false, columns = {${columns}})`
      try {
        await conn.run(`COPY (SELECT * FROM ${source}) TO ${sqlString(tmp)} (FORMAT parquet)`)
        await chmod(tmp, 0o600)
        await rename(tmp, out)
      } catch (err) {
        await rm(tmp, {force: true})
        throw new RunOutputError(`Cannot write ${out}: ${(err as Error).message}`)
      }
      written.push(out)
    }
  } finally {
    conn.closeSync()
    db.closeSync()
  }
  return written
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}
