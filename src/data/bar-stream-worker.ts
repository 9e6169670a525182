/**
 * Worker thread of a threaded bar stream: opens the database read-only, reads the planned rows with the same
 * reader as the in-thread stream, and hands each chunk to the main thread by transferring its buffers.
 * At most `depth` chunks are in flight; the main thread asks for more as it consumes them. The thread is never
 * terminated from outside while DuckDB works on it (node-addon-api aborts the whole process with `Napi::Error`
 * when a native call completes on a dying thread): the main thread sends 'stop', and the thread closes DuckDB and
 * exits by itself.
 */
import {parentPort, workerData} from 'node:worker_threads'
import type {DuckDBInstance} from '@duckdb/node-api'
import type {StreamPlan} from './bar-stream.js'
import {readChunks} from './bar-stream.js'
import {connectUtc, createInstance, openFailure, READER_WAIT_MS} from './duckdb.js'

interface Input {
  readonly dbPath: string
  readonly plan: StreamPlan
  readonly depth: number
}

const {dbPath, plan, depth} = workerData as Input
const port = parentPort!
let credit = depth
let stopping = false
let wake: (() => void) | undefined
port.on('message', (m: unknown) => {
  if (m === 'stop') stopping = true
  else credit++
  wake?.()
})

try {
  let instance: DuckDBInstance
  try {
    // One DuckDB thread: the reader takes one core and leaves the other to the engine. 128 MB holds a
    // window's sort (300k rows) without spilling; more only raises the peak RSS. Read-only: other processes
    // may read the same file at the same time.
    instance = await createInstance(dbPath, {access_mode: 'READ_ONLY', threads: '1', memory_limit: '128MB'}, READER_WAIT_MS)
  } catch (cause) {
    throw openFailure(dbPath, true, cause)
  }
  try {
    for await (const chunk of readChunks(() => connectUtc(instance), plan)) {
      while (credit === 0 && !stopping) await new Promise<void>((resolve) => (wake = resolve))
      // Leaving the loop ends readChunks, which lets a query under way finish before closing its connections.
      if (stopping) break
      credit--
      const buffers = [chunk.symbol, chunk.ts, chunk.open, chunk.high, chunk.low, chunk.close, chunk.volume].map((a) => a.buffer as ArrayBuffer)
      port.postMessage({chunk}, buffers)
    }
  } finally {
    instance.closeSync()
  }
  port.postMessage({done: true})
} catch (err) {
  port.postMessage({error: err instanceof Error ? err.message : String(err), user: err instanceof Error && err.name === 'StoreOpenError'})
} finally {
  // Nothing left to do: without a listening port the thread exits on its own.
  port.unref()
}
