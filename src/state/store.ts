/**
 * The shared state store: keyed namespaces (cooldowns, processed signal ids, signals, positions, orders, closed
 * trades, ...) behind ONE writer. This replaces the old bot's JSON files that four processes read and wrote at
 * will (seed 001, bugs 1-4): here services read frozen values and change state only through the writer lease,
 * and every change becomes a `state` journal record, so a snapshot plus the records after it rebuild the state
 * exactly (what the durability layer persists). A restart fences the old writer: late writes from torn-down
 * services fail loudly instead of landing in a store nobody reads.
 */
import {z} from 'zod'
import type {Clock} from '../core/time/clock.js'
import type {JournalSink} from '../engine/journal.js'

/** A namespace: its name and the schema its values must satisfy when they come back from a snapshot. */
export interface Namespace<T> {
  readonly name: string
  readonly schema: z.ZodType<T>
}

export function namespace<T>(name: string, schema: z.ZodType<T>): Namespace<T> {
  return {name, schema}
}

/** The journal record type of every store change. */
export const STATE_RECORD = 'state'

export type StateChange =
  | {readonly seq: number; readonly ns: string; readonly key: string; readonly op: 'set'; readonly value: unknown}
  | {readonly seq: number; readonly ns: string; readonly key: string; readonly op: 'delete'}

export interface StoreSnapshot {
  readonly version: 1
  /** Sequence number of the last change the snapshot contains. */
  readonly seq: number
  readonly namespaces: Readonly<Record<string, Readonly<Record<string, unknown>>>>
}

const SnapshotShape = z
  .object({
    version: z.literal(1),
    seq: z.number().int().min(0),
    namespaces: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .strict()

/** A write through a writer whose lease has ended (a torn-down service still running). */
export class StoreFencedError extends Error {
  override readonly name = 'StoreFencedError'
}

/** A second writer asked for while one holds the lease. */
export class StoreWriterBusyError extends Error {
  override readonly name = 'StoreWriterBusyError'
}

/** A snapshot that does not have the store's shape, or a value that fails its namespace's schema. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError'
}

export interface StoreOptions {
  readonly clock: Clock
  /** Where each change is recorded (the run journal); none for a scratch store. */
  readonly journal?: JournalSink
}

export class StateStore {
  private readonly data = new Map<string, Map<string, unknown>>()
  private seqNo = 0
  private lease: StoreWriter | undefined

  constructor(private readonly opts: StoreOptions) {}

  /**
   * Rebuilds a store from a snapshot (in-process restart now, a file later). Every value of a known namespace is
   * parsed by its schema; a namespace the caller does not know is refused, so nothing unchecked gets in.
   */
  static restore(snapshot: unknown, namespaces: readonly Namespace<unknown>[], opts: StoreOptions): StateStore {
    const shape = SnapshotShape.safeParse(snapshot)
    if (!shape.success) {
      const i = shape.error.issues[0]
      throw new SnapshotError(`state snapshot is malformed at ${i.path.join('.') || '(root)'}: ${i.message}; it was not written by this version of trader`)
    }
    const known = new Map(namespaces.map((n) => [n.name, n]))
    const store = new StateStore(opts)
    for (const [name, values] of Object.entries(shape.data.namespaces)) {
      const ns = known.get(name)
      if (!ns) throw new SnapshotError(`state snapshot has an unknown namespace '${name}'; expected one of ${[...known.keys()].join(', ')}`)
      const map = new Map<string, unknown>()
      for (const [key, raw] of Object.entries(values)) {
        const parsed = ns.schema.safeParse(raw)
        if (!parsed.success) {
          const i = parsed.error.issues[0]
          throw new SnapshotError(`state snapshot ${name}/${key}: ${i.path.join('.') || '(value)'}: ${i.message}`)
        }
        map.set(key, deepFreeze(parsed.data))
      }
      store.data.set(name, map)
    }
    store.seqNo = shape.data.seq
    return store
  }

  /** Sequence number of the last change. */
  get seq(): number {
    return this.seqNo
  }

  get<T>(ns: Namespace<T>, key: string): T | undefined {
    return this.data.get(ns.name)?.get(key) as T | undefined
  }

  has(ns: Namespace<unknown>, key: string): boolean {
    return this.data.get(ns.name)?.has(key) ?? false
  }

  size(ns: Namespace<unknown>): number {
    return this.data.get(ns.name)?.size ?? 0
  }

  /** Values in the order their keys were first written (deterministic). The values are frozen. */
  values<T>(ns: Namespace<T>): T[] {
    const m = this.data.get(ns.name)
    return m ? ([...m.values()] as T[]) : []
  }

  entries<T>(ns: Namespace<T>): [string, T][] {
    const m = this.data.get(ns.name)
    return m ? ([...m.entries()] as [string, T][]) : []
  }

  /** Takes the single writer lease. Only one writer at a time; release it (or restart) to hand over. */
  acquireWriter(owner: string): StoreWriter {
    if (this.lease?.active) throw new StoreWriterBusyError(`state store: '${this.lease.owner}' holds the writer; '${owner}' must wait for it to stop`)
    this.lease = new StoreWriter(this, owner)
    return this.lease
  }

  /** A copy of everything, as plain data (the frozen values are shared, which is safe: they cannot change). */
  snapshot(): StoreSnapshot {
    const namespaces: Record<string, Record<string, unknown>> = {}
    for (const [name, m] of this.data) {
      if (m.size > 0) namespaces[name] = Object.fromEntries(m)
    }
    return {version: 1, seq: this.seqNo, namespaces}
  }

  /** Applies a recorded change (journal replay after a snapshot). Changes at or below the store's seq are skipped. */
  replay(change: StateChange): void {
    if (change.seq <= this.seqNo) return
    if (change.op === 'set') this.bucket(change.ns).set(change.key, deepFreeze(structuredClone(change.value)))
    else this.data.get(change.ns)?.delete(change.key)
    this.seqNo = change.seq
  }

  /** @internal used by the writer */
  commit(writer: StoreWriter, ns: string, key: string, op: 'set' | 'delete', value?: unknown): void {
    if (writer !== this.lease || !writer.active) {
      throw new StoreFencedError(`state store: write to ${ns}/${key} by '${writer.owner}' after its lease ended; a stopped service is still running`)
    }
    const seq = ++this.seqNo
    let change: StateChange
    if (op === 'set') {
      const frozen = deepFreeze(structuredClone(value))
      this.bucket(ns).set(key, frozen)
      change = {seq, ns, key, op, value: frozen}
    } else {
      this.data.get(ns)?.delete(key)
      change = {seq, ns, key, op}
    }
    this.opts.journal?.append({t: this.opts.clock.now(), type: STATE_RECORD, data: change})
  }

  private bucket(ns: string): Map<string, unknown> {
    let m = this.data.get(ns)
    if (!m) {
      m = new Map()
      this.data.set(ns, m)
    }
    return m
  }
}

/** The one way to change the store. Holds a lease that ends on `release()`; writes after that throw. */
export class StoreWriter {
  private live = true

  constructor(private readonly store: StateStore, readonly owner: string) {}

  get active(): boolean {
    return this.live
  }

  set<T>(ns: Namespace<T>, key: string, value: T): void {
    this.store.commit(this, ns.name, key, 'set', value)
  }

  /** Adds a value under a fresh key that sorts after every key this store has handed out (an inbox). */
  append<T>(ns: Namespace<T>, value: T): string {
    // The key is the sequence number this write will get: unique, and ordered like the writes.
    const key = String(this.store.seq + 1).padStart(12, '0')
    this.set(ns, key, value)
    return key
  }

  /** Sets the value `fn` makes from the current one (undefined when absent); returns the new value. */
  update<T>(ns: Namespace<T>, key: string, fn: (current: T | undefined) => T): T {
    const next = fn(this.store.get(ns, key))
    this.set(ns, key, next)
    return this.store.get(ns, key)!
  }

  delete(ns: Namespace<unknown>, key: string): boolean {
    if (!this.store.has(ns, key)) return false
    this.store.commit(this, ns.name, key, 'delete')
    return true
  }

  /** Ends the lease: a restart or a stop hands the store to the next writer. */
  release(): void {
    this.live = false
  }
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k])
  }
  return v
}
