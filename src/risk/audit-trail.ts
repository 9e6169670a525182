/**
 * The audit trail (RISK-04): every order (as it leaves, and each status the venue reports) and every fill of a
 * session, appended to CSV files as it happens, with Parquet copies written when the session closes. When a line
 * cannot be written (permissions, a full disk) the trail is UNAVAILABLE: the session pauses new entries (the
 * gateway's pre-trade check refuses them with `audit_unavailable`), exits still go out, one clear alert is logged,
 * lines waiting to be written are kept in order, and the write is retried on the session's clock; trading resumes
 * once everything waiting has been written.
 */
import {appendFileSync, chmodSync, existsSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import type {Fill} from '../core/fill.js'
import type {OrderRequest, OrderSnapshot} from '../core/order.js'
import {type EngineLog, silentLog} from '../engine/engine-log.js'
import {csvNumber, csvString} from '../report/csv.js'

export type AuditFile = 'orders.csv' | 'fills.csv'

/** Where audit lines go; throws when a line cannot be written. */
export interface AuditWriter {
  append(file: AuditFile, text: string): void
}

type SqlType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'TIMESTAMPTZ'

export const AUDIT_COLUMNS: Record<AuditFile, readonly (readonly [string, SqlType])[]> = {
  'orders.csv': [
    ['time', 'TIMESTAMPTZ'], ['ts', 'BIGINT'], ['event', 'VARCHAR'], ['client_order_id', 'VARCHAR'], ['venue_order_id', 'VARCHAR'],
    ['symbol', 'VARCHAR'], ['side', 'VARCHAR'], ['type', 'VARCHAR'], ['tif', 'VARCHAR'], ['qty', 'DOUBLE'],
    ['limit_price', 'DOUBLE'], ['stop_price', 'DOUBLE'], ['reduce_only', 'VARCHAR'], ['status', 'VARCHAR'],
    ['filled_qty', 'DOUBLE'], ['avg_fill_price', 'DOUBLE'], ['reason', 'VARCHAR'],
  ],
  'fills.csv': [
    ['time', 'TIMESTAMPTZ'], ['ts', 'BIGINT'], ['exec_id', 'VARCHAR'], ['client_order_id', 'VARCHAR'], ['venue_order_id', 'VARCHAR'],
    ['symbol', 'VARCHAR'], ['side', 'VARCHAR'], ['position_side', 'VARCHAR'], ['qty', 'DOUBLE'], ['price', 'DOUBLE'],
    ['fee', 'DOUBLE'], ['liquidity', 'VARCHAR'],
  ],
}

/** Appends to `<dir>/orders.csv` and `<dir>/fills.csv` (0600 files in a 0700 directory), a header on a new file. */
export function fileAuditWriter(dir: string): AuditWriter {
  const ready = new Set<AuditFile>()
  return {
    append(file, text) {
      const path = join(dir, file)
      if (!ready.has(file)) {
        mkdirSync(dir, {recursive: true, mode: 0o700})
        if (!existsSync(path)) {
          appendFileSync(path, `${AUDIT_COLUMNS[file].map(([c]) => c).join(',')}\n`, {mode: 0o600})
          chmodSync(path, 0o600)
        }
        ready.add(file)
      }
      appendFileSync(path, text)
    },
  }
}

export interface AuditOptions {
  /** Directory of the trail (orders.csv, fills.csv, and their .parquet copies at close). */
  readonly dir: string
  /** The writer (default: appends to files in `dir`); tests inject failures here. */
  readonly writer?: AuditWriter
  /** Least session time between two retries while unavailable (default 5 s). */
  readonly retryMs?: number
  /** Write Parquet copies when the session closes (default true). */
  readonly parquet?: boolean
}

/** One stretch of session time during which the trail could not be written. */
export interface AuditOutage {
  readonly from: number
  to?: number
  readonly error: string
}

interface Line {
  readonly file: AuditFile
  readonly text: string
}

export class AuditTrail {
  readonly dir: string
  /** Lines waiting to be written while unavailable, in order (none are dropped). */
  private readonly waiting: Line[] = []
  private readonly writer: AuditWriter
  private readonly retryMs: number
  private lastAttempt = -Infinity
  readonly outages: AuditOutage[] = []
  linesWritten = 0
  retries = 0

  constructor(private readonly opts: AuditOptions, private readonly log: EngineLog = silentLog) {
    this.dir = opts.dir
    this.writer = opts.writer ?? fileAuditWriter(opts.dir)
    this.retryMs = opts.retryMs ?? 5_000
  }

  /** False while lines wait to be written: no new entries then. */
  get available(): boolean {
    return this.waiting.length === 0
  }

  get pending(): number {
    return this.waiting.length
  }

  /** An order leaving the engine. Returns false (and writes nothing) when it cannot be written now. */
  tryIntent(t: number, req: OrderRequest, reason: string | undefined): boolean {
    if (!this.available) return false
    const line: Line = {file: 'orders.csv', text: orderLine(t, 'intent', req, null, reason)}
    return this.write(t, [line])
  }

  /** An amend that enlarges an order (`req`: the order as amended). Returns false (and writes nothing) when it cannot be written now. */
  tryAmend(t: number, req: OrderRequest): boolean {
    if (!this.available) return false
    return this.write(t, [{file: 'orders.csv', text: orderLine(t, 'amend', req, null, undefined)}])
  }

  /** An order that must go out even when the trail is down (an exit): its line waits if it cannot be written. */
  intent(t: number, req: OrderRequest, reason: string | undefined): void {
    this.push(t, {file: 'orders.csv', text: orderLine(t, 'intent', req, null, reason)})
  }

  /** An order refused before the venue (risk, audit), for the record. */
  refused(t: number, req: OrderRequest, code: string): void {
    this.push(t, {file: 'orders.csv', text: orderLine(t, 'refused', req, null, code)})
  }

  /** An order status the venue reported. */
  order(t: number, o: OrderSnapshot): void {
    this.push(t, {file: 'orders.csv', text: orderLine(t, o.status, o, o, o.reason)})
  }

  fill(t: number, f: Fill): void {
    this.push(t, {
      file: 'fills.csv',
      text: `${stamp(f.ts)},${csvString(f.execId)},${csvString(f.clientOrderId)},${csvString(f.venueOrderId)},${csvString(f.symbol)},` +
        `${f.side},${f.positionSide},${csvNumber(f.qty)},${csvNumber(f.price)},${csvNumber(f.fee)},${f.liquidity}\n`,
    })
  }

  /** Called as session time passes: retries the waiting lines once `retryMs` has gone by since the last attempt. */
  tick(t: number): void {
    if (this.available || t - this.lastAttempt < this.retryMs) return
    this.retries++
    this.write(t, [])
  }

  /**
   * End of the session: one last attempt for the waiting lines, then Parquet copies of the CSV files. Returns the
   * lines still unwritten (0 when the trail is complete).
   */
  async close(t: number): Promise<number> {
    if (!this.available) {
      this.retries++
      this.write(t, [])
    }
    if (this.available && (this.opts.parquet ?? true) && !this.opts.writer) await writeAuditParquet(this.dir)
    if (!this.available) this.log.error('audit trail incomplete at the end of the session', {dir: this.dir, unwritten: this.waiting.length})
    return this.waiting.length
  }

  private push(t: number, line: Line): void {
    if (!this.available) {
      this.waiting.push(line)
      return
    }
    this.write(t, [line])
  }

  /** Writes what waits, then `lines`; on the first failure everything from there on waits. */
  private write(t: number, lines: Line[]): boolean {
    this.lastAttempt = t
    const wasDown = !this.available
    const queue = wasDown ? [...this.waiting, ...lines] : lines
    let i = 0
    try {
      for (; i < queue.length; i++) {
        this.writer.append(queue[i].file, queue[i].text)
        this.linesWritten++
      }
    } catch (err) {
      const rest = queue.slice(i)
      this.waiting.length = 0
      if (!wasDown) {
        this.waiting.push(...rest)
        const error = (err as Error).message
        this.outages.push({from: t, error})
        this.log.error('AUDIT TRAIL UNAVAILABLE: new entries are paused until it can be written again (exits continue)', {
          dir: this.dir, error, retryMs: this.retryMs,
        })
        return false
      }
      // The caller's new lines fail with the old ones: keep them all, in order, minus what did get written.
      this.waiting.push(...rest)
      this.log.warn('audit trail still unavailable; retrying', {dir: this.dir, error: (err as Error).message, waiting: this.waiting.length})
      return false
    }
    if (wasDown) {
      this.waiting.length = 0
      const outage = this.outages[this.outages.length - 1]
      if (outage) outage.to = t
      this.log.info('audit trail writable again: trading resumes', {dir: this.dir, written: queue.length})
    }
    return true
  }
}

function orderLine(t: number, event: string, req: OrderRequest, o: OrderSnapshot | null, reason: string | undefined): string {
  return `${stamp(t)},${csvString(event)},${csvString(req.clientOrderId)},${csvString(o?.venueOrderId ?? null)},${csvString(req.symbol)},` +
    `${req.side},${req.type},${req.tif},${csvNumber(req.qty)},${csvNumber(req.limitPrice ?? null)},${csvNumber(req.stopPrice ?? null)},` +
    `${req.reduceOnly ? 'true' : 'false'},${csvString(o?.status ?? 'new')},${csvNumber(o?.filledQty ?? 0)},` +
    `${csvNumber(o && o.filledQty > 0 ? o.avgFillPrice : null)},${csvString(reason ?? null)}\n`
}

function stamp(ms: number): string {
  return `${new Date(ms).toISOString()},${ms}`
}

/** Parquet copies of the trail's CSV files (DuckDB, loaded only here), typed by AUDIT_COLUMNS. */
export async function writeAuditParquet(dir: string): Promise<string[]> {
  const files = (Object.keys(AUDIT_COLUMNS) as AuditFile[]).filter((f) => existsSync(join(dir, f)))
  if (files.length === 0) return []
  const {DuckDBInstance} = await import('@duckdb/node-api')
  const {rename, chmod, rm} = await import('node:fs/promises')
  const db = await DuckDBInstance.create(':memory:')
  const conn = await db.connect()
  const out: string[] = []
  const q = (s: string): string => `'${s.replace(/'/g, "''")}'`
  try {
    for (const f of files) {
      const target = join(dir, f.replace(/\.csv$/, '.parquet'))
      const tmp = `${target}.${process.pid}.tmp`
      const columns = AUDIT_COLUMNS[f].map(([c, type]) => `${q(c)}: ${q(type)}`).join(', ')
      const source = `read_csv(${q(join(dir, f))}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
        `new_line = '\\n', allow_quoted_nulls = false, columns = {${columns}})`
      try {
        await conn.run(`COPY (SELECT * FROM ${source}) TO ${q(tmp)} (FORMAT parquet)`)
        await chmod(tmp, 0o600)
        await rename(tmp, target)
      } catch (err) {
        await rm(tmp, {force: true})
        throw err
      }
      out.push(target)
    }
  } finally {
    conn.closeSync()
    db.closeSync()
  }
  return out
}
