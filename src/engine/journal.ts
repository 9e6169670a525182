/**
 * The run journal: one record per request, answer, event and decision, in the order the engine saw them,
 * hashed as it grows. Two runs with the same inputs produce the same records and therefore the same hash.
 * (Durable, framed journal files come with the state layer; this is the in-process recording they persist.)
 */
import {createHash, type Hash} from 'node:crypto'
import {encodeRecord, LineWriter} from './journal-encoding.js'

export interface JournalRecord {
  /** Engine time when the record was made (receive time for inbound messages). */
  readonly t: number
  readonly type: string
  readonly data: unknown
}

export interface JournalSink {
  append(record: JournalRecord): void
}

/** The canonical line of a record (without its newline): what the journal hash is taken over, one per record. */
export function lineOf(r: JournalRecord): string {
  return `${r.t}\t${r.type}\t${encodeRecord(r.type, r.data)}`
}

/** What a journal is hashed with: every record's line, in order, each followed by a newline. */
export interface JournalHash {
  update(record: JournalRecord): void
  /** Called once the journal's sinks have seen the record last given to `update`. */
  afterSinks?(): void
  /** Hex digest of the records so far; more may follow. */
  digest(): string
}

/** SHA-256 over the records' lines, written as bytes into a buffer and hashed a buffer at a time. */
export class JournalSha256 implements JournalHash {
  private readonly writer: LineWriter

  /** `from`: a hash state to go on from (a copy of another journal's). */
  constructor(private readonly hash: Hash = createHash('sha256')) {
    this.writer = new LineWriter((bytes) => this.hash.update(bytes))
  }

  update(record: JournalRecord): void {
    this.writer.record(record.t, record.type, record.data)
  }

  digest(): string {
    this.writer.flush()
    return this.hash.copy().digest('hex')
  }

  /** An independent hash that has seen the same records. */
  clone(): JournalSha256 {
    this.writer.flush()
    return new JournalSha256(this.hash.copy())
  }
}

export class Journal implements JournalSink {
  private readonly hash: JournalHash
  private count = 0
  private readonly kept: JournalRecord[] | undefined
  private readonly sinks: JournalSink[]

  /** `keep` retains the records in memory (tests, small runs); the hash is always kept (`hash`: by whom). */
  constructor(opts: {keep?: boolean; sinks?: JournalSink[]; hash?: JournalHash} = {}) {
    this.kept = opts.keep ? [] : undefined
    this.sinks = opts.sinks ?? []
    this.hash = opts.hash ?? new JournalSha256()
  }

  append(record: JournalRecord): void {
    this.count++
    this.kept?.push(record)
    this.hash.update(record)
    for (const s of this.sinks) s.append(record)
    // A replay's matcher (a sink) has now told its paired hash which recorded record this one equals.
    this.hash.afterSinks?.()
  }

  get size(): number {
    return this.count
  }

  get records(): readonly JournalRecord[] {
    return this.kept ?? []
  }

  /** Hex SHA-256 over every record so far (the journal can keep growing). */
  digest(): string {
    return this.hash.digest()
  }
}
