/** `trader data import`: walks the given files and directories and sends each file to the importer for its format. */

import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {DataImportError} from '../errors.js'
import type {MarketDataStore} from '../store.js'
import {importArrowFile} from './arrow.js'
import {importCsvFile} from './csv.js'
import {importFundingFile, parseLeanFundingPath} from './funding.js'
import {importLeanFile, isInLeanTree, leanSkipReason, parseLeanPath} from './lean.js'
import type {ImportOptions, ImportOptionsInput} from './options.js'
import {parseImportOptions} from './options.js'
import {importParquetFile} from './parquet.js'
import type {ImportedFunding, ImportedSeries, ImportSummary, SkippedFile} from './types.js'

type Plan =
  | {path: string; run: (store: MarketDataStore, opts: ImportOptions) => Promise<ImportedSeries[]>}
  | {path: string; funding: true}
  | {path: string; skip: string}

const SUFFIXES: Array<[RegExp, (store: MarketDataStore, path: string, opts: ImportOptions) => Promise<ImportedSeries[]>]> = [
  [/\.csv$/i, importCsvFile],
  [/\.parquet$/i, importParquetFile],
  [/\.(arrow|feather|arrows|ipc)$/i, importArrowFile],
]

/**
 * Imports every file named (directories recursively, in sorted order). A file given by name that cannot be
 * imported is an error; inside a directory, files that are not bar data (readme, Lean quote zips, factor files) are
 * skipped and listed in the summary. Each file is imported in its own transaction.
 */
export async function importPaths(
  store: MarketDataStore,
  paths: readonly string[],
  options: ImportOptionsInput = {},
  onFile?: (path: string) => void,
): Promise<ImportSummary> {
  const opts = parseImportOptions(options)
  if (paths.length === 0) throw new DataImportError('No files to import: name at least one file or directory.')
  const plans: Plan[] = []
  for (const path of paths) plans.push(...(await planPath(path, true, opts)))
  const imported: ImportedSeries[] = []
  const funding: ImportedFunding[] = []
  const skipped: SkippedFile[] = []
  for (const plan of plans) {
    if ('skip' in plan) {
      skipped.push({path: plan.path, reason: plan.skip})
      continue
    }
    onFile?.(plan.path)
    if ('funding' in plan) funding.push(...(await importFundingFile(store, plan.path, opts)))
    else imported.push(...(await plan.run(store, opts)))
  }
  return {imported, funding, skipped}
}

async function planPath(path: string, named: boolean, opts: ImportOptions): Promise<Plan[]> {
  let info
  try {
    info = await stat(path)
  } catch (err) {
    // Any other refusal (permission, a file on the path) is described by the command's system-error mapping.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DataImportError(`${path}: no such file or directory; check the path`)
    throw err
  }
  if (info.isDirectory()) {
    const entries = (await readdir(path)).filter((e) => !e.startsWith('.')).sort()
    const plans: Plan[] = []
    for (const entry of entries) plans.push(...(await planPath(join(path, entry), false, opts)))
    if (named && plans.length === 0) {
      throw new DataImportError(`${path}: the directory holds no files; name the bar files (Lean .zip, .csv, .parquet, .arrow) or the directory that holds them`)
    }
    return plans
  }
  const plan = planFile(path, named, opts)
  if ('skip' in plan && named && (opts.funding || !parseLeanPath(path))) throw new DataImportError(`${path}: ${plan.skip}.`)
  return [plan]
}

/**
 * A Lean zip that holds no trade bars (quotes, ticks) is skipped with a notice even when named. Lean margin-interest
 * files are funding rates, whatever the flags; with --funding every CSV is one, and nothing else is imported.
 */
function planFile(path: string, named: boolean, opts: ImportOptions): Plan {
  if (parseLeanFundingPath(path) || (opts.funding && /\.csv$/i.test(path))) return {path, funding: true}
  if (opts.funding) return {path, skip: 'not a funding-rate file: with --funding only CSV files (ts,rate) are read'}
  const lean = parseLeanPath(path)
  if (lean) {
    const skip = leanSkipReason(lean)
    if (skip) return {path, skip}
    return {path, run: (store, opts) => importLeanFile(store, lean, opts.timeframe)}
  }
  if (!named && /(^|\/)(LICENSE|NOTICE|README)[^/]*$|\.(md|txt)$/i.test(path)) return {path, skip: 'documentation, not bar data'}
  if (!named && isInLeanTree(path)) return {path, skip: 'not a Lean trade-bar file (only <ticker>/<date>_trade.zip and daily/hour zips are bars)'}
  for (const [suffix, importer] of SUFFIXES) {
    if (suffix.test(path)) return {path, run: (store, opts) => importer(store, path, opts)}
  }
  return {
    path,
    skip: 'unknown format: expected .csv, .parquet, .arrow/.feather/.arrows or a Lean zip (…/equity/usa/minute/spy/20131004_trade.zip)',
  }
}
