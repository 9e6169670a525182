/**
 * The state store on disk (DESIGN property 4). Every change of the single-writer `StateStore` is appended to a
 * CRC-framed journal and fsync'd before `set` returns — so whatever the caller does next (send the order whose
 * intent it just wrote) happens after the change is durable. Snapshots keep start-up fast: written with the full
 * atomic recipe, after which the journal restarts empty. Recovery = latest snapshot + the journal records after
 * its sequence number; a torn tail (a crash mid-append) is cut, while a bad record before the last one refuses to
 * open (JournalCorruptError, nothing truncated). Files 0600 in a 0700 directory.
 *
 * A crash between writing the snapshot and emptying the journal is harmless: records at or below the snapshot's
 * sequence number are skipped on replay.
 */
import {closeSync, existsSync, fsyncSync, openSync, readFileSync, ftruncateSync} from 'node:fs'
import {join} from 'node:path'
import type {Clock} from '../core/time/clock.js'
import type {JournalRecord, JournalSink} from '../engine/journal.js'
import {ensurePrivateDir, FILE_MODE, writeFileAtomic} from './atomic-file.js'
import {JournalFile, type JournalReadResult} from './journal-file.js'
import {type Namespace, SnapshotError, type StateChange, StateStore, STATE_RECORD, type StoreSnapshot} from './store.js'

export const SNAPSHOT_FILE = 'state.snapshot.json'
export const JOURNAL_FILE = 'state.journal'

export interface DurableStateOptions {
  readonly clock: Clock
  /** Also receives every change record after it is on disk (the run journal, a crash harness). */
  readonly tee?: JournalSink
  /** Take a snapshot after this many journal records (default 10 000); 0 never snapshots by itself. */
  readonly snapshotEvery?: number
  /** Test hook, called before each record is written (the crash harness kills the process here). */
  readonly beforeAppend?: (record: JournalRecord, journalPath: string) => void
}

export interface Recovery {
  /** Sequence number the snapshot held (0 without one). */
  readonly snapshotSeq: number
  /** Journal records applied on top of it. */
  readonly replayed: number
  readonly tornTail?: JournalReadResult['tornTail']
  /** True when there was any state on disk. */
  readonly resumed: boolean
}

export class DurableState {
  readonly store: StateStore
  readonly recovery: Recovery
  private journal: JournalFile
  private sinceSnapshot = 0
  private closed = false

  private constructor(
    readonly dir: string,
    namespaces: readonly Namespace<unknown>[],
    private readonly opts: DurableStateOptions,
  ) {
    ensurePrivateDir(dir)
    const snapPath = join(dir, SNAPSHOT_FILE)
    const snapshot = existsSync(snapPath) ? parseSnapshotFile(snapPath) : undefined
    this.journal = new JournalFile(join(dir, JOURNAL_FILE))
    const sink: JournalSink = {append: (r) => this.persist(r)}
    const storeOpts = {clock: opts.clock, journal: sink}
    this.store = snapshot ? StateStore.restore(snapshot, namespaces, storeOpts) : new StateStore(storeOpts)
    const known = new Set(namespaces.map((n) => n.name))
    let replayed = 0
    for (const r of this.journal.recovered.records) {
      if (r.type !== STATE_RECORD) continue
      const change = r.data as StateChange
      if (!known.has(change.ns)) throw new SnapshotError(`state journal ${this.journal.path}: unknown namespace '${change.ns}' at seq ${change.seq}; it was not written by this strategy`)
      if (change.seq <= this.store.seq) continue
      if (change.seq !== this.store.seq + 1) throw new SnapshotError(`state journal ${this.journal.path}: seq ${change.seq} follows ${this.store.seq}; a record is missing, restore the directory from a backup`)
      this.store.replay(change)
      replayed++
    }
    this.sinceSnapshot = this.journal.recovered.records.length
    this.recovery = {
      snapshotSeq: snapshot?.seq ?? 0,
      replayed,
      resumed: snapshot !== undefined || this.journal.recovered.records.length > 0,
      ...(this.journal.recovered.tornTail ? {tornTail: this.journal.recovered.tornTail} : {}),
    }
  }

  /** Opens (or creates) the state directory and recovers what it holds. */
  static open(dir: string, namespaces: readonly Namespace<unknown>[], opts: DurableStateOptions): DurableState {
    return new DurableState(dir, namespaces, opts)
  }

  get journalPath(): string {
    return this.journal.path
  }

  /** Writes a snapshot atomically, then empties the journal (everything in it is in the snapshot). */
  checkpoint(): void {
    writeFileAtomic(join(this.dir, SNAPSHOT_FILE), JSON.stringify(this.store.snapshot()))
    this.journal.close()
    const fd = openSync(join(this.dir, JOURNAL_FILE), 'r+', FILE_MODE)
    try {
      ftruncateSync(fd, 0)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.journal = new JournalFile(join(this.dir, JOURNAL_FILE))
    this.sinceSnapshot = 0
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.journal.close()
  }

  private persist(record: JournalRecord): void {
    if (this.closed) throw new SnapshotError(`state store in ${this.dir} is closed; a stopped session is still writing`)
    this.opts.beforeAppend?.(record, this.journal.path)
    this.journal.append(record) // 'state' records are fsync'd by the journal before append returns
    this.opts.tee?.append(record)
    const every = this.opts.snapshotEvery ?? 10_000
    if (every > 0 && ++this.sinceSnapshot >= every) this.checkpoint()
  }
}

function parseSnapshotFile(path: string): StoreSnapshot {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new SnapshotError(`state snapshot ${path} is not valid JSON (${(err as Error).message}); snapshots are written atomically, so the file was changed by hand — restore it from a backup`)
  }
  // The shape and every value are checked by StateStore.restore against the namespaces' schemas.
  return parsed as StoreSnapshot
}
