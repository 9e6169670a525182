/**
 * Worker thread of a threaded bar stream: opens the database read-only, reads the planned rows with the same
 * reader as the in-thread stream, and hands each chunk to the main thread by transferring its buffers.
 * At most `depth` chunks are in flight; the main thread asks for more as it consumes them.
 */
import {parentPort, workerData} from 'node:worker_threads'
import type {StreamPlan} from './bar-stream.js'
import {readChunks} from './bar-stream.js'
import {connectUtc, loadDuckDB} from './duckdb.js'

interface Input {
  readonly dbPath: string
  readonly plan: StreamPlan
  readonly depth: number
}

const {dbPath, plan, depth} = workerData as Input
const port = parentPort!
let credit = depth
let wake: (() => void) | undefined
port.on('message', () => {
  credit++
  wake?.()
})

try {
  const duckdb = await loadDuckDB()
  // One DuckDB thread: the reader takes one core and leaves the other to the engine. 128 MB holds a
  // window's sort (300k rows) without spilling; more only raises the peak RSS.
  const instance = await duckdb.DuckDBInstance.create(dbPath, {access_mode: 'READ_ONLY', threads: '1', memory_limit: '128MB'})
  try {
    for await (const chunk of readChunks(() => connectUtc(instance), plan)) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve))
      credit--
      const buffers = [chunk.symbol, chunk.ts, chunk.open, chunk.high, chunk.low, chunk.close, chunk.volume].map((a) => a.buffer as ArrayBuffer)
      port.postMessage({chunk}, buffers)
    }
  } finally {
    instance.closeSync()
  }
  port.postMessage({done: true})
} catch (err) {
  port.postMessage({error: err instanceof Error ? err.message : String(err)})
}
