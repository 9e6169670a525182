/**
 * The parent side of the graceful-shutdown scenarios: the simulated venue lives here and answers the child session
 * (test/ops/shutdown-child.ts) over IPC. The child's resting limit buy is filled only AFTER the signal, when the
 * child says it is draining, so the order is in flight while the session shuts down.
 */
import {fork} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {defaultInstrument} from '../../src/core/instrument.js'
import {EventLoop, microtaskBarrier} from '../../src/engine/event-loop.js'
import {SimulatedExchange} from '../../src/sim/exchange.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {type RequestOp, type StepItem, toWire} from '../crash/ipc-broker.js'
import type {ShutdownChildMessage, ShutdownStart} from './shutdown-child.js'

const CHILD = resolve(import.meta.dirname, 'shutdown-child.ts')
const T0 = Date.UTC(2024, 0, 2)
const TF = 60_000

export interface ShutdownRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly ms: number
  readonly venueOrders: {clientOrderId: string; status: string; filledQty: number}[]
  readonly persisted: {orders: {clientOrderId: string; status: string; filledQty: number}[]; position: number} | undefined
  readonly log: {msg: string; level: string}[]
}

/**
 * `signals`: how many SIGTERMs (1: the graceful path, 2: the second one right after the child starts draining).
 * `fillAfterSignal`: the venue fills the resting order once the child drains (false: it never fills).
 */
export async function runShutdown(opts: {mode: 'graceful' | 'naive'; signals: 1 | 2; fillAfterSignal: boolean; graceMs?: number}): Promise<ShutdownRun> {
  const dir = mkdtempSync(join(tmpdir(), 'trader-shutdown-'))
  const loop = new EventLoop(T0)
  const ex = new SimulatedExchange({loop, profile: profileFor('sim'), instruments: [defaultInstrument('XYZ', 'crypto_spot', 'sim')], config: {seed: 1, latency: {fixedMs: 10, jitterMs: 0}, participation: 1}})
  ex.setMark(0, 100)
  let outbox: StepItem[] = []
  ex.subscribe((event) => void outbox.push({k: 'event', event}))
  const child = fork(CHILD, [], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json'})
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  child.on('error', () => undefined)
  let exited = false
  const closed = new Promise<void>((res) => child.on('close', () => {
    exited = true
    res()
  }))
  let bar = 0
  /** Runs the venue until nothing is due and hands the child everything that became due, one step. */
  const pump = async (extra: StepItem[] = []): Promise<void> => {
    for (let i = 0; i < 1000 && loop.pending > 0; i++) {
      await loop.runUntil(loop.nextTime)
      await microtaskBarrier()
    }
    const items = [...extra, ...outbox]
    outbox = []
    if (!exited && items.length > 0) child.send({type: 'step', t: loop.clock.now(), items})
  }
  const feedBar = async (low: number): Promise<void> => {
    const t = T0 + ++bar * TF
    await loop.runUntil(t)
    loop.clock.advanceTo(t)
    ex.onBar(0, t - TF, TF, 100, 100.5, low, 99.5, 1000)
    await pump([{k: 'bar', ts: t - TF, close: 99.5}])
  }
  let signalledAt = 0
  let restingCount = 0
  let resting: (() => void) | undefined
  const restingN = (n: number): Promise<void> => new Promise<void>((res) => {
    resting = () => restingCount >= n && res()
    resting()
  })
  child.on('message', (m: ShutdownChildMessage) => {
    if (m.type === 'req') {
      const fn = (ex as unknown as Record<RequestOp, (...a: unknown[]) => Promise<unknown>>)[m.op]
      fn.apply(ex, m.args).then(
        (value) => outbox.push({k: 'answer', id: m.id, ok: true, value: value ?? null}),
        (err: unknown) => outbox.push({k: 'answer', id: m.id, ok: false, error: toWire(err)}),
      )
      loop.markAsync()
      void pump()
    } else if (m.type === 'resting') {
      restingCount++
      resting?.()
    }
    else if (m.type === 'draining') {
      void (async () => {
        if (opts.signals === 2) {
          child.kill('SIGTERM')
          return
        }
        await feedBar(99) // a bar while draining: the child must not send its entry
        if (opts.fillAfterSignal) await feedBar(94) // trades through the limit: the order fills now
      })()
    }
  })
  const start: ShutdownStart = {type: 'start', dir, mode: opts.mode, graceMs: opts.graceMs ?? 5_000}
  child.send(start)
  await Promise.race([restingN(1), closed])
  await feedBar(99) // a bar before the signal: the child sends its second entry, which rests too
  await Promise.race([restingN(2), closed])
  signalledAt = Date.now()
  child.kill('SIGTERM')
  const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000)
  await closed
  clearTimeout(timeout)
  const ms = Date.now() - signalledAt
  const stateFile = join(dir, 'state.json')
  const logFile = join(dir, 'session.log')
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as {msg: string; level: string}) : []
  if (stderr.trim() !== '' && child.exitCode !== 0 && child.exitCode !== 1) throw new Error(`child failed: ${stderr}`)
  return {
    code: child.exitCode,
    signal: child.signalCode,
    ms,
    venueOrders: ex.orderSnapshots().map((o) => ({clientOrderId: o.clientOrderId, status: o.status, filledQty: o.filledQty})),
    persisted: existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : undefined,
    log,
  }
}
