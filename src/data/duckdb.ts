/** Lazy access to DuckDB and the few SQL helpers the data layer shares. */

import type {DuckDBConnection, DuckDBDataChunk, DuckDBInstance} from '@duckdb/node-api'
import {StoreOpenError} from './errors.js'

export type DuckDBModule = typeof import('@duckdb/node-api')

let loaded: Promise<DuckDBModule> | undefined

/** DuckDB is a heavy native module: load it only when data is actually touched. */
export function loadDuckDB(): Promise<DuckDBModule> {
  loaded ??= import('@duckdb/node-api')
  return loaded
}

/** DuckDB's refusal to open a file another process holds (a writer excludes everyone; readers share). */
export function lockHolder(err: unknown): {pid?: number} | undefined {
  const text = err instanceof Error ? err.message : String(err)
  if (!/Could not set lock on file|Conflicting lock/i.test(text)) return undefined
  const pid = /\(PID (\d+)\)/.exec(text)
  return pid ? {pid: Number(pid[1])} : {}
}

/**
 * Opens a DuckDB database file, waiting up to `waitMs` while another process holds a conflicting lock (a reader
 * waits out a writer — the sample import of a concurrent first run — and a writer waits out readers). Other
 * failures, and a lock still held after the wait, are thrown as DuckDB raised them.
 */
export async function createInstance(file: string, options: Record<string, string>, waitMs = 0): Promise<DuckDBInstance> {
  const duckdb = await loadDuckDB()
  const deadline = Date.now() + waitMs
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    try {
      return await duckdb.DuckDBInstance.create(file, options)
    } catch (err) {
      if (!lockHolder(err) || Date.now() + pause > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
  }
}

/** How long a reader waits for a writer to release the file (the sample import of a concurrent first run). */
export const READER_WAIT_MS = 60_000

/** The one-line error for a database file DuckDB would not open: who holds it and what to do, or DuckDB's reason. */
export function openFailure(file: string, readOnly: boolean, cause: unknown): StoreOpenError {
  const lock = lockHolder(cause)
  const by = lock?.pid === undefined ? 'another process' : `another process (pid ${lock.pid})`
  if (lock && readOnly) {
    return new StoreOpenError(`The market-data database ${file} is being written by ${by}; wait for that \`trader data import\` to finish and run again`, {cause})
  }
  if (lock) {
    return new StoreOpenError(
      `The market-data database ${file} is open in ${by} (a backtest, replay or emulator reading it); an import needs it to itself: wait for that to finish, or import into another file with --db`,
      {cause},
    )
  }
  const why = (cause instanceof Error ? cause.message.split('\n')[0] : String(cause)).replace(/\.$/, '')
  return new StoreOpenError(`Cannot open the market-data database ${file} (${why}); check that it is a database written by \`trader data import\`, or give another --db`, {cause})
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** A quoted SQL identifier (column names come from user files). */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Every connection works in UTC so naive timestamps never pick up the machine's zone. */
export async function connectUtc(instance: {connect(): Promise<DuckDBConnection>}): Promise<DuckDBConnection> {
  const conn = await instance.connect()
  await conn.run(`SET TimeZone = 'UTC'`)
  return conn
}

/** Rows of a small query as plain JS values (bigints become numbers). Only for metadata-sized results. */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql)
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v
    return out
  })
}

/**
 * The typed array behind a numeric vector of a result chunk. @duckdb/node-api keeps it in the (untyped) `items`
 * field; it is a view on DuckDB's chunk memory, so callers must copy out of it before the next fetch.
 */
export function vectorItems<T extends Float64Array | Uint16Array>(chunk: DuckDBDataChunk, column: number): T {
  const items = (chunk.getColumnVector(column) as unknown as {items?: unknown}).items
  if (!(items instanceof Float64Array) && !(items instanceof Uint16Array)) {
    throw new TypeError(`column ${column} of the result is not a DOUBLE or USMALLINT vector`)
  }
  return items as T
}

/** Rows per DuckDB data chunk (DuckDB's STANDARD_VECTOR_SIZE). */
const VECTOR_SIZE = 2048

type StagingColumn = Float64Array | readonly (string | null)[]

/**
 * Append columns (DOUBLE from Float64Array, VARCHAR from string arrays) to an existing table through DuckDB's
 * appender, one vector-sized data chunk at a time: no per-value boxing into DuckDB value objects.
 */
export async function appendColumns(
  conn: DuckDBConnection,
  table: string,
  columns: readonly StagingColumn[],
  length: number,
): Promise<void> {
  const duckdb = await loadDuckDB()
  const types = columns.map((c) => (c instanceof Float64Array ? duckdb.DOUBLE : duckdb.VARCHAR))
  const appender = await conn.createAppender(table)
  try {
    for (let off = 0; off < length; off += VECTOR_SIZE) {
      const n = Math.min(VECTOR_SIZE, length - off)
      const chunk = duckdb.DuckDBDataChunk.create(types, n)
      for (let k = 0; k < columns.length; k++) {
        const src = columns[k]
        const vector = chunk.getColumnVector(k)
        if (src instanceof Float64Array) {
          ;(vector as unknown as {items: Float64Array}).items.set(src.subarray(off, off + n))
        } else {
          for (let i = 0; i < n; i++) vector.setItem(i, src[off + i] ?? null)
        }
        vector.flush()
      }
      appender.appendDataChunk(chunk)
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
}
