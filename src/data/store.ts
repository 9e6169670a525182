/** The market-data store: one embedded DuckDB file holding bars and the instruments they belong to. */

import {mkdir} from 'node:fs/promises'
import {existsSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'
import {z} from 'zod'
import type {BarStream, Timeframe} from '../core/market-data.js'
import {TIMEFRAME_MS} from '../core/market-data.js'
import {createBarStream, DEFAULT_CHUNK_ROWS, DEFAULT_WINDOW_ROWS, planWindows, type StreamPlan} from './bar-stream.js'
import {appendColumns, connectUtc, createInstance, openFailure, queryRows, READER_WAIT_MS, sqlString} from './duckdb.js'
import {DataImportError, NoDataError, StoreOpenError} from './errors.js'
import type {AssetClass, InstrumentInfo, Venue} from './instruments.js'
import {AssetClassSchema, VenueSchema, venueFor} from './instruments.js'
import {SCHEMA_SQL, STAGING_COLUMNS_SQL} from './schema.js'
import type {Locate} from './validate.js'
import {validateStaged} from './validate.js'

export interface SeriesInfo {
  readonly symbol: string
  readonly timeframe: Timeframe
  readonly venue: Venue
  readonly assetClass: AssetClass
  /** Open time of the first and last bar, UTC epoch ms. */
  readonly first: number
  readonly last: number
  readonly rows: number
}

export interface StreamBarsQuery {
  /** Default: every symbol with bars in this timeframe (and range). Order and duplicates do not matter. */
  readonly symbols?: readonly string[]
  readonly timeframe: Timeframe
  /** Bar open time range, UTC epoch ms: `from` inclusive, `to` exclusive. */
  readonly from?: number
  readonly to?: number
  /** Rows per yielded chunk (the last one may be shorter). Default 65,536. */
  readonly chunkRows?: number
  /** Tuning: about how many rows DuckDB sorts per query window. Default 1,000,000. */
  readonly windowRows?: number
}

/** What an importer hands over: a filled staging table and how to describe and classify its rows. */
export interface StagedBars {
  readonly table: string
  readonly timeframe: Timeframe
  /** Where the rows came from, recorded on the instrument (e.g. "lean:equity/usa/minute/spy/20131004_trade.zip"). */
  readonly source: string
  /** The asset class of a staged symbol; `certain` false means a guess that yields to what the store already holds. */
  readonly assetClassOf: (symbol: string) => {assetClass: AssetClass; certain: boolean}
  readonly locate: Locate
  /** The caller already ran validateStaged on this table. */
  readonly validated?: boolean
}

export interface CommittedSeries {
  readonly symbol: string
  readonly timeframe: Timeframe
  readonly rows: number
  readonly first: number
  readonly last: number
}

/** One funding rate: the fraction of position value exchanged at `ts` (UTC epoch ms); longs pay a positive rate. */
export interface FundingRateRow {
  readonly symbol: string
  readonly ts: number
  readonly rate: number
}

/** The funding rates held for one symbol. */
export interface FundingSeriesInfo {
  readonly symbol: string
  /** First and last funding time, UTC epoch ms. */
  readonly first: number
  readonly last: number
  readonly rows: number
}

const QuerySchema = z.object({
  symbols: z.array(z.string().trim().min(1)).optional(),
  timeframe: z.enum(Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]),
  from: z.number().finite().optional(),
  to: z.number().finite().optional(),
  chunkRows: z.number().int().min(1).max(16_777_216).optional(),
  windowRows: z.number().int().min(1).optional(),
})

const MAX_SYMBOLS = 65_536

let stagingCounter = 0

export class MarketDataStore {
  private tables: Set<string> | undefined

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /**
   * Opens the database file at `path`: read-only for readers — any number of processes may read one file at once —
   * or writable (created if needed) for imports, which need the file to themselves. `waitMs`: how long to wait for
   * another process holding a conflicting lock (default: a reader waits out a writer for a minute, a writer does not
   * wait).
   */
  static async open(path: string, opts: {readOnly?: boolean; waitMs?: number} = {}): Promise<MarketDataStore> {
    const file = resolve(path)
    const readOnly = opts.readOnly ?? false
    if (isDirectory(file)) {
      throw new StoreOpenError(`The market-data database ${file} is a directory; give the database file itself, e.g. --db ${join(path, 'trader.duckdb')}`)
    }
    if (readOnly && !existsSync(file)) {
      throw new StoreOpenError(`No market-data database at ${file}. Run \`trader data import <files> --db ${path}\` first.`)
    }
    if (!readOnly) await mkdir(dirname(file), {recursive: true, mode: 0o700})
    let instance: DuckDBInstance
    try {
      instance = await createInstance(file, readOnly ? {access_mode: 'READ_ONLY'} : {}, opts.waitMs ?? (readOnly ? READER_WAIT_MS : 0))
    } catch (cause) {
      throw openFailure(file, readOnly, cause)
    }
    const conn = await connectUtc(instance)
    if (!readOnly) await conn.run(SCHEMA_SQL)
    return new MarketDataStore(file, readOnly, instance, conn)
  }

  close(): void {
    this.conn.closeSync()
    this.instance.closeSync()
  }

  /** The store's own connection, for importers in src/data that stage rows with DuckDB's readers. */
  get connection(): DuckDBConnection {
    return this.conn
  }

  /** One row per (symbol, timeframe) held. */
  async list(): Promise<SeriesInfo[]> {
    if (!(await this.hasTables())) return []
    const rows = await queryRows(
      this.conn,
      `SELECT b.symbol, b.timeframe, i.venue, i.asset_class,
              epoch_ms(min(b.ts)) AS first, epoch_ms(max(b.ts)) AS last, count(*) AS rows
       FROM bars b LEFT JOIN instruments i USING (symbol)
       GROUP BY b.symbol, b.timeframe, i.venue, i.asset_class
       ORDER BY b.symbol, b.timeframe`,
    )
    return rows.map((r) => ({
      symbol: String(r.symbol),
      timeframe: r.timeframe as Timeframe,
      venue: VenueSchema.parse(r.venue),
      assetClass: AssetClassSchema.parse(r.asset_class),
      first: Number(r.first),
      last: Number(r.last),
      rows: Number(r.rows),
    }))
  }

  /** Venue and asset class of each symbol, in the order asked. Unknown symbols raise NoDataError. */
  async instrumentsFor(symbols: readonly string[]): Promise<InstrumentInfo[]> {
    const wanted = symbols.map((s) => s.trim().toUpperCase())
    if (wanted.length === 0) return []
    const rows = (await this.hasTables())
      ? await queryRows(
          this.conn,
          `SELECT symbol, venue, asset_class FROM instruments WHERE symbol IN (${wanted.map(sqlString).join(', ')})`,
        )
      : []
    const bySymbol = new Map(rows.map((r) => [String(r.symbol), r]))
    const missing = wanted.filter((s) => !bySymbol.has(s))
    if (missing.length > 0) throw new NoDataError([...new Set(missing)].sort())
    return wanted.map((symbol) => {
      const r = bySymbol.get(symbol)!
      return {symbol, venue: VenueSchema.parse(r.venue), assetClass: AssetClassSchema.parse(r.asset_class)}
    })
  }

  /**
   * Bars of `symbols` in `timeframe`, merged in (ts, symbol index) order, in columnar chunks. The stream's symbol
   * list is sorted and de-duplicated, so the request's order never changes the output.
   */
  async streamBars(query: StreamBarsQuery): Promise<BarStream> {
    const instance = this.instance
    return createBarStream(() => connectUtc(instance), await this.planStream(query))
  }

  /**
   * The plan of a bar stream (sorted symbols, time windows, row count): what `streamBars` reads, and what a
   * reader on another thread needs to read the same rows (see threaded-stream.ts).
   */
  async planStream(query: StreamBarsQuery): Promise<StreamPlan> {
    const q = QuerySchema.parse(query)
    const range = [
      `b.timeframe = ${sqlString(q.timeframe)}`,
      q.from === undefined ? '' : `AND b.ts >= epoch_ms(${Math.ceil(q.from)}::BIGINT)`,
      q.to === undefined ? '' : `AND b.ts < epoch_ms(${Math.ceil(q.to)}::BIGINT)`,
    ].join(' ')
    const requested = q.symbols && [...new Set(q.symbols.map((s) => s.toUpperCase()))].sort()
    const symbolFilter = requested ? `AND b.symbol IN (${requested.map(sqlString).join(', ')})` : ''
    const stats = (await this.hasTables())
      ? await queryRows(
          this.conn,
          `SELECT b.symbol, count(*) AS rows, epoch_ms(min(b.ts)) AS first, epoch_ms(max(b.ts)) AS last
           FROM bars b WHERE ${range} ${symbolFilter} GROUP BY b.symbol ORDER BY b.symbol`,
        )
      : []
    const present = new Set(stats.map((r) => String(r.symbol)))
    const symbols = requested ?? [...present]
    const missing = requested ? requested.filter((s) => !present.has(s)) : []
    if (missing.length > 0 || symbols.length === 0) {
      throw new NoDataError(missing.length > 0 ? missing : ['any symbol'], q.timeframe, {from: q.from, to: q.to})
    }
    if (symbols.length > MAX_SYMBOLS) throw new RangeError(`A bar stream holds at most ${MAX_SYMBOLS} symbols, not ${symbols.length}.`)
    const firstTs = stats.reduce((m, r) => Math.min(m, Number(r.first)), Infinity)
    const lastTs = stats.reduce((m, r) => Math.max(m, Number(r.last)), -Infinity)
    const rows = stats.reduce((n, r) => n + Number(r.rows), 0)
    const windowRows = q.windowRows ?? DEFAULT_WINDOW_ROWS
    let windows: Array<[number, number]> = [[firstTs, lastTs + 1]]
    if (rows > windowRows) {
      // About 4096 buckets over the span: a cheap GROUP BY that lets the windows follow where the rows really are.
      const bucketMs = Math.max(1, Math.ceil((lastTs - firstTs + 1) / 4096))
      const histogram = await queryRows(
        this.conn,
        `SELECT (epoch_ms(b.ts) - ${firstTs}) // ${bucketMs} AS bucket, count(*) AS n
         FROM bars b WHERE ${range} AND b.symbol IN (${symbols.map(sqlString).join(', ')}) GROUP BY 1`,
      )
      windows = planWindows(firstTs, bucketMs, new Map(histogram.map((r) => [Number(r.bucket), Number(r.n)])), windowRows)
    }
    return {symbols, timeframe: q.timeframe, windows, rows, chunkRows: q.chunkRows ?? DEFAULT_CHUNK_ROWS}
  }

  /** A fresh, empty temp staging table on the store's connection; the caller fills it and commits it. */
  async createStaging(): Promise<string> {
    this.assertWritable()
    const table = `staging_${process.pid}_${++stagingCounter}`
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${table} ${STAGING_COLUMNS_SQL}`)
    return table
  }

  async dropStaging(table: string): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS ${table}`)
  }

  /**
   * Validates staged rows, then in one transaction replaces each staged symbol's bars over the staged time range
   * (so importing the same file again changes nothing) and records the instruments.
   */
  async commitStaged(staged: StagedBars): Promise<CommittedSeries[]> {
    this.assertWritable()
    const {table, timeframe} = staged
    if (!staged.validated) await validateStaged(this.conn, table, staged.locate)
    const series = await queryRows(
      this.conn,
      `SELECT symbol, count(*) AS rows, min(ts_ms) AS first, max(ts_ms) AS last FROM ${table} GROUP BY 1 ORDER BY 1`,
    )
    if (series.length === 0) return []
    const known = new Map(
      (
        await queryRows(
          this.conn,
          `SELECT symbol, asset_class, source FROM instruments WHERE symbol IN (${series.map((r) => sqlString(String(r.symbol))).join(', ')})`,
        )
      ).map((r) => [String(r.symbol), {assetClass: AssetClassSchema.parse(r.asset_class), source: String(r.source)}]),
    )
    const ranges = series
      .map((r) => `(${sqlString(String(r.symbol))}, epoch_ms(${Math.round(Number(r.first))}::BIGINT), epoch_ms(${Math.round(Number(r.last))}::BIGINT))`)
      .join(', ')
    const instruments = series
      .map((r) => {
        const symbol = String(r.symbol)
        const assetClass = resolveAssetClass(symbol, staged, known.get(symbol))
        return `(${sqlString(symbol)}, ${sqlString(venueFor(assetClass))}, ${sqlString(assetClass)}, ${sqlString(staged.source)})`
      })
      .join(', ')
    const tf = sqlString(timeframe)
    await this.conn.run('BEGIN TRANSACTION')
    try {
      await this.conn.run(
        `DELETE FROM bars USING (VALUES ${ranges}) r(symbol, lo, hi)
         WHERE bars.symbol = r.symbol AND bars.timeframe = ${tf} AND bars.ts BETWEEN r.lo AND r.hi`,
      )
      // Time order on insert keeps row groups narrow in ts, which the windowed reads rely on.
      await this.conn.run(
        `INSERT INTO bars SELECT symbol, ${tf}, epoch_ms(ts_ms::BIGINT), open, high, low, close, volume
         FROM ${table} ORDER BY ts_ms, symbol`,
      )
      await this.conn.run(`INSERT OR REPLACE INTO instruments VALUES ${instruments}`)
      await this.conn.run('COMMIT')
    } catch (error) {
      await this.conn.run('ROLLBACK')
      throw error
    }
    return series.map((s) => ({
      symbol: String(s.symbol),
      timeframe,
      rows: Number(s.rows),
      first: Number(s.first),
      last: Number(s.last),
    }))
  }

  /**
   * Stores funding rates (already checked by the importer) in one transaction, replacing each symbol's rates over
   * the imported time range, so importing a file again changes nothing. A symbol the store holds as something other
   * than a perpetual is refused: funding only exists for perpetuals.
   */
  async commitFunding(rows: readonly FundingRateRow[], source: string): Promise<FundingSeriesInfo[]> {
    this.assertWritable()
    if (rows.length === 0) return []
    const bySymbol = new Map<string, {first: number; last: number; rows: number}>()
    for (const r of rows) {
      const s = bySymbol.get(r.symbol)
      if (!s) bySymbol.set(r.symbol, {first: r.ts, last: r.ts, rows: 1})
      else {
        s.first = Math.min(s.first, r.ts)
        s.last = Math.max(s.last, r.ts)
        s.rows++
      }
    }
    const symbols = [...bySymbol.keys()].sort()
    const known = await queryRows(
      this.conn,
      `SELECT symbol, asset_class, source FROM instruments WHERE symbol IN (${symbols.map(sqlString).join(', ')}) AND asset_class <> 'crypto_perp' ORDER BY symbol`,
    )
    if (known.length > 0) {
      const k = known[0]
      throw new DataImportError(
        `${source}: ${String(k.symbol)} is stored as ${String(k.asset_class)} (from ${String(k.source)}); funding rates apply to perpetuals only. ` +
          'Check --symbol, or import into another database with --db.',
      )
    }
    const table = `funding_staging_${process.pid}_${++stagingCounter}`
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${table} (symbol VARCHAR, ts_ms DOUBLE, rate DOUBLE)`)
    try {
      await appendColumns(
        this.conn,
        table,
        [rows.map((r) => r.symbol), Float64Array.from(rows, (r) => r.ts), Float64Array.from(rows, (r) => r.rate)],
        rows.length,
      )
      const ranges = symbols
        .map((s) => `(${sqlString(s)}, epoch_ms(${bySymbol.get(s)!.first}::BIGINT), epoch_ms(${bySymbol.get(s)!.last}::BIGINT))`)
        .join(', ')
      await this.conn.run('BEGIN TRANSACTION')
      try {
        await this.conn.run(
          `DELETE FROM funding USING (VALUES ${ranges}) r(symbol, lo, hi)
           WHERE funding.symbol = r.symbol AND funding.ts BETWEEN r.lo AND r.hi`,
        )
        await this.conn.run(`INSERT INTO funding SELECT symbol, epoch_ms(ts_ms::BIGINT), rate FROM ${table} ORDER BY ts_ms, symbol`)
        await this.conn.run('COMMIT')
      } catch (error) {
        await this.conn.run('ROLLBACK')
        throw error
      }
    } finally {
      await this.conn.run(`DROP TABLE IF EXISTS ${table}`)
    }
    return symbols.map((symbol) => ({symbol, ...bySymbol.get(symbol)!}))
  }

  /** Funding rates of `symbols` with `from` ≤ ts ≤ `to` (UTC epoch ms; either bound optional), in (ts, symbol) order. */
  async fundingRates(symbols: readonly string[], range: {from?: number; to?: number} = {}): Promise<FundingRateRow[]> {
    const wanted = [...new Set(symbols.map((s) => s.trim().toUpperCase()))].filter((s) => s !== '')
    if (wanted.length === 0 || !(await this.hasTables('funding'))) return []
    const rows = await queryRows(
      this.conn,
      `SELECT symbol, epoch_ms(ts) AS ts, rate FROM funding WHERE symbol IN (${wanted.map(sqlString).join(', ')})
       ${range.from === undefined ? '' : `AND ts >= epoch_ms(${Math.ceil(range.from)}::BIGINT)`}
       ${range.to === undefined ? '' : `AND ts <= epoch_ms(${Math.floor(range.to)}::BIGINT)`}
       ORDER BY ts, symbol`,
    )
    return rows.map((r) => ({symbol: String(r.symbol), ts: Number(r.ts), rate: Number(r.rate)}))
  }

  /** One row per symbol with funding rates. */
  async fundingSeries(): Promise<FundingSeriesInfo[]> {
    if (!(await this.hasTables('funding'))) return []
    const rows = await queryRows(
      this.conn,
      `SELECT symbol, epoch_ms(min(ts)) AS first, epoch_ms(max(ts)) AS last, count(*) AS rows FROM funding GROUP BY symbol ORDER BY symbol`,
    )
    return rows.map((r) => ({symbol: String(r.symbol), first: Number(r.first), last: Number(r.last), rows: Number(r.rows)}))
  }

  async getMeta(key: string): Promise<string | undefined> {
    if (!(await this.hasTables('meta'))) return undefined
    const rows = await queryRows(this.conn, `SELECT value FROM meta WHERE key = ${sqlString(key)}`)
    return rows.length > 0 ? String(rows[0].value) : undefined
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.assertWritable()
    await this.conn.run(`INSERT OR REPLACE INTO meta VALUES (${sqlString(key)}, ${sqlString(value)})`)
  }

  private assertWritable(): void {
    if (this.readOnly) throw new StoreOpenError(`The market-data database ${this.path} is open read-only; open it writable to import.`)
  }

  /** A read-only open of a database no import ever wrote may lack tables; treat missing ones as empty. */
  private async hasTables(...names: string[]): Promise<boolean> {
    if (!this.readOnly) return true
    this.tables ??= new Set(
      (await queryRows(this.conn, `SELECT table_name FROM duckdb_tables() WHERE NOT temporary`)).map((r) => String(r.table_name)),
    )
    const present = this.tables
    return (names.length > 0 ? names : ['bars', 'instruments']).every((n) => present.has(n))
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

/** One symbol is one instrument: a file may not turn a stored perpetual into a spot pair or an equity. */
function resolveAssetClass(
  symbol: string,
  staged: StagedBars,
  existing: {assetClass: AssetClass; source: string} | undefined,
): AssetClass {
  const {assetClass, certain} = staged.assetClassOf(symbol)
  if (!existing || existing.assetClass === assetClass) return AssetClassSchema.parse(assetClass)
  if (!certain) return existing.assetClass
  throw new DataImportError(
    `${staged.source}: ${symbol} is already stored as ${existing.assetClass} (from ${existing.source}), this file holds ${assetClass}. ` +
      'One symbol is one instrument in a store: import this file into another database with --db.',
  )
}
