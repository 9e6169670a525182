/**
 * Funding-rate files: Lean's `cryptofuture/<market>/margin_interest/<ticker>.csv` (`YYYYMMDD HH:MM:SS,rate`, UTC, no
 * header; Bybit's 8-hourly rates) and any CSV of `ts,rate` (ts as epoch ms, epoch s or ISO 8601; naive times are UTC),
 * with or without a header row. A header may name the columns ts / timestamp / time / fundingRateTimestamp …,
 * rate / fundingRate …, and symbol; without a symbol column the symbol comes from --symbol or the Lean path.
 * Every row goes through a zod schema; the first bad row fails the whole file with its line.
 */

import {readFile} from 'node:fs/promises'
import {z} from 'zod'
import {DataImportError, InvalidFundingRowError} from '../errors.js'
import type {FundingRateRow, MarketDataStore} from '../store.js'
import type {ImportOptions} from './options.js'
import type {ImportedFunding} from './types.js'

const LEAN_FUNDING = /(?:^|\/)cryptofuture\/([a-z0-9_-]+)\/margin_interest\/([a-z0-9._-]+)\.csv$/i

/** A Lean margin-interest (funding) file: its symbol, upper-case; undefined for any other path. */
export function parseLeanFundingPath(path: string): {symbol: string; market: string} | undefined {
  const m = LEAN_FUNDING.exec(path.replaceAll('\\', '/'))
  return m ? {market: m[1].toLowerCase(), symbol: m[2].toUpperCase()} : undefined
}

const ALIASES = {
  ts: ['ts', 'timestamp', 'time', 'datetime', 'date', 'fundingratetimestamp', 'fundingtime', 'fundingts'],
  rate: ['rate', 'fundingrate', 'funding', 'margininterest'],
  symbol: ['symbol', 'ticker', 'instrument'],
} as const

const LEAN_TIME = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i

/** UTC epoch ms of a funding time as written in a file, or undefined when it is not a time. */
export function parseFundingTime(text: string): number | undefined {
  const lean = LEAN_TIME.exec(text)
  if (lean) {
    const [y, mo, d, h, mi, s] = lean.slice(1).map((v) => (v === undefined ? 0 : Number(v)))
    const ms = Date.UTC(y, mo - 1, d, h, mi, s)
    // Date.UTC rolls 20221332 over into January: only a date that reads back the same is one.
    const back = new Date(ms)
    const same = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60
    return same ? ms : undefined
  }
  if (NUMBER.test(text)) {
    const n = Number(text)
    if (!Number.isFinite(n) || n < 0) return undefined
    // Epoch seconds and milliseconds differ by three orders of magnitude: below 1e11 it is seconds (before 1973 in ms).
    return Math.round(n < 1e11 ? n * 1000 : n)
  }
  if (ISO_TIME.test(text)) {
    let iso = text.replace(' ', 'T')
    // Date.parse reads a zone-less date-time as local time; the files' naive times are UTC.
    if (iso.includes('T') && !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(iso)) iso += 'Z'
    const ms = Date.parse(iso)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

const timeField = z.string().transform((raw, ctx) => {
  const text = raw.trim()
  const ms = text === '' ? undefined : parseFundingTime(text)
  if (ms === undefined) {
    ctx.addIssue({code: 'custom', message: `time ${text === '' ? '(empty)' : `"${text}"`} is not epoch ms, epoch s, an ISO-8601 time or "YYYYMMDD HH:MM:SS"`})
    return z.NEVER
  }
  return ms
})

const rateField = z.string().transform((raw, ctx) => {
  const text = raw.trim()
  if (!NUMBER.test(text)) {
    ctx.addIssue({code: 'custom', message: `rate ${text === '' ? '(empty)' : `"${text}"`} is not a number`})
    return z.NEVER
  }
  const rate = Number(text)
  if (!(Math.abs(rate) <= 0.1)) {
    ctx.addIssue({code: 'custom', message: `rate ${text} is beyond ±0.1: a funding rate is a fraction per interval (0.0001 = 0.01 %), not a percentage`})
    return z.NEVER
  }
  // −0 would print as "-0": a zero rate is 0.
  return rate === 0 ? 0 : rate
})

const symbolField = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$/, 'symbol must be a ticker such as BTCUSDT')
  .transform((s) => s.toUpperCase())

const FundingRowSchema = z.object({ts: timeField, rate: rateField, symbol: symbolField})

interface Layout {
  readonly ts: number
  readonly rate: number
  readonly symbol: number | undefined
  readonly fields: number
}

const key = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '')

/** Which field holds what: from the header row, the --columns names, or the plain `ts,rate` order. */
function layoutOf(header: readonly string[] | undefined, opts: FundingParseOptions, where: string): Layout {
  const names = header ?? opts.columns
  if (!names) return {ts: 0, rate: 1, symbol: undefined, fields: 2}
  const find = (role: keyof typeof ALIASES, explicit: string | undefined): number => {
    if (explicit) return names.findIndex((n) => key(n) === key(explicit))
    for (const alias of ALIASES[role]) {
      const i = names.findIndex((n) => key(n) === alias)
      if (i >= 0) return i
    }
    return -1
  }
  const ts = find('ts', opts.tsColumn)
  const rate = find('rate', undefined)
  const symbol = find('symbol', opts.symbolColumn)
  const available = names.join(', ')
  if (ts < 0) throw new DataImportError(`${where}: no time column among: ${available}; name it ts (or pass --ts-column <name>).`)
  if (rate < 0) throw new DataImportError(`${where}: no rate column among: ${available}; name it rate or fundingRate.`)
  if (opts.symbolColumn && symbol < 0) throw new DataImportError(`${where}: no column "${opts.symbolColumn}" (from --symbol-column); its columns are: ${available}.`)
  return {ts, rate, symbol: symbol >= 0 && !opts.symbol ? symbol : undefined, fields: names.length}
}

export interface FundingParseOptions {
  /** The symbol of every row (else a symbol column, else an error). */
  readonly symbol?: string
  readonly symbolColumn?: string
  readonly tsColumn?: string
  /** Names of a header-less file's columns, in order. */
  readonly columns?: readonly string[]
  /** A Lean file: no header, `YYYYMMDD HH:MM:SS,rate`. */
  readonly lean?: boolean
}

/**
 * Parses a funding-rate CSV into rows sorted by (symbol, ts). `file` names it in errors ("btcusdt.csv line 3: …").
 * Refused: a row that is not a time and a rate, a rate beyond ±0.1, a symbol given twice for one time, no rows.
 */
export function parseFundingCsv(text: string, file: string, opts: FundingParseOptions = {}): FundingRateRow[] {
  const lines = text.split(/\r?\n/)
  let first = lines.findIndex((l) => l.trim() !== '')
  if (first < 0) throw new DataImportError(`${file}: no funding rates in the file; expected lines of "ts,rate".`)
  let header: string[] | undefined
  // A header row starts with a name, a data row with a digit (a time).
  if (!opts.lean && opts.columns === undefined && !/^\s*"?[0-9]/.test(lines[first])) {
    header = lines[first].split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
    first++
  }
  const layout = layoutOf(header, opts, file)
  if (layout.symbol === undefined && !opts.symbol) {
    throw new DataImportError(`${file}: the file has no symbol column; pass --symbol <TICKER> (e.g. --symbol BTCUSDT).`)
  }
  const rows: FundingRateRow[] = []
  const seen = new Map<string, number>()
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]
    if (line.trim() === '') continue
    const where = `${file} line ${i + 1}`
    const f = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
    if (f.length !== layout.fields) {
      throw new InvalidFundingRowError(where, `expected ${layout.fields} comma-separated fields (${header ? header.join(',') : 'ts,rate'}), found ${f.length}`)
    }
    const parsed = FundingRowSchema.safeParse({ts: f[layout.ts], rate: f[layout.rate], symbol: layout.symbol === undefined ? opts.symbol : f[layout.symbol]})
    if (!parsed.success) throw new InvalidFundingRowError(where, parsed.error.issues[0].message)
    const row = parsed.data
    const id = `${row.symbol}\u0000${row.ts}`
    const before = seen.get(id)
    if (before !== undefined) {
      throw new InvalidFundingRowError(where, `a second rate for ${row.symbol} at ${new Date(row.ts).toISOString()} (the first is on line ${before})`)
    }
    seen.set(id, i + 1)
    rows.push(row)
  }
  if (rows.length === 0) throw new DataImportError(`${file}: no funding rates in the file; expected lines of "ts,rate".`)
  return rows.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.ts - b.ts))
}

/** Imports one funding-rate file into the store (re-importing replaces the same rates). */
export async function importFundingFile(store: MarketDataStore, path: string, opts: ImportOptions): Promise<ImportedFunding[]> {
  const lean = parseLeanFundingPath(path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new DataImportError(`${path}: cannot be read (${cause instanceof Error ? cause.message : String(cause)}).`, {cause})
  }
  const rows = parseFundingCsv(text, path, {
    symbol: opts.symbol ?? (opts.symbolColumn ? undefined : lean?.symbol),
    symbolColumn: opts.symbolColumn,
    tsColumn: opts.tsColumn,
    columns: opts.columns,
    lean: lean !== undefined && opts.columns === undefined,
  })
  const committed = await store.commitFunding(rows, `${lean ? 'lean' : 'csv'}:${path}`)
  return committed.map((c) => ({path, format: lean ? 'lean' : 'csv', ...c}))
}
