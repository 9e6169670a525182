/**
 * The run journal: one record per request, answer, event and decision, in the order the engine saw them,
 * hashed as it grows. Two runs with the same inputs produce the same records and therefore the same hash.
 * (Durable, framed journal files come with the state layer; this is the in-process recording they persist.)
 */
import {createHash, type Hash} from 'node:crypto'
import {encodeRecord} from './journal-encoding.js'

export interface JournalRecord {
  /** Engine time when the record was made (receive time for inbound messages). */
  readonly t: number
  readonly type: string
  readonly data: unknown
}

export interface JournalSink {
  append(record: JournalRecord): void
}

export class Journal implements JournalSink {
  private readonly hash: Hash = createHash('sha256')
  private count = 0
  private readonly kept: JournalRecord[] | undefined

  /** `keep` retains the records in memory (tests, small runs); the hash is always kept. */
  constructor(opts: {keep?: boolean; sinks?: JournalSink[]} = {}) {
    this.kept = opts.keep ? [] : undefined
    this.sinks = opts.sinks ?? []
  }

  private readonly sinks: JournalSink[]
  private pending = ''

  private flushHash(): void {
    this.hash.update(this.pending)
    this.pending = ''
  }

  append(record: JournalRecord): void {
    // Lines are hashed in batches: one hash update per ~64 KB instead of one per record.
    this.pending += `${record.t}\t${record.type}\t${encodeRecord(record.type, record.data)}\n`
    if (this.pending.length > 65_536) this.flushHash()
    this.count++
    this.kept?.push(record)
    for (const s of this.sinks) s.append(record)
  }

  get size(): number {
    return this.count
  }

  get records(): readonly JournalRecord[] {
    return this.kept ?? []
  }

  /** Hex SHA-256 over every record so far (the hash object is copied, so the journal can keep growing). */
  digest(): string {
    this.flushHash()
    return this.hash.copy().digest('hex')
  }
}
