/**
 * Arrow IPC bar files (.arrow / .feather v2 file format, .arrows stream format), read with apache-arrow record
 * batch by record batch and appended to a DuckDB temp table, then handled like any other table.
 */

import {readFile} from 'node:fs/promises'
import type {DataType, RecordBatch, Schema, Vector} from 'apache-arrow'
import {appendColumns, sqlIdent} from '../duckdb.js'
import {DataImportError} from '../errors.js'
import type {MarketDataStore} from '../store.js'
import type {ImportOptions} from './options.js'
import {firstLine} from './raw-table.js'
import {importTabular} from './tabular.js'
import type {ImportedSeries} from './types.js'

type Kind = 'number' | 'time' | 'text'

interface Field {
  readonly name: string
  readonly kind: Kind
}

let counter = 0

export async function importArrowFile(store: MarketDataStore, path: string, opts: ImportOptions): Promise<ImportedSeries[]> {
  const arrow = await import('apache-arrow')
  const conn = store.connection
  let reader: Iterable<RecordBatch> & {schema: Schema}
  try {
    const r = arrow.RecordBatchReader.from(new Uint8Array(await readFile(path)))
    reader = r.open() as unknown as Iterable<RecordBatch> & {schema: Schema}
  } catch (cause) {
    throw new DataImportError(`${path}: not an Arrow IPC file or stream: ${firstLine(cause)}`, {cause})
  }
  const fields: Field[] = []
  for (const f of reader.schema.fields) {
    const kind = kindOf(arrow.DataType, f.type)
    if (kind) fields.push({name: f.name, kind})
  }
  if (fields.length === 0) throw new DataImportError(`${path}: no number, time or text columns in the Arrow schema.`)

  const id = `${process.pid}_${++counter}`
  const loading = `arrow_load_${id}`
  const rawTable = `raw_arrow_${id}`
  const ddl = fields.map((f) => `${sqlIdent(f.name)} ${f.kind === 'text' ? 'VARCHAR' : 'DOUBLE'}`).join(', ')
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${loading} (${ddl})`)
  try {
    for (const batch of reader) {
      const columns = fields.map((f) => toColumn(batch.getChild(f.name)!, f.kind))
      await appendColumns(conn, loading, columns, batch.numRows)
    }
    // Arrow times arrive as UTC epoch ms numbers; give them back a TIMESTAMP type (NaN marks a null).
    const replaced = fields
      .filter((f) => f.kind === 'time')
      .map((f) => `CASE WHEN isnan(${sqlIdent(f.name)}) THEN NULL ELSE epoch_ms(CAST(${sqlIdent(f.name)} AS BIGINT)) END AS ${sqlIdent(f.name)}`)
    const select = replaced.length > 0 ? `* REPLACE (${replaced.join(', ')})` : '*'
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${rawTable} AS SELECT ${select} FROM ${loading} ORDER BY rowid`)
  } catch (cause) {
    if (cause instanceof DataImportError) throw cause
    throw new DataImportError(`${path}: cannot be read: ${firstLine(cause)}`, {cause})
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${loading}`)
  }
  try {
    return await importTabular(store, {path, format: 'arrow', rawTable, locate: (row) => `${path} row ${row}`}, opts)
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${rawTable}`)
  }
}

function kindOf(types: typeof DataType, type: DataType): Kind | undefined {
  if (types.isTimestamp(type) || types.isDate(type)) return 'time'
  if (types.isInt(type) || types.isFloat(type)) return 'number'
  if (types.isUtf8(type) || types.isLargeUtf8(type)) return 'text'
  if (types.isDictionary(type)) return kindOf(types, (type as unknown as {dictionary: DataType}).dictionary)
  // Decimals, booleans, nested types: not bar columns.
  return undefined
}

/** Numbers and times as Float64Array (null → NaN; times as epoch ms), text as strings. */
function toColumn(vector: Vector, kind: Kind): Float64Array | (string | null)[] {
  const n = vector.length
  if (kind === 'text') {
    const out: (string | null)[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const v = vector.get(i) as unknown
      out[i] = v === null || v === undefined ? null : String(v)
    }
    return out
  }
  const out = new Float64Array(n)
  const direct = vector.toArray() as unknown
  if (kind === 'number' && vector.nullCount === 0 && (direct instanceof Float64Array || direct instanceof Float32Array || direct instanceof Int32Array)) {
    out.set(direct)
    return out
  }
  // apache-arrow's get() gives times as epoch ms whatever the unit, and 64-bit integers as bigint.
  for (let i = 0; i < n; i++) {
    const v = vector.get(i) as unknown
    out[i] = v === null || v === undefined ? NaN : Number(v)
  }
  return out
}
