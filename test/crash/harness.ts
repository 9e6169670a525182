/**
 * The crash harness (issue 5, DESIGN property 4). The simulated venue lives HERE, in the parent, so it outlives the
 * session it kills; the session runs in a forked child and trades through an IpcBroker. Time is the parent's
 * virtual clock, advanced in lock-step: the parent runs the venue's event loop to the next instant (a request
 * arriving, an answer or event due, a bar), sends the child everything that instant delivers, and waits for the
 * child's ack before moving on — so every request reaches the venue at the instant the child made it, and a run is
 * a function of the seed.
 *
 * Kill points, drawn from the seed per life: the parent SIGKILLs the child when its k-th request arrives (the
 * venue got it or not, by a coin), or the child SIGKILLs itself at its n-th state write (before it, after it, or
 * half-way through it: a torn record). After each restart the harness checks: the state loads and equals the last
 * committed state; it reconciles with the venue (no fill the venue made before the crash is missing); no order was
 * submitted twice (at most one venue order per signal); at the end every venue order, fill and the position match
 * the state, and the record invariants hold.
 */
import {type ChildProcess, fork} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {defaultInstrument} from '../../src/core/instrument.js'
import {Rng} from '../../src/core/rng.js'
import {EventLoop, microtaskBarrier} from '../../src/engine/event-loop.js'
import {SimulatedExchange} from '../../src/sim/exchange.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import type {StateChange, StoreSnapshot} from '../../src/state/store.js'
import type {OrderRecord} from '../../src/state/pipeline-state.js'
import {type ChildMessage, type RequestOp, type StepItem, toWire} from './ipc-broker.js'
import type {StartMessage, WriterMode} from './session-child.js'

const CHILD = resolve(import.meta.dirname, 'session-child.ts')
const T0 = Date.UTC(2024, 0, 2)
const TF = 60_000

export interface CrashRunOptions {
  readonly seed: number
  readonly mode?: WriterMode
  readonly bars?: number
  /** Stop after this many kills (the run then finishes without further kills). */
  readonly maxKills?: number
  readonly keepDir?: boolean
}

export interface CrashRunResult {
  readonly seed: number
  readonly kills: number
  readonly killsBy: Record<string, number>
  readonly lives: number
  readonly venueOrders: number
  readonly venueFills: number
  /** Restarts where the recovered state was ahead of the last commit the parent heard of (an ack lost in the kill). */
  readonly ahead: number
  readonly failures: readonly string[]
}

/** What the parent heard committed: the state's namespaces as of change `seq`. */
export type Mirror = {seq: number; namespaces: Record<string, Record<string, unknown>>}

/** Applies one committed change to the mirror (changes at or before its `seq` are ignored). */
export function applyChange(m: Mirror, c: StateChange): void {
  if (c.seq <= m.seq) return
  if (c.op === 'set') (m.namespaces[c.ns] ??= {})[c.key] = c.value
  else if (m.namespaces[c.ns]) {
    delete m.namespaces[c.ns][c.key]
    if (Object.keys(m.namespaces[c.ns]).length === 0) delete m.namespaces[c.ns]
  }
  m.seq = c.seq
}

function ordersOf(s: StoreSnapshot | Mirror): Record<string, OrderRecord> {
  return (s.namespaces.orders ?? {}) as Record<string, OrderRecord>
}

export async function runCrashTest(opts: CrashRunOptions): Promise<CrashRunResult> {
  const rng = new Rng(opts.seed)
  const mode = opts.mode ?? 'durable'
  const bars = opts.bars ?? 240
  const dir = mkdtempSync(join(tmpdir(), `trader-crash-${opts.seed}-`))
  const loop = new EventLoop(T0)
  const inst = defaultInstrument('XYZ', 'crypto_spot', 'sim')
  const ex = new SimulatedExchange({
    loop,
    profile: profileFor('sim'),
    instruments: [inst],
    config: {
      seed: opts.seed,
      latency: {fixedMs: 40, jitterMs: 400},
      participation: 0.1,
      faults: [{target: 'request', kinds: ['submit'], action: 'timeout', probability: 0.1}],
    },
  })
  ex.setMark(0, 100)
  const failures: string[] = []
  const killsBy: Record<string, number> = {}
  let kills = 0
  let lives = 0
  let ahead = 0
  let outbox: StepItem[] = []
  let child: ChildProcess | undefined
  let gen = 0
  let price = 100
  let bar = 0
  const mirror: Mirror = {seq: 0, namespaces: {}}

  ex.subscribe((event) => {
    if (child) outbox.push({k: 'event', event})
  })

  // One life of the session: fork, load check, lock-step until it dies or the bars run out.
  const live = async (): Promise<'killed' | 'done'> => {
    const myGen = ++gen
    lives++
    const killsLeft = bar < bars && (opts.maxKills === undefined || kills < opts.maxKills)
    const plan = !killsLeft ? undefined : rng.next() < 0.5 ? {kind: 'request' as const, k: 1 + rng.int(6), deliver: rng.next() < 0.5} : {kind: 'write' as const, n: 1 + rng.int(24), how: (['before', 'after', 'torn'] as const)[rng.int(3)]}
    const venueFillsBefore = ex.executions.length
    const c = fork(CHILD, [], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json'})
    child = c
    let stderr = ''
    c.on('error', () => undefined) // a send to a child that just died: its exit is handled below
    c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    let exited = false
    // 'close', not 'exit': every message the child wrote before it died has been read by then (deterministic).
    const exit = new Promise<void>((res) => c.on('close', () => {
      exited = true
      res()
    }))
    let waiting: (() => void) | undefined
    let loaded: ((s: StoreSnapshot) => void) | undefined
    const loadedP = new Promise<StoreSnapshot>((res) => (loaded = res))
    let requests = 0
    let killedByUs = false
    let finalSnap: StoreSnapshot | undefined
    c.on('message', (m: ChildMessage) => {
      if (myGen !== gen || killedByUs) return
      switch (m.type) {
        case 'ack':
          waiting?.()
          break
        case 'committed':
          applyChange(mirror, m.change as StateChange)
          break
        case 'loaded':
          loaded?.(m.snapshot as StoreSnapshot)
          break
        case 'ready':
          checkReady(m.snapshot as StoreSnapshot, venueFillsBefore)
          break
        case 'final':
          finalSnap = m.snapshot as StoreSnapshot
          break
        case 'req': {
          requests++
          if (plan?.kind === 'request' && requests === plan.k) {
            if (plan.deliver) dispatch(m.op, m.args).catch(() => undefined) // the venue got it; the answer will never arrive
            killedByUs = true
            c.kill('SIGKILL')
            return
          }
          const id = m.id
          dispatch(m.op, m.args).then(
            (value) => myGen === gen && !exited && outbox.push({k: 'answer', id, ok: true, value: value ?? null}),
            (err: unknown) => myGen === gen && !exited && outbox.push({k: 'answer', id, ok: false, error: toWire(err)}),
          )
          loop.markAsync()
        }
      }
    })
    const start: StartMessage = {
      type: 'start',
      dir,
      mode,
      tfMs: TF,
      signalEvery: 2,
      ...(plan?.kind === 'write' ? {dieAtWrite: {n: plan.n, how: plan.how}} : {}),
    }
    const acked = (): Promise<void> => Promise.race([new Promise<void>((res) => (waiting = res)), exit])
    const step = async (t: number, items: StepItem[]): Promise<void> => {
      const a = acked()
      if (exited) return
      c.send({type: 'step', t, items})
      await a
      waiting = undefined
    }
    const booted = acked()
    c.send(start)
    const snap = await Promise.race([loadedP, exit.then(() => undefined)])
    if (snap) checkLoaded(snap)
    else if (!exited) failures.push(`life ${lives}: no state loaded`)
    await booted

    while (!exited && bar < bars) {
      const nextBarEnd = T0 + (bar + 1) * TF
      const t = Math.min(loop.nextTime, nextBarEnd)
      await loop.runUntil(t)
      loop.clock.advanceTo(t)
      await microtaskBarrier()
      if (t === nextBarEnd) {
        feedBar(t)
        await microtaskBarrier()
        outbox.push({k: 'bar', ts: t - TF, close: price})
      }
      const items = outbox
      outbox = []
      await step(t, items)
    }
    const died = (): 'killed' => {
      child = undefined
      outbox = []
      if (c.signalCode === 'SIGKILL') {
        kills++
        const key = plan?.kind === 'request' ? `request(${plan.deliver ? 'sent' : 'not sent'})` : `write(${plan?.how})`
        killsBy[key] = (killsBy[key] ?? 0) + 1
      } else {
        failures.push(`life ${lives}: child exited with code ${c.exitCode} ${stderr.trim().split('\n').slice(0, 3).join(' | ')}`)
      }
      checkNoDuplicates()
      return 'killed'
    }
    if (exited) return died()
    // End of the bars: let the venue finish and deliver everything, then one final reconciliation.
    const drain = async (until: () => boolean): Promise<boolean> => {
      for (let i = 0; i < 10_000 && !exited; i++) {
        if (until()) return true
        if (loop.pending === 0 && outbox.length === 0) return until()
        const t = loop.pending > 0 ? loop.nextTime : loop.clock.now()
        await loop.runUntil(t)
        await microtaskBarrier()
        const items = outbox
        outbox = []
        await step(t, items)
      }
      return until()
    }
    await drain(() => false)
    if (!exited) {
      const a = acked()
      c.send({type: 'final'})
      await a
    }
    const answered = await drain(() => finalSnap !== undefined)
    if (exited) return died()
    if (!answered) failures.push(`final reconciliation never answered ${stderr}`)
    else checkFinal(finalSnap!)
    c.kill('SIGTERM')
    await exit
    return 'done'
  }

  /** The next bar (a seeded random walk), matched by the venue at its end. */
  const feedBar = (t: number): void => {
    const o = price
    price = Math.max(50, Math.round((price + (rng.next() - 0.5) * 2) * 100) / 100)
    ex.onBar(0, t - TF, TF, o, Math.max(o, price) + 0.3, Math.min(o, price) - 0.3, price, 3 + rng.int(20))
    bar++
  }

  const dispatch = (op: RequestOp, args: unknown[]): Promise<unknown> => {
    const fn = (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[op]
    return fn.apply(ex, args)
  }

  const checkLoaded = (snap: StoreSnapshot): void => {
    if (snap.seq < mirror.seq) {
      failures.push(`life ${lives}: recovered state is at seq ${snap.seq}, but seq ${mirror.seq} was committed (${mirror.seq - snap.seq} committed changes lost)`)
    } else if (snap.seq === mirror.seq) {
      if (!isDeepStrictEqual({...snap.namespaces}, mirror.namespaces)) failures.push(`life ${lives}: recovered state at seq ${snap.seq} differs from the committed state`)
    } else {
      ahead++
    }
    // The next life's commits build on what was recovered.
    mirror.seq = snap.seq
    mirror.namespaces = structuredClone(snap.namespaces) as Record<string, Record<string, unknown>>
  }

  const checkReady = (snap: StoreSnapshot, venueFillsBefore: number): void => {
    const orders = ordersOf(snap)
    for (const f of ex.executions.slice(0, venueFillsBefore)) {
      const rec = orders[f.clientOrderId]
      if (!rec) failures.push(`life ${lives}: after reconciling, fill ${f.execId} of ${f.clientOrderId} belongs to an order the state does not know`)
      else if (!rec.execs[f.execId]) failures.push(`life ${lives}: after reconciling, fill ${f.execId} of ${f.clientOrderId} (made before the crash) is missing`)
    }
  }

  const checkNoDuplicates = (): void => {
    const bySignal = new Map<string, string[]>()
    const ids = new Set<string>()
    for (const o of ex.orderSnapshots()) {
      if (ids.has(o.clientOrderId)) failures.push(`client order id ${o.clientOrderId} twice on the venue`)
      ids.add(o.clientOrderId)
      const sig = /^ct-(b\d+)-e\d+$/.exec(o.clientOrderId)?.[1] ?? o.clientOrderId
      bySignal.set(sig, [...(bySignal.get(sig) ?? []), o.clientOrderId])
    }
    for (const [sig, cids] of bySignal) {
      if (cids.length > 1 && !failures.some((f) => f.includes(`signal ${sig}:`))) failures.push(`signal ${sig}: ${cids.length} venue orders (${cids.join(', ')})`)
    }
  }

  const checkFinal = (snap: StoreSnapshot): void => {
    checkNoDuplicates()
    const orders = ordersOf(snap)
    for (const o of ex.orderSnapshots()) {
      const rec = orders[o.clientOrderId]
      if (!rec) {
        failures.push(`end: venue order ${o.clientOrderId} is not in the state`)
        continue
      }
      if (Math.abs(rec.filledQty - o.filledQty) > 1e-9) failures.push(`end: ${o.clientOrderId} filled ${rec.filledQty} in the state, ${o.filledQty} on the venue`)
      if (rec.status !== o.status) failures.push(`end: ${o.clientOrderId} is ${rec.status} in the state, ${o.status} on the venue`)
    }
    for (const f of ex.executions) if (!orders[f.clientOrderId]?.execs[f.execId]) failures.push(`end: fill ${f.execId} of ${f.clientOrderId} lost`)
    let pos = 0
    for (const r of Object.values(orders)) {
      const sum = Object.values(r.execs).reduce((a, e) => a + e.qty, 0)
      if (Math.abs(sum - r.filledQty) > 1e-9) failures.push(`end: ${r.clientOrderId} filledQty ${r.filledQty} != its executions ${sum}`)
      if (r.filledQty > r.qty + 1e-9) failures.push(`end: ${r.clientOrderId} filled ${r.filledQty} > ${r.qty}`)
      pos += r.side === 'buy' ? r.filledQty : -r.filledQty
    }
    const venuePos = ex.executions.reduce((a, f) => a + (f.side === 'buy' ? f.qty : -f.qty), 0)
    if (Math.abs(pos - venuePos) > 1e-9) failures.push(`end: position ${pos} in the state, ${venuePos} on the venue`)
  }

  try {
    while (bar < bars) {
      const r = await live()
      if (r === 'done') break
      // Downtime: the venue goes on without the session (fills it will have to learn from the venue's reports).
      const down = rng.int(3)
      for (let i = 0; i < down && bar < bars; i++) {
        const t = T0 + (bar + 1) * TF
        await loop.runUntil(t)
        loop.clock.advanceTo(t)
        feedBar(t)
      }
      if (bar >= bars) await live() // a last life to reconcile and check the end state
    }
  } finally {
    if (!opts.keepDir) rmSync(dir, {recursive: true, force: true})
  }
  return {seed: opts.seed, kills, killsBy, lives, venueOrders: ex.orderSnapshots().length, venueFills: ex.executions.length, ahead, failures}
}
