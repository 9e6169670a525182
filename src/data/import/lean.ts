/**
 * QuantConnect Lean trade-bar zips (formats: ../shared/data/lean/{equity,crypto}/readme.md).
 *
 *   <type>/<market>/minute/<ticker>/<YYYYMMDD>_trade.zip   ms since midnight, o, h, l, c, v
 *   <type>/<market>/{hour,daily}/<ticker>[_trade].zip     "YYYYMMDD HH:mm", o, h, l, c, v
 *
 * US equity times are New York wall-clock time and prices are in 1/10000 dollar; crypto (spot and futures) times
 * are UTC and prices unscaled.
 */

import {readFile} from 'node:fs/promises'
import {basename} from 'node:path'
import {unzipSync} from 'fflate'
import type {Timeframe} from '../../core/market-data.js'
import {DataImportError, InvalidBarError} from '../errors.js'
import type {AssetClass} from '../instruments.js'
import {NewYorkDay} from '../../core/new-york-time.js'
import type {MarketDataStore} from '../store.js'
import type {BarColumns} from './stage-columns.js'
import {allocateBarColumns, stageBarColumns} from './stage-columns.js'
import type {ImportedSeries} from './types.js'

export type LeanSecurityType = 'equity' | 'crypto' | 'cryptofuture'
export type LeanResolution = 'tick' | 'second' | 'minute' | 'hour' | 'daily'

export interface LeanFile {
  readonly path: string
  readonly securityType: LeanSecurityType
  readonly market: string
  readonly resolution: LeanResolution
  /** Upper-case, as stored: SPY, BTCUSDT. */
  readonly symbol: string
  /** The session date of an intraday file. */
  readonly date?: {year: number; month: number; day: number}
  readonly tickType: string
}

const INTRADAY = /(?:^|\/)(equity|crypto|cryptofuture)\/([a-z0-9_-]+)\/(tick|second|minute)\/([a-z0-9._-]+)\/(\d{4})(\d{2})(\d{2})_([a-z]+)\.zip$/i
const WHOLE = /(?:^|\/)(equity|crypto|cryptofuture)\/([a-z0-9_-]+)\/(hour|daily)\/([a-z0-9.-]+?)(?:_([a-z]+))?\.zip$/i
/** Any file inside a Lean tree (factor files, map files, margin interest, ...), bar data or not. */
const LEAN_TREE = /(?:^|\/)(equity\/usa|crypto\/[a-z0-9_-]+|cryptofuture\/[a-z0-9_-]+)\//i

const TIMEFRAMES: Partial<Record<LeanResolution, Timeframe>> = {minute: '1m', hour: '1h', daily: '1d'}

/** Recognises a Lean data zip by its path; undefined for anything else. */
export function parseLeanPath(path: string): LeanFile | undefined {
  const p = path.replaceAll('\\', '/')
  const intraday = INTRADAY.exec(p)
  if (intraday) {
    const [, type, market, resolution, ticker, y, m, d, tickType] = intraday
    return {
      path,
      securityType: type.toLowerCase() as LeanSecurityType,
      market: market.toLowerCase(),
      resolution: resolution.toLowerCase() as LeanResolution,
      symbol: ticker.toUpperCase(),
      date: {year: Number(y), month: Number(m), day: Number(d)},
      tickType: tickType.toLowerCase(),
    }
  }
  const whole = WHOLE.exec(p)
  if (whole) {
    const [, type, market, resolution, ticker, tickType] = whole
    return {
      path,
      securityType: type.toLowerCase() as LeanSecurityType,
      market: market.toLowerCase(),
      resolution: resolution.toLowerCase() as LeanResolution,
      symbol: ticker.toUpperCase(),
      tickType: (tickType ?? 'trade').toLowerCase(),
    }
  }
  return undefined
}

/** True for paths inside a Lean data tree, so a directory walk can skip its non-bar files with a notice. */
export function isInLeanTree(path: string): boolean {
  return LEAN_TREE.test(path.replaceAll('\\', '/'))
}

/** Why a Lean file is not imported, or undefined if it is trade bars this importer reads. */
export function leanSkipReason(file: LeanFile): string | undefined {
  if (file.tickType !== 'trade') return `Lean ${file.tickType} data: only trade bars are imported`
  if (!TIMEFRAMES[file.resolution]) return `Lean ${file.resolution} resolution: only minute, hour and daily bars are imported`
  return undefined
}

export function leanAssetClass(file: LeanFile): AssetClass {
  if (file.securityType === 'equity') return 'us_equity'
  return file.securityType === 'cryptofuture' ? 'crypto_perp' : 'crypto_spot'
}

export function leanTimeframe(file: LeanFile): Timeframe {
  const timeframe = TIMEFRAMES[file.resolution]
  if (!timeframe) throw new DataImportError(`${file.path}: ${leanSkipReason(file)}.`)
  return timeframe
}

/** Imports one Lean trade-bar zip into the store (replacing the same bars if already there). */
export async function importLeanFile(store: MarketDataStore, file: LeanFile, timeframe?: Timeframe): Promise<ImportedSeries[]> {
  const tf = leanTimeframe(file)
  if (timeframe && timeframe !== tf) {
    throw new DataImportError(`${file.path} holds ${tf} bars (Lean ${file.resolution}), not ${timeframe}. Drop --timeframe for Lean files.`)
  }
  const {name, text} = await readSingleCsv(file.path)
  const where = (line: number) => `${file.path} (${name} line ${line})`
  const bars = parseLeanCsv(text, file, where)
  const staging = await store.createStaging()
  try {
    await stageBarColumns(store.connection, staging, file.symbol, bars)
    const committed = await store.commitStaged({
      table: staging,
      timeframe: tf,
      source: `lean:${leanRelativePath(file.path)}`,
      assetClassOf: () => ({assetClass: leanAssetClass(file), certain: true}),
      locate: where,
    })
    return committed.map((c) => ({path: file.path, format: 'lean', ...c}))
  } finally {
    await store.dropStaging(staging)
  }
}

/** The path from the security type on ("equity/usa/minute/spy/20131004_trade.zip"): stable wherever the tree lives. */
function leanRelativePath(path: string): string {
  const p = path.replaceAll('\\', '/')
  const at = p.search(/(?:^|\/)(equity|crypto|cryptofuture)\//i)
  return at < 0 ? basename(p) : p.slice(at).replace(/^\//, '')
}

async function readSingleCsv(path: string): Promise<{name: string; text: string}> {
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(new Uint8Array(await readFile(path)), {filter: (f) => f.name.toLowerCase().endsWith('.csv')})
  } catch (cause) {
    throw new DataImportError(`${path}: not a readable zip archive (${cause instanceof Error ? cause.message : String(cause)}).`, {cause})
  }
  const names = Object.keys(entries)
  if (names.length !== 1) {
    throw new DataImportError(`${path}: expected one CSV file inside the Lean zip, found ${names.length}.`)
  }
  return {name: names[0], text: new TextDecoder().decode(entries[names[0]])}
}

/** Parses the CSV of one Lean file into typed columns: UTC epoch ms and prices in units of currency. */
export function parseLeanCsv(text: string, file: LeanFile, where: (line: number) => string): BarColumns {
  const lines = text.split('\n')
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop()
  const cols = allocateBarColumns(lines.length)
  // Divide (not multiply by 0.0001) so 1676500 becomes exactly the double nearest 167.65.
  const divisor = file.securityType === 'equity' ? 10_000 : 1
  const newYork = file.securityType === 'equity'
  const day = file.date && newYork ? new NewYorkDay(file.date.year, file.date.month, file.date.day) : undefined
  const utcMidnight = file.date ? Date.UTC(file.date.year, file.date.month - 1, file.date.day) : 0
  let dayCache: {key: string; day: NewYorkDay} | undefined

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const f = line.split(',')
    if (f.length < 6) throw new InvalidBarError(where(i + 1), `expected 6 comma-separated fields (time, o, h, l, c, v), found ${f.length}`)
    const rawTime = f[0].trim()
    let ts: number
    if (file.date) {
      const ms = /^\d+(\.\d+)?$/.test(rawTime) ? Number(rawTime) : NaN
      if (!(ms >= 0 && ms <= 86_400_000)) throw new InvalidBarError(where(i + 1), `time "${rawTime}" is not milliseconds since midnight`)
      ts = day ? day.toUtc(ms) : utcMidnight + ms
    } else {
      const m = /^(\d{4})(\d{2})(\d{2}) (\d{2}):(\d{2})$/.exec(rawTime)
      if (!m) throw new InvalidBarError(where(i + 1), `time "${rawTime}" is not "YYYYMMDD HH:mm"`)
      const [year, month, date, hour, minute] = m.slice(1).map(Number)
      const msOfDay = (hour * 60 + minute) * 60_000
      if (newYork) {
        // Daily (and hourly) equity bars are stamped at New York wall time: "20131004 00:00" is the bar opening at
        // 00:00 New York on 4 Oct 2013, stored as that instant in UTC (04:00Z in summer, 05:00Z in winter).
        const key = rawTime.slice(0, 8)
        if (dayCache?.key !== key) dayCache = {key, day: new NewYorkDay(year, month, date)}
        ts = dayCache.day.toUtc(msOfDay)
      } else {
        ts = Date.UTC(year, month - 1, date) + msOfDay
      }
    }
    cols.rowNo[i] = i + 1
    cols.ts[i] = ts
    cols.open[i] = toNumber(f[1]) / divisor
    cols.high[i] = toNumber(f[2]) / divisor
    cols.low[i] = toNumber(f[3]) / divisor
    cols.close[i] = toNumber(f[4]) / divisor
    cols.volume[i] = toNumber(f[5])
  }
  return cols
}

/** Number() reads "" as 0; an empty field must fail validation instead. */
function toNumber(field: string): number {
  const s = field.trim()
  return s === '' ? NaN : Number(s)
}
