import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {BarStream} from '../core/market-data.js'
import {importPaths} from './import/import-paths.js'
import {SAMPLE_DIR} from './sample.js'
import {MarketDataStore} from './store.js'
import {StoreOpenError} from './errors.js'
import {threadedBarStream} from './threaded-stream.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-threaded-'))
const dbPath = join(dir, 'store.duckdb')

beforeAll(async () => {
  const store = await MarketDataStore.open(dbPath)
  await importPaths(store, ['spy', 'aig', 'bac', 'ibm'].map((s) => join(SAMPLE_DIR, 'equity/usa/minute', s)))
  store.close()
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

async function rows(stream: BarStream): Promise<{all: number[][]; chunks: number}> {
  const all: number[][] = []
  let chunks = 0
  for await (const c of stream) {
    chunks++
    for (let i = 0; i < c.length; i++) all.push([c.symbol[i], c.ts[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]])
  }
  return {all, chunks}
}

describe('threadedBarStream', () => {
  it('yields exactly the rows of the in-thread stream, across windows and chunks', async () => {
    const store = await MarketDataStore.open(dbPath, {readOnly: true})
    // Small windows and chunks, so the reader crosses many window and chunk boundaries.
    const query = {timeframe: '1m' as const, chunkRows: 777, windowRows: 2000}
    const plan = await store.planStream(query)
    const direct = await rows(await store.streamBars(query))
    store.close()
    expect(plan.windows.length).toBeGreaterThan(3)
    const threaded = await rows(threadedBarStream(dbPath, plan, {depth: 2}))
    expect(threaded.all.length).toBe(13_429)
    expect(threaded.all).toEqual(direct.all)
    expect(threaded.chunks).toBe(direct.chunks)
  })

  it('stops its reader when the consumer stops early', async () => {
    const store = await MarketDataStore.open(dbPath, {readOnly: true})
    const plan = await store.planStream({timeframe: '1m', chunkRows: 100})
    store.close()
    let seen = 0
    for await (const c of threadedBarStream(dbPath, plan)) {
      seen += c.length
      if (seen >= 300) break
    }
    expect(seen).toBe(300)
    // The database is free again: a writer can open it.
    const again = await MarketDataStore.open(dbPath)
    again.close()
  })

  it('reports a reader failure as an error, not a hang', async () => {
    const store = await MarketDataStore.open(dbPath, {readOnly: true})
    const plan = await store.planStream({timeframe: '1m'})
    store.close()
    // A database the reader cannot open is the user's to fix: the one-line StoreOpenError, not a thread failure.
    const missing = rows(threadedBarStream(join(dir, 'missing.duckdb'), plan))
    await expect(missing).rejects.toBeInstanceOf(StoreOpenError)
    await expect(missing).rejects.toThrow(/^Cannot open the market-data database .*missing\.duckdb \(.*database does not exist\); check that/)
  })

  it('stops while the reader is inside DuckDB, many times, without terminating it (no Napi::Error abort)', async () => {
    const store = await MarketDataStore.open(dbPath, {readOnly: true})
    // Tiny windows: when the consumer stops, the reader is most likely running the next window's query.
    const plan = await store.planStream({timeframe: '1m', chunkRows: 50, windowRows: 500})
    store.close()
    for (let round = 0; round < 10; round++) {
      let seen = 0
      for await (const c of threadedBarStream(dbPath, plan, {depth: 1})) {
        seen += c.length
        if (seen >= 50 * (1 + (round % 3))) break
      }
      expect(seen).toBe(50 * (1 + (round % 3)))
    }
    const again = await MarketDataStore.open(dbPath)
    again.close()
  })
})
