/**
 * The crash-test session of the REAL strategies, run as a CHILD process by strategy-harness.ts: the grid (Bybit
 * profile, hedge mode, `stateDir` → GridStateFile) or the momentum pipeline (Alpaca profile, `stateDir` →
 * DurableState), wired by the product's own `runLiveSession` (session-wiring.ts: recording broker, account view,
 * order gateway; the live start-up reconciliation; then the strategy's own start-up restore / Reconciler), under
 * the product's instance lock (the fencing epoch goes into every client order id). The venue is a LiveVenue over
 * the IpcBroker: the SimulatedExchange lives in the parent and outlives this process.
 *
 * Time is the parent's. Each `step` message carries an instant and what it delivers (answers, venue events, bars);
 * the items become tasks of this session's EventLoop at that instant, ahead of its timers and one at a time (as
 * LiveDriver.inbound delivers them), the loop runs up to the instant, and the ack tells the parent when this
 * session's next timer is due, so the parent steps there too. Every request therefore reaches the venue at the
 * instant this session made it, and a run is a function of its seed.
 *
 * Kill points are taken HERE, so they are exact: at the k-th request (or k-th submit) this process sends the request
 * marked `last` and blocks synchronously — nothing after it runs — until the parent, having given the request to the
 * venue or not, SIGKILLs it; at the n-th state write it SIGKILLs itself before the write, half-way through it (at a
 * seeded file-system step inside the product's own writer: a half-written buffer, or before an fsync / rename), or
 * just after it. The writers are the product's; the hooks are the ones the product offers (GridOptions.sink around
 * GridStateFile, MomentumOptions.beforeAppend / onCommit around DurableState).
 *
 * Naive writers, for the test that must fail: 'naive-truncate' (grid: the old bot's state file, truncated then
 * rewritten in place, no fsync; an unreadable file means starting flat, as the old bot did) and 'naive-late-intent'
 * (momentum: the durable store's own file format, but each change is appended only after the current job, so the
 * order's request leaves before its intent is on disk).
 */
import fs, {cpSync, existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {syncBuiltinESMExports} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {FeedBar} from '../../src/broker/market-feed.js'
import type {AmendRequest, BrokerEventHandler, OrderRef, Unsubscribe} from '../../src/broker/port.js'
import type {VenueTransport} from '../../src/broker/transport.js'
import type {Instrument, PositionMode} from '../../src/core/instrument.js'
import type {OrderRequest} from '../../src/core/order.js'
import {EventLoop} from '../../src/engine/event-loop.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import type {LiveSessionHeader} from '../../src/run/live/live-header.js'
import {type LiveSessionHandle, type LiveVenue, runLiveSession} from '../../src/run/live/live-session.js'
import type {StrategyContext} from '../../src/engine/strategy.js'
import {Pipeline} from '../../src/services/pipeline.js'
import {DurableState, JOURNAL_FILE} from '../../src/state/durable-store.js'
import {acquireLock} from '../../src/state/instance-lock.js'
import {JournalFile} from '../../src/state/journal-file.js'
import {NS, PIPELINE_NAMESPACES} from '../../src/state/pipeline-state.js'
import {StateStore, type StoreSnapshot} from '../../src/state/store.js'
import {VirtualClock} from '../../src/core/time/clock.js'
import {GRID_STATE_FILE, GridParamsSchema, GridStateFile, type GridStateRecord, GridStrategy, type StateSink} from '../../strategies/grid/index.js'
import {Momentum, MomentumParams} from '../../strategies/momentum/index.js'
import {type ChildMessage, IpcBroker, type StepItem} from './ipc-broker.js'

export type StrategyCase = 'grid' | 'momentum'
export type StrategyWriterMode = 'durable' | 'naive-truncate' | 'naive-late-intent'

export interface KillAtWrite {
  readonly n: number
  readonly how: 'before' | 'after' | 'torn'
  /** For 'torn': the file-system step of the write that dies (1-based; a buffer write writes half of it first). */
  readonly step: number
}

export interface KillAtRequest {
  /** The k-th request of this life (or the k-th submit, with `submitsOnly`). */
  readonly k: number
  readonly submitsOnly: boolean
}

export interface StrategyStart {
  readonly type: 'start'
  readonly strategy: StrategyCase
  readonly mode: StrategyWriterMode
  /** Holds the lock, the run journals and the strategy's state directory. */
  readonly dir: string
  readonly account: string
  readonly venue: 'bybit' | 'alpaca'
  readonly positionMode: PositionMode
  readonly instruments: readonly Instrument[]
  readonly params: Record<string, unknown>
  readonly seed: number
  /** Session time at start (the parent's clock). */
  readonly origin: number
  readonly dieAtWrite?: KillAtWrite
  readonly dieAtRequest?: KillAtRequest
}

/** Parent → child, besides `start`. */
export type StrategyParentMessage =
  | {readonly type: 'step'; readonly t: number; readonly items: readonly StrategyStepItem[]; readonly probe?: boolean}
  | {readonly type: 'final'; readonly t: number}

export type StrategyStepItem = StepItem | {readonly k: 'feed'; readonly bar: FeedBar}

/** What the session believes, for the parent to compare with the venue's own record. */
export interface SessionView {
  /** The strategy's start-up reconciliation with the venue is done. */
  readonly ready: boolean
  /** Positions as the STRATEGY holds them, by `SYMBOL:long|short|net` (zero left out). */
  readonly positions: Record<string, number>
  /** The engine's order tracker's invariant violations. */
  readonly violations: readonly string[]
  /** Client order ids the strategy believes working (grid: live slots; momentum: records not final). */
  readonly working: readonly string[]
  /** Momentum: execution ids per client order id, of the records the store holds. */
  readonly execs?: Record<string, readonly string[]>
}

/** Child → parent, besides the IpcBroker's messages ('req' may carry `last`: the kill point). */
export type StrategyChildMessage =
  | ChildMessage
  | {readonly type: 'booted'; readonly next: number | null}
  | {readonly type: 'stepped'; readonly next: number | null; readonly view?: SessionView}
  | {readonly type: 'loaded-state'; readonly epoch: number; readonly grid?: GridStateRecord | null; readonly store?: StoreSnapshot; readonly error?: string}
  | {readonly type: 'writing'; readonly grid?: GridStateRecord}
  | {readonly type: 'committed-state'; readonly grid?: GridStateRecord; readonly change?: unknown}
  | {readonly type: 'final-view'; readonly view: SessionView}

function send(m: StrategyChildMessage): void {
  process.send!(m)
}

function die(): never {
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}

// ---------------------------------------------------------------- kill inside the product's own writes

/**
 * A trap on the file-system calls the product's writers make (writeFileAtomic, JournalFile.append): armed for one
 * state write, it kills the process at the `step`-th call — a buffer write writes half of its bytes first (a torn
 * record), an fsync or a rename dies before it happens. Disarmed, it only passes calls through.
 */
let trap: {step: number; calls: number} | undefined
function installFsTrap(): void {
  const real = fs as unknown as Record<string, (...a: unknown[]) => unknown>
  for (const name of ['writeSync', 'fsyncSync', 'renameSync']) {
    const orig = real[name].bind(fs)
    real[name] = (...a: unknown[]): unknown => {
      if (trap && ++trap.calls === trap.step) {
        if (name === 'writeSync') {
          const buf = a[1]
          if (typeof buf === 'string') orig(a[0], buf.slice(0, Math.max(1, buf.length >> 1)))
          else {
            const off = typeof a[2] === 'number' ? a[2] : 0
            const len = typeof a[3] === 'number' ? a[3] : (buf as Uint8Array).length - off
            orig(a[0], buf, off, Math.max(1, len >> 1), a[4])
          }
        }
        die()
      }
      return orig(...a)
    }
  }
  syncBuiltinESMExports()
}

/** Arms the trap for the write about to happen, kills before it, or after it (at the end of the current job). */
function killAt(plan: KillAtWrite): void {
  if (plan.how === 'before') die()
  if (plan.how === 'torn') trap = {step: plan.step, calls: 0}
  else queueMicrotask(die)
}

// ---------------------------------------------------------------- the venue over the IPC channel

class IpcLiveVenue implements LiveVenue {
  private barHandler: ((bar: FeedBar) => void) | undefined

  constructor(private readonly b: IpcBroker, readonly venue: string, readonly positionMode: PositionMode, private readonly origin: number) {}

  instrument(symbol: string): Instrument {
    return this.b.instrument(symbol)
  }
  async connect(): Promise<void> {}
  async venueTime(): Promise<number> {
    return this.origin
  }
  async close(): Promise<void> {}
  async subscribeBars(_symbols: readonly string[], _tfMs: number, handler: (bar: FeedBar) => void): Promise<Unsubscribe> {
    this.barHandler = handler
    return () => void (this.barHandler = undefined)
  }
  /** A closed bar from the parent (the venue has already matched its orders on it). */
  feed(bar: FeedBar): void {
    this.barHandler?.(bar)
  }
  submitOrder(req: OrderRequest) {
    return this.b.submitOrder(req)
  }
  cancelOrder(ref: OrderRef) {
    return this.b.cancelOrder(ref)
  }
  amendOrder(ref: OrderRef, changes: AmendRequest) {
    return this.b.amendOrder(ref, changes)
  }
  getOrder(ref: OrderRef) {
    return this.b.getOrder(ref)
  }
  openOrders(symbol?: string) {
    return this.b.openOrders(symbol)
  }
  positions() {
    return this.b.positions()
  }
  account() {
    return this.b.account()
  }
  executionsSince(since: number) {
    return this.b.executionsSince(since)
  }
  subscribe(handler: BrokerEventHandler): Unsubscribe {
    return this.b.subscribe(handler)
  }
}

/** The session's wire: the venue adapter here talks to the IpcBroker directly, so nothing travels on it. */
const NO_WIRE: VenueTransport = {
  venue: 'ipc',
  request: () => Promise.reject(new Error('the crash child has no wire transport')),
  subscribe: async () => {},
  onFrame: () => () => {},
  onConnection: () => () => {},
  close: async () => {},
}

// ---------------------------------------------------------------- the strategies and their writers

/** The grid's durable sink (GridStateFile), with the kill points around the product's write. */
function gridSink(dir: string, mode: StrategyWriterMode, plan: KillAtWrite | undefined): StateSink {
  const file = new GridStateFile(dir)
  let writes = 0
  const naive = (rec: GridStateRecord): void => {
    // The old bot's save: truncate the file, then write it; no temp file, no fsync.
    mkdirSync(dir, {recursive: true, mode: 0o700})
    const fd = fs.openSync(file.path, 'w', 0o600)
    try {
      fs.writeSync(fd, JSON.stringify(rec))
    } finally {
      fs.closeSync(fd)
    }
  }
  return {
    write(rec: GridStateRecord): void {
      send({type: 'writing', grid: rec})
      // The old bot's save has one file-system step (the write): a torn kill tears it.
      if (plan && ++writes === plan.n) killAt(mode === 'naive-truncate' ? {...plan, step: 1} : plan)
      if (mode === 'naive-truncate') naive(rec)
      else file.write(rec)
      trap = undefined
      send({type: 'committed-state', grid: rec})
    },
  }
}

/**
 * The naive momentum: the real pipeline on a store whose changes reach the disk (DurableState's own journal format,
 * so the same loader recovers it) only after the current job, when the order's request has already left.
 */
class LateIntentMomentum extends Momentum {
  private lateStore: StateStore | undefined

  constructor(private readonly params: MomentumParams & {stateDir: string}, private readonly onAppend: (r: JournalRecord) => void, private readonly onCommitted: (r: JournalRecord) => void) {
    super(params)
  }

  override start(ctx: StrategyContext): void {
    const recovered = DurableState.open(this.params.stateDir, PIPELINE_NAMESPACES, {clock: ctx.clock, snapshotEvery: 0})
    const snap = recovered.store.snapshot()
    const resumed = recovered.recovery.resumed
    recovered.close()
    const file = new JournalFile(join(this.params.stateDir, JOURNAL_FILE))
    const journal = {
      append: (r: JournalRecord): void => {
        queueMicrotask(() => {
          this.onAppend(r)
          file.append(r)
          trap = undefined
          this.onCommitted(r)
        })
      },
    }
    const store = StateStore.restore(snap, PIPELINE_NAMESPACES, {clock: ctx.clock, journal})
    this.lateStore = store
    this.pipeline = new Pipeline({config: this.params, ctx, store, strategy: 'momentum', resumed})
    this.pipeline.start()
  }

  get lateState(): StateStore | undefined {
    return this.lateStore
  }
}

/** Loads the momentum state the way a restart does, on a copy (the loader cuts a torn tail). */
function loadMomentumState(dir: string): StoreSnapshot {
  const copy = mkdtempSync(join(tmpdir(), 'strategy-crash-load-'))
  try {
    if (existsSync(dir)) cpSync(dir, copy, {recursive: true})
    const d = DurableState.open(copy, PIPELINE_NAMESPACES, {clock: new VirtualClock(0), snapshotEvery: 0})
    try {
      return d.store.snapshot()
    } finally {
      d.close()
    }
  } finally {
    rmSync(copy, {recursive: true, force: true})
  }
}

// ---------------------------------------------------------------- the session

async function main(start: StrategyStart): Promise<void> {
  installFsTrap()
  mkdirSync(start.dir, {recursive: true, mode: 0o700})
  const stateDir = join(start.dir, 'strategy-state')
  const journalDir = join(start.dir, 'journals')
  mkdirSync(journalDir, {recursive: true, mode: 0o700})
  const lock = acquireLock(start.dir, start.account, new Date(0))
  const epoch = lock.info.epoch

  // The request kill point: the k-th request leaves marked `last`, and nothing after it runs here.
  let requests = 0
  let submits = 0
  const toParent = (m: ChildMessage): void => {
    const plan = start.dieAtRequest
    if (m.type === 'req' && plan) {
      requests++
      if (m.op === 'submitOrder') submits++
      if ((plan.submitsOnly ? m.op === 'submitOrder' && submits === plan.k : requests === plan.k)) {
        process.send!({...m, last: true})
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5_000)
        die()
      }
    }
    send(m)
  }
  const broker = new IpcBroker(toParent, start.instruments)
  const venue = new IpcLiveVenue(broker, start.venue, start.positionMode, start.origin)

  // The state as a restart finds it: loaded before the strategy touches it.
  let strategyObj: GridStrategy | Momentum
  let storeOf: () => StateStore | undefined
  if (start.strategy === 'grid') {
    let loaded: GridStateRecord | undefined
    try {
      loaded = new GridStateFile(stateDir).read()
      send({type: 'loaded-state', epoch, grid: loaded ?? null})
    } catch (err) {
      send({type: 'loaded-state', epoch, error: String((err as Error).message)})
      if (start.mode !== 'naive-truncate') throw err
      rmSync(join(stateDir, GRID_STATE_FILE), {force: true}) // the old bot: an unreadable file means starting flat
    }
    const params = GridParamsSchema.parse({...start.params, stateDir})
    strategyObj = new GridStrategy(params, {sink: gridSink(stateDir, start.mode, start.dieAtWrite), trace: !!process.env.STRATEGY_CRASH_TRACE})
    storeOf = () => undefined
  } else {
    send({type: 'loaded-state', epoch, store: loadMomentumState(stateDir)})
    const params = MomentumParams.parse({...start.params, stateDir}) as MomentumParams & {stateDir: string}
    let writes = 0
    const before = (): void => {
      if (start.dieAtWrite && ++writes === start.dieAtWrite.n) killAt(start.dieAtWrite)
    }
    const committed = (r: {data: unknown}): void => {
      trap = undefined
      send({type: 'committed-state', change: r.data})
    }
    if (start.mode === 'naive-late-intent') {
      const m = new LateIntentMomentum(params, before, committed)
      strategyObj = m
      storeOf = () => m.lateState
    } else {
      const m = new Momentum(params, undefined, {beforeAppend: before, onCommit: committed})
      strategyObj = m
      storeOf = () => m.state
    }
  }
  const strategy = strategyObj

  // The run journal, as `trader paper` keeps it (intents fsync'd before their request), one file per life; and a
  // watcher for the strategy's own "reconciled with the venue" record.
  let ready = false
  const watcher = {
    append(r: JournalRecord): void {
      if (r.type === 'grid_restored' && (r.data as {reason?: string}).reason === 'start') ready = true
      if (r.type === 'reconciled' && (r.data as {kind?: string}).kind === 'startup') ready = true
    },
  }
  const journalFile = new JournalFile(join(journalDir, `${start.account}-epoch-${String(epoch).padStart(4, '0')}.journal`))
  const journal = new Journal({sinks: [journalFile, watcher]})
  const loop = new EventLoop(start.origin)
  const header: LiveSessionHeader = {
    format: 1, mode: 'paper', venue: start.venue, account: start.account, strategy: start.strategy, params: start.params,
    symbols: start.instruments.map((i) => i.symbol), timeframe: '1m', seed: start.seed, epoch, risk: null, origin: start.origin, scale: 1,
  }
  let handle: LiveSessionHandle | undefined
  runLiveSession({
    header, loop, journal, transport: NO_WIRE, makeVenue: () => venue, strategy,
    onReady: (h) => (handle = h),
  }).catch((err: unknown) => {
    console.error(err)
    process.exit(3)
  })

  const view = (): SessionView => {
    const positions: Record<string, number> = {}
    const working: string[] = []
    let execs: Record<string, string[]> | undefined
    if (strategy instanceof GridStrategy) {
      for (const inst of start.instruments) {
        for (const side of ['long', 'short'] as const) {
          const size = strategy.legOf(inst.symbol, side)?.size ?? 0
          if (size !== 0) positions[`${inst.symbol}:${side}`] = size
        }
      }
      for (const s of strategy.liveSlots()) if (s.status !== 'checking') working.push(s.cid)
    } else {
      for (const [sym, qty] of Object.entries(strategy.positions())) if (qty !== 0) positions[`${sym}:net`] = qty
      const store = storeOf()
      execs = {}
      for (const r of store?.values(NS.orders) ?? []) {
        execs[r.clientOrderId] = Object.keys(r.execs)
        if (!['filled', 'canceled', 'rejected', 'expired', 'lost'].includes(r.status)) working.push(r.clientOrderId)
      }
    }
    const violations = (handle?.wiring.view.orders.violations ?? []).map((v) => `${v.rule}: ${v.detail}`)
    return {ready, positions, violations, working: working.sort(), ...(execs ? {execs} : {})}
  }

  // STRATEGY_CRASH_TRACE: the grid's decision notes, one file per life in the run directory.
  let noted = 0
  const debug = process.env.STRATEGY_CRASH_TRACE && strategy instanceof GridStrategy
    ? (): void => {
      const notes = strategy.noted
      for (; noted < notes.length; noted++) fs.appendFileSync(join(start.dir, `trace-${epoch}.log`), `${JSON.stringify(notes[noted])}\n`)
    }
    : undefined
  const nextTimer = (): number | null => (loop.pending > 0 ? loop.nextTime : null)

  /** Delivers the items at `t`, one task each, in order, ahead of the timers due then (LiveDriver's inbound order). */
  const deliver = (t: number, items: readonly StrategyStepItem[]): void => {
    let i = 0
    const next = (): void => {
      if (i >= items.length) return
      const item = items[i++]
      loop.scheduleFirst(t, () => {
        if (item.k === 'feed') venue.feed(item.bar)
        else broker.deliver(item)
        loop.markAsync()
        next()
      })
    }
    next()
  }

  let chain = Promise.resolve()
  process.on('message', (m: StrategyParentMessage) => {
    chain = chain.then(async () => {
      if (m.type === 'step') {
        if (m.t > loop.clock.now()) loop.clock.advanceTo(m.t)
        deliver(m.t, m.items)
        await loop.runUntil(m.t)
        await new Promise((r) => setImmediate(r))
        if (debug) debug()
        send({type: 'stepped', next: nextTimer(), ...(m.probe ? {view: view()} : {})})
      } else if (m.type === 'final') {
        send({type: 'final-view', view: view()})
      }
    })
  })
  // Boot is an instant too: the start-up requests leave before the ack.
  await new Promise((r) => setImmediate(r))
  send({type: 'booted', next: nextTimer()})
}

process.once('message', (m: StrategyStart) => {
  if (m.type !== 'start') return
  main(m).catch((err: unknown) => {
    console.error(err)
    process.exit(2)
  })
})
