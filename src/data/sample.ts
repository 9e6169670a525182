/** The real market data shipped with the product (data/sample, a Lean-layout slice; see its PROVENANCE.md). */

import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {READER_WAIT_MS} from './duckdb.js'
import {importPaths} from './import/import-paths.js'
import type {ImportSummary} from './import/types.js'
import {packageRoot} from './package-root.js'
import {MarketDataStore} from './store.js'

/** The bundled sample folder, resolved from the package, whatever the working directory. */
export const SAMPLE_DIR = join(packageRoot(), 'data', 'sample')

/** Bump when the files in data/sample change, so stores holding the old sample import the new one. */
export const SAMPLE_VERSION = '2013-10+btcusdt-2022-12/v2'

const META_KEY = 'sample_version'

/**
 * `$TRADER_DATA_DB`, else `trader.duckdb` in the data root when one is set (`$TRADER_DATA_DIR`, or
 * `$TRADER_HOME/data`), else `<package root>/data/trader.duckdb` (git-ignored), so a clone works without setup.
 */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const pick = (v: string | undefined): string | undefined => (v && v.trim() !== '' ? v.trim() : undefined)
  const db = pick(env.TRADER_DATA_DB)
  if (db) return db
  const dataDir = pick(env.TRADER_DATA_DIR) ?? (pick(env.TRADER_HOME) ? join(pick(env.TRADER_HOME)!, 'data') : undefined)
  return dataDir ? join(dataDir, 'trader.duckdb') : join(packageRoot(), 'data', 'trader.duckdb')
}

/**
 * Imports the bundled sample unless the store already holds this version of it (one key lookup). Re-importing is
 * harmless anyway: each file replaces its own bars. Returns the import summary, or undefined if nothing was done.
 */
export async function ensureSampleData(store: MarketDataStore): Promise<ImportSummary | undefined> {
  if ((await store.getMeta(META_KEY)) === SAMPLE_VERSION) return undefined
  const summary = await importPaths(store, [SAMPLE_DIR])
  await store.setMeta(META_KEY, SAMPLE_VERSION)
  return summary
}

/**
 * The store a run reads, opened read-only so any number of runs (backtests, replays, emulators) read one file at
 * once. With `sample` (no --db given) the bundled sample is imported first when the store lacks this version of it:
 * only then is the file opened writable, briefly, and a concurrent first run waits for that import instead of failing.
 */
export async function openStoreForReading(path: string, opts: {sample: boolean}): Promise<MarketDataStore> {
  if (opts.sample && existsSync(path)) {
    const store = await MarketDataStore.open(path, {readOnly: true})
    if ((await store.getMeta(META_KEY)) === SAMPLE_VERSION) return store
    store.close()
  }
  if (opts.sample) {
    const writer = await MarketDataStore.open(path, {waitMs: READER_WAIT_MS})
    try {
      await ensureSampleData(writer)
    } finally {
      writer.close()
    }
  }
  return MarketDataStore.open(path, {readOnly: true})
}
