/**
 * The crash-test session, run as a CHILD process by the harness: a small signal trader on the real durable state
 * (DurableState + StateStore, order records of pipeline-state.ts), the start-up reconciliation and the instance
 * lock, trading through an IpcBroker against the venue that lives in the parent. Time is the parent's: each
 * message is one lock-step instant; the child acks once everything that instant caused has settled, so its
 * requests reach the venue at that instant and runs are deterministic per seed.
 *
 * `mode` selects the writer: 'durable' (the real one), or the two naive writers the crash test must catch:
 * 'naive-json' (the old bot: one JSON file, truncated then rewritten, no fsync) and 'naive-late-intent' (the order
 * is written down only after the venue answered, so the request leaves before its intent is on disk).
 */
import {appendFileSync, closeSync, mkdirSync, openSync, readFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {DuplicateClientOrderIdError, FinalError, RequestTimeoutError} from '../../src/broker/errors.js'
import type {OrderRequest} from '../../src/core/order.js'
import {VirtualClock} from '../../src/core/time/clock.js'
import type {JournalRecord} from '../../src/engine/journal.js'
import {DurableState} from '../../src/state/durable-store.js'
import {acquireLock} from '../../src/state/instance-lock.js'
import {frameRecord} from '../../src/state/journal-file.js'
import {NS, type OrderRecord} from '../../src/state/pipeline-state.js'
import {applyExecution, applyOrderSnapshot, isFinalRecord, reconcileAtStartup, recordedPositions} from '../../src/state/startup-reconcile.js'
import {type Namespace, StateStore, type StoreWriter} from '../../src/state/store.js'
import {type ChildMessage, IpcBroker, type StepItem} from './ipc-broker.js'

export type WriterMode = 'durable' | 'naive-json' | 'naive-late-intent'

export interface StartMessage {
  readonly type: 'start'
  readonly dir: string
  readonly mode: WriterMode
  /** The child SIGKILLs itself at this state write (1-based): before it, after it, or half-way through it. */
  readonly dieAtWrite?: {readonly n: number; readonly how: 'before' | 'after' | 'torn'}
  readonly tfMs: number
  readonly signalEvery: number
}

export const CRASH_NAMESPACES = [NS.orders, NS.processed, NS.flags] as readonly Namespace<unknown>[]
const SYMBOL = 'XYZ'

function send(m: ChildMessage): void {
  process.send!(m)
}

function die(): never {
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable')
}

/** The old bot's persistence: rewrite one JSON file on every change, truncating it first, no fsync. */
function openNaiveJson(dir: string, clock: VirtualClock, hook: (r: JournalRecord, path: string) => void): StateStore {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const path = join(dir, 'state.json')
  let store: StateStore | undefined
  const journal = {
    append: (r: JournalRecord): void => {
      const fd = openSync(path, 'w') // O_TRUNC: the old content is gone from here on
      hook(r, path)
      writeSync(fd, JSON.stringify(store!.snapshot()))
      closeSync(fd)
      send({type: 'committed', change: r.data})
    },
  }
  try {
    store = StateStore.restore(JSON.parse(readFileSync(path, 'utf8')), CRASH_NAMESPACES, {clock, journal})
  } catch {
    store = new StateStore({clock, journal}) // what the old bot did with an unreadable file: start empty
  }
  return store
}

async function main(start: StartMessage): Promise<void> {
  mkdirSync(start.dir, {recursive: true, mode: 0o700})
  const lock = acquireLock(start.dir, 'crash', new Date(0))
  const epoch = lock.info.epoch
  const clock = new VirtualClock(0)
  let writes = 0
  const hook = (r: JournalRecord, path: string): void => {
    if (!start.dieAtWrite || ++writes !== start.dieAtWrite.n) return
    if (start.dieAtWrite.how === 'before') die()
    if (start.dieAtWrite.how === 'torn') {
      const frame = start.mode === 'naive-json' ? '{"version":1,"seq":' : frameRecord(r)
      appendFileSync(path, frame.slice(0, Math.max(1, frame.length >> 1)))
      die()
    }
    queueMicrotask(die) // 'after': the record is written and fsync'd, nothing after it is
  }
  let store: StateStore
  if (start.mode === 'naive-json') {
    store = openNaiveJson(join(start.dir, 'state'), clock, hook)
  } else {
    const durable = DurableState.open(join(start.dir, 'state'), CRASH_NAMESPACES, {
      clock,
      snapshotEvery: 40,
      beforeAppend: hook,
      tee: {append: (r) => send({type: 'committed', change: r.data})},
    })
    store = durable.store
  }
  send({type: 'loaded', snapshot: store.snapshot()})
  const writer = store.acquireWriter('crash-session')
  const broker = new IpcBroker(send)
  const session = new Session(broker, store, writer, clock, epoch, start)
  broker.subscribe((e) => session.onEvent(e))

  let chain = Promise.resolve()
  process.on('message', (m: {type: string; t?: number; items?: StepItem[]}) => {
    chain = chain.then(async () => {
      if (m.type === 'step') {
        clock.advanceTo(m.t!)
        for (const item of m.items!) {
          if (item.k === 'bar') session.onBar(item.ts, item.close)
          else broker.deliver(item)
        }
        await new Promise((r) => setImmediate(r))
        send({type: 'ack'})
      } else if (m.type === 'final') {
        void session.finalCheck().then(() => send({type: 'final', snapshot: store.snapshot()}))
        await new Promise((r) => setImmediate(r))
        send({type: 'ack'})
      }
    })
  })
  // Boot is a lock-step instant too: the reconciliation's first requests leave before the ack.
  session.recover().catch((err: unknown) => {
    console.error(err)
    process.exit(3)
  })
  await new Promise((r) => setImmediate(r))
  send({type: 'ack'})
}

class Session {
  private ready = false
  private readonly canceling = new Set<string>()

  constructor(
    private readonly broker: IpcBroker,
    private readonly store: StateStore,
    private readonly writer: StoreWriter,
    private readonly clock: VirtualClock,
    private readonly epoch: number,
    private readonly cfg: StartMessage,
  ) {}

  /** Start-up: reconcile with the venue, re-send intents it never received (same id), only then trade. */
  async recover(): Promise<void> {
    const report = await reconcileAtStartup({broker: this.broker, store: this.store, writer: this.writer, now: () => this.clock.now(), unknownOrders: 'flag'})
    for (const cid of report.lost) {
      const rec = this.store.get(NS.orders, cid)!
      this.writer.set(NS.orders, cid, {...rec, status: 'intent'})
      void this.send(this.store.get(NS.orders, cid)!)
    }
    this.ready = true
    send({type: 'ready', report, snapshot: this.store.snapshot()})
  }

  onEvent(e: import('../../src/core/events.js').BrokerEvent): void {
    if (e.kind === 'execution') applyExecution(this.writer, this.store, e.fill, this.clock.now())
    else if (e.kind === 'order') applyOrderSnapshot(this.writer, this.store, e.order, this.clock.now())
  }

  onBar(ts: number, close: number): void {
    if (!this.ready) return // no decision before the reconciliation is done
    const now = this.clock.now()
    for (const r of this.store.values(NS.orders)) {
      if (!isFinalRecord(r.status) && r.status !== 'intent' && r.createdAt < now - 4 * this.cfg.tfMs && !this.canceling.has(r.clientOrderId)) {
        this.canceling.add(r.clientOrderId)
        this.broker.cancelOrder({clientOrderId: r.clientOrderId}).catch(() => this.canceling.delete(r.clientOrderId))
      }
    }
    const i = Math.round(ts / this.cfg.tfMs)
    if (i % this.cfg.signalEvery !== 0) return
    const sig = `b${i}`
    if (this.store.has(NS.processed, sig)) return
    const open = this.store.values(NS.orders).filter((r) => !isFinalRecord(r.status)).length
    if (open >= 3) return
    const held = recordedPositions(this.store).get(SYMBOL) ?? 0
    const side = held >= 2 && (i / this.cfg.signalEvery) % 2 === 1 ? 'sell' : 'buy'
    void close
    const rec: OrderRecord = {
      clientOrderId: `ct-${sig}-e${this.epoch}`,
      symbol: SYMBOL,
      side,
      qty: 1,
      purpose: side === 'buy' ? 'entry' : 'exit',
      sourceId: sig,
      reason: 'signal',
      status: 'intent',
      filledQty: 0,
      avgFillPrice: 0,
      execs: {},
      createdAt: now,
      updatedAt: now,
      remainder: 'cancel',
      timedOut: false,
      settled: false,
    }
    if (this.cfg.mode === 'naive-late-intent') {
      void this.send(rec, () => this.remember(sig, rec))
      return
    }
    this.remember(sig, rec) // fsync'd before the request below leaves
    void this.send(rec)
  }

  private remember(sig: string, rec: OrderRecord): void {
    this.writer.set(NS.processed, sig, {id: sig, symbol: rec.symbol, time: rec.createdAt, maxAgeMs: 0, outcome: 'ordered', at: this.clock.now()})
    if (!this.store.has(NS.orders, rec.clientOrderId)) this.writer.set(NS.orders, rec.clientOrderId, rec)
  }

  private requestOf(rec: OrderRecord): OrderRequest {
    return {clientOrderId: rec.clientOrderId, symbol: rec.symbol, side: rec.side, type: 'market', qty: rec.qty, tif: 'gtc'}
  }

  /** Sends the order; a lost answer is resolved by querying the client order id, never by a new order. */
  private async send(rec: OrderRecord, onAnswer?: () => void): Promise<void> {
    const cid = rec.clientOrderId
    try {
      const receipt = await this.broker.submitOrder(this.requestOf(rec))
      onAnswer?.()
      const cur = this.store.get(NS.orders, cid)
      if (cur && cur.status === 'intent') this.writer.set(NS.orders, cid, {...cur, status: 'accepted', venueOrderId: receipt.venueOrderId, updatedAt: this.clock.now()})
    } catch (err) {
      onAnswer?.()
      const cur = this.store.get(NS.orders, cid)
      if (!cur) return
      // A lost answer, or "duplicate id" for a re-sent intent the venue did get after all: ask for the order by id.
      if (err instanceof RequestTimeoutError || err instanceof DuplicateClientOrderIdError) {
        const snap = await this.broker.getOrder({clientOrderId: cid})
        if (snap) applyOrderSnapshot(this.writer, this.store, snap, this.clock.now())
        else this.writer.set(NS.orders, cid, {...this.store.get(NS.orders, cid)!, status: 'lost', updatedAt: this.clock.now()})
      } else if (err instanceof FinalError) {
        this.writer.set(NS.orders, cid, {...cur, status: 'rejected', updatedAt: this.clock.now()})
      } else {
        this.writer.set(NS.orders, cid, {...cur, status: 'lost', updatedAt: this.clock.now()})
      }
    }
  }

  /** End of the run: one more reconciliation, so the state can be compared with the venue exactly. */
  async finalCheck(): Promise<void> {
    await reconcileAtStartup({broker: this.broker, store: this.store, writer: this.writer, now: () => this.clock.now(), unknownOrders: 'flag'})
  }
}

process.once('message', (m: StartMessage) => {
  if (m.type !== 'start') return
  main(m).catch((err: unknown) => {
    console.error(err)
    process.exit(2)
  })
})
