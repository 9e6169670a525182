/**
 * Synthetic benchmark data: 10,000,000 one-minute bars, 100 symbols (SYM000..SYM099) × 100,000 consecutive minutes
 * from 2024-01-01T00:00Z, as a seeded geometric random walk. Generated entirely in DuckDB SQL (range() and an
 * integer hash for the noise, a window sum for the walk), written once to a DuckDB database in the store's schema
 * and to Parquet, and reused while the manifest matches.
 *
 * Instruments are venue 'sim', asset class 'crypto_spot': the bars run around the clock, so no market-hours rule
 * of a real venue applies to them.
 */

import {existsSync} from 'node:fs'
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {loadDuckDB, sqlString} from '../src/data/duckdb.js'
import {packageRoot} from '../src/data/package-root.js'
import {SCHEMA_SQL} from '../src/data/schema.js'

export interface BenchData {
  readonly dbPath: string
  readonly parquetPath: string
  readonly rows: number
  readonly symbols: readonly string[]
}

const SYMBOLS = 100
const MINUTES = 100_000
const START_MS = Date.UTC(2024, 0, 1)
const SEED = 20_240_101
/** Bump when the generator's output changes, so cached files are rebuilt. */
const VERSION = 1

const manifestOf = () => ({version: VERSION, symbols: SYMBOLS, minutes: MINUTES, startMs: START_MS, seed: SEED})

export const BENCH_SYMBOLS: readonly string[] = Array.from({length: SYMBOLS}, (_, i) => `SYM${String(i).padStart(3, '0')}`)

/** Ensures the benchmark files exist in `dir` (default `<package>/data/bench`, git-ignored) and describes them. */
export async function ensureBenchData(dir = join(packageRoot(), 'data', 'bench')): Promise<BenchData> {
  const root = resolve(dir)
  const out: BenchData = {
    dbPath: join(root, 'bars-1m.duckdb'),
    parquetPath: join(root, 'bars-1m.parquet'),
    rows: SYMBOLS * MINUTES,
    symbols: BENCH_SYMBOLS,
  }
  const manifestPath = join(root, 'manifest.json')
  if (existsSync(out.dbPath) && existsSync(out.parquetPath) && (await readManifest(manifestPath)) === JSON.stringify(manifestOf())) {
    return out
  }
  await mkdir(root, {recursive: true, mode: 0o700})
  await rm(manifestPath, {force: true})
  const tmpDb = `${out.dbPath}.tmp`
  const tmpParquet = `${out.parquetPath}.tmp`
  await rm(tmpDb, {force: true})
  await rm(`${tmpDb}.wal`, {force: true})
  await generate(tmpDb, tmpParquet)
  await rename(tmpDb, out.dbPath)
  await rename(tmpParquet, out.parquetPath)
  // Written last: its presence with the right content is what "complete" means.
  await writeFile(manifestPath, JSON.stringify(manifestOf()))
  return out
}

async function readManifest(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch {
    return undefined
  }
}

async function generate(dbPath: string, parquetPath: string): Promise<void> {
  const duckdb = await loadDuckDB()
  const instance = await duckdb.DuckDBInstance.create(dbPath)
  const conn = await instance.connect()
  try {
    await conn.run(SCHEMA_SQL)
    // A 32-bit integer mix (murmur3 finaliser style) in plain BIGINT arithmetic: deterministic across DuckDB
    // versions, unlike hash(). Every product stays below 2^63.
    await conn.run(`
      CREATE TEMP MACRO mix32(x) AS (
        (xor(((xor(((xor(x, x >> 16)) * 73244475) % 4294967296, (((xor(x, x >> 16)) * 73244475) % 4294967296) >> 16)) * 73244475) % 4294967296,
             ((((xor(((xor(x, x >> 16)) * 73244475) % 4294967296, (((xor(x, x >> 16)) * 73244475) % 4294967296) >> 16)) * 73244475) % 4294967296) >> 16)))
      );
      CREATE TEMP MACRO unit_noise(i, k) AS (mix32((i * 4 + k + ${SEED}) % 4294967296) / 4294967296.0);
    `)
    await conn.run(`
      INSERT INTO bars
      WITH grid AS (
        SELECT s, m, s * ${MINUTES} + m AS i FROM range(${SYMBOLS}) a(s), range(${MINUTES}) b(m)
      ), noise AS (
        SELECT s, m, (unit_noise(i, 0) - 0.5) * 0.002 AS ret, unit_noise(i, 1) AS u_high, unit_noise(i, 2) AS u_low,
               unit_noise(i, 3) AS u_vol
        FROM grid
      ), walk AS (
        SELECT *, ln(20 + 2 * s) + sum(ret) OVER (PARTITION BY s ORDER BY m ROWS UNBOUNDED PRECEDING) AS log_close FROM noise
      ), prices AS (
        SELECT s, m, u_high, u_low, u_vol, exp(log_close - ret) AS o, exp(log_close) AS c FROM walk
      )
      SELECT 'SYM' || lpad(s::VARCHAR, 3, '0'), '1m', epoch_ms((${START_MS} + m * 60000)::BIGINT),
             o, greatest(o, c) * (1 + u_high * 0.002), least(o, c) * (1 - u_low * 0.002), c, round(1 + u_vol * 10000)
      FROM prices
      ORDER BY m, s
    `)
    await conn.run(`
      INSERT INTO instruments
      SELECT 'SYM' || lpad(s::VARCHAR, 3, '0'), 'sim', 'crypto_spot', 'bench:generate-data v${VERSION}' FROM range(${SYMBOLS}) t(s)
    `)
    await conn.run(`CHECKPOINT`)
    await conn.run(
      `COPY (SELECT symbol, timeframe, ts, open, high, low, close, volume FROM bars ORDER BY ts, symbol)
       TO ${sqlString(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
    )
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now()
  const data = await ensureBenchData(process.argv[2])
  console.log(`${data.rows} rows over ${data.symbols.length} symbols in ${data.dbPath} and ${data.parquetPath} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
}
