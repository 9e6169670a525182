/**
 * The two journal hashes of a replay — the recording's and the replay's — over two streams of records that are
 * equal when the replay is faithful. While they agree record for record, each record is encoded and hashed once
 * for both: the replayed journal gives each record, then its matcher gives the recorded side the replayed record
 * itself when the recorded one encodes the same, and an identity check pairs the two. A replayed record not paired
 * by the time the journal's sinks are done, or any record that differs, forks the hash: the state is copied and
 * each stream goes on alone. Either digest is exactly what `JournalSha256` gives over its own records.
 */
import {type JournalHash, type JournalRecord, JournalSha256} from './journal.js'

/** Records one side may give ahead of the other before the two are hashed apart. */
const MAX_WAITING = 4_096

class Side implements JournalHash {
  /** Given while shared, not yet paired with the other side's record. */
  waiting: JournalRecord[] = []
  head = 0
  own: JournalSha256 | undefined
  other!: Side

  constructor(private readonly pair: PairedJournalHash) {}

  update(record: JournalRecord): void {
    if (this.own) this.own.update(record)
    else this.pair.offer(this, record)
  }

  afterSinks(): void {
    this.pair.settle(this)
  }

  digest(): string {
    return this.pair.digestOf(this)
  }

  get pending(): number {
    return this.waiting.length - this.head
  }

  take(): void {
    if (++this.head === this.waiting.length) {
      this.waiting = []
      this.head = 0
    }
  }
}

export class PairedJournalHash {
  /** The recording's records (given by the journal matcher as its cursor passes them). */
  readonly recorded: JournalHash
  /** The replay's records (the replayed journal's hash). */
  readonly replayed: JournalHash
  private common: JournalSha256 | undefined = new JournalSha256()
  private readonly a: Side
  private readonly b: Side

  constructor() {
    this.a = new Side(this)
    this.b = new Side(this)
    this.a.other = this.b
    this.b.other = this.a
    this.recorded = this.a
    this.replayed = this.b
  }

  /** True while both hashes are one (the two streams agreed on every record so far). */
  get isShared(): boolean {
    return this.common !== undefined
  }

  /** @internal A record given by `s` while shared: hashed once for both when it is the one the other side waits with. */
  offer(s: Side, record: JournalRecord): void {
    const o = s.other
    if (o.pending > 0) {
      if (o.waiting[o.head] === record) {
        o.take()
        this.common!.update(record)
        return
      }
    } else if (s.pending < MAX_WAITING) {
      s.waiting.push(record)
      return
    }
    this.fork()
    s.own!.update(record)
  }

  /**
   * @internal The journal's sinks are done with the replayed record: if the recorded side did not pair it, the
   * streams differ — it is hashed now, while it is as it was appended.
   */
  settle(s: Side): void {
    if (this.common && s === this.b && s.pending > 0) this.fork()
  }

  /** @internal */
  digestOf(s: Side): string {
    if (this.common && this.a.pending === 0 && this.b.pending === 0) return this.common.digest()
    if (this.common) this.fork()
    return s.own!.digest()
  }

  /** The streams differ: the common part is copied to both, and each goes on with what it gave alone. */
  private fork(): void {
    const common = this.common!
    this.common = undefined
    this.b.own = common.clone()
    this.a.own = common
    for (const s of [this.a, this.b]) {
      for (let i = s.head; i < s.waiting.length; i++) s.own!.update(s.waiting[i])
      s.waiting = []
      s.head = 0
    }
  }
}
