/**
 * A bar stream read on a worker thread. DuckDB's reading and the copy into typed arrays then run beside the
 * engine instead of between its bars: on two cores a backtest costs about max(read, engine) instead of their
 * sum. Chunks arrive by transfer (no copy), in the plan's order, so the stream equals `streamBars`' byte for byte.
 */
import {Worker} from 'node:worker_threads'
import type {BarChunk, BarStream} from '../core/market-data.js'
import type {StreamPlan} from './bar-stream.js'
import {StoreOpenError} from './errors.js'

export class StreamWorkerError extends Error {
  override readonly name = 'StreamWorkerError'
}

type Message = {chunk: BarChunk} | {done: true} | {error: string; user?: boolean}

/**
 * Starts the worker module next to this one: compiled JavaScript in dist/, or the TypeScript source (under tests
 * and bin/dev.js) through tsx's loader, registered inside the worker first.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./bar-stream-worker.js', import.meta.url), {workerData})
  const source = new URL('./bar-stream-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}) })`
  return new Worker(boot, {eval: true, workerData})
}

export function threadedBarStream(dbPath: string, plan: StreamPlan, opts: {depth?: number} = {}): BarStream {
  const depth = opts.depth ?? 4
  return {
    symbols: plan.symbols,
    timeframe: plan.timeframe,
    [Symbol.asyncIterator]: () => read(dbPath, plan, depth),
  }
}

async function* read(dbPath: string, plan: StreamPlan, depth: number): AsyncGenerator<BarChunk> {
  if (plan.windows.length === 0) return
  const worker = startWorker({dbPath, plan, depth})
  const inbox: Message[] = []
  let wake: (() => void) | undefined
  let failure: Error | undefined
  let exited = false
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      exited = true
      if (code !== 0) failure ??= new StreamWorkerError(`bar reader thread exited with code ${code}`)
      resolve()
      wake?.()
    }),
  )
  worker.on('message', (m: Message) => {
    inbox.push(m)
    wake?.()
  })
  worker.on('error', (err) => {
    failure = err
    wake?.()
  })
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (failure) throw failure
        if (exited) throw new StreamWorkerError('bar reader thread ended without finishing its stream')
        await new Promise<void>((resolve) => (wake = resolve))
      }
      const m = inbox.shift()!
      if ('error' in m) throw m.user ? new StoreOpenError(m.error) : new StreamWorkerError(`bar reader thread failed: ${m.error}`)
      if ('done' in m) return
      worker.postMessage(0)
      yield m.chunk
    }
  } finally {
    // Never worker.terminate(): a DuckDB call completing on a terminated thread aborts the process (Napi::Error).
    // The thread stops at its next chunk, closes DuckDB and exits by itself.
    if (!exited) worker.postMessage('stop')
    await exit
  }
}
