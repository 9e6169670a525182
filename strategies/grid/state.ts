/**
 * The grid's persisted state (GRID-02): the whole model taken as ONE record in one synchronous step, so no update
 * can land between taking it and handing it to the writer, and written in the order taken, one at a time, so a
 * slow write can never land after a newer one. A record equal to the last one written (its time aside) is not
 * written at all. Records go into the run journal ('grid_state': a checkpoint every N records and the changes in
 * between, `state-delta.ts`), or with `stateDir` into one file replaced atomically (`GridStateFile`: temp file,
 * fsync, rename). A restart reads the last record back with zod.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {z} from 'zod'
import {writeFileAtomic} from '../../src/state/atomic-file.js'
import {ConfigError} from '../../src/core/errors.js'
import {sameState} from './state-diff.js'

const SlotRecord = z.object({
  cid: z.string(),
  level: z.number().int(),
  qty: z.number(),
  price: z.number(),
  placedAtMarket: z.number(),
  cycle: z.number().int(),
})

const LegRecord = z.object({
  side: z.enum(['long', 'short']),
  size: z.number().min(0),
  avg: z.number().min(0),
  level: z.number().int(),
  lastEntryPrice: z.number(),
  wantOpen: z.boolean(),
  opening: SlotRecord.nullable(),
  tp: SlotRecord.nullable(),
  entry: SlotRecord.nullable(),
})

export const GridStateSchema = z.object({
  v: z.literal(1),
  /** Engine time the record was taken. */
  t: z.number(),
  /** Next grid order number: ids are never reused across a restart. */
  nextOrderNo: z.number().int().min(1),
  emergency: z.object({
    active: z.boolean(),
    reason: z.string().nullable(),
    since: z.number().nullable(),
    stops: z.array(z.number()),
    disconnects: z.array(z.number()),
    failedTpInRow: z.number().int().min(0),
    baselineEquity: z.number().nullable(),
  }),
  grids: z.array(
    z.object({
      symbol: z.string(),
      phase: z.enum(['idle', 'running', 'cycling']),
      cycle: z.number().int().min(0),
      /** null: the level's reference quantity is not set. */
      refs: z.array(z.number().nullable()),
      legs: z.tuple([LegRecord, LegRecord]),
    }),
  ),
})

export type GridStateRecord = z.infer<typeof GridStateSchema>
export const GRID_STATE_RECORD = 'grid_state'

export class GridStateError extends ConfigError {
  override readonly name = 'GridStateError'
}

/** Where state records go: the run journal (`JournalStateSink`), the state file (`GridStateFile`), or a test's store. */
export interface StateSink {
  write(record: GridStateRecord): void | Promise<void>
}

/**
 * Writes records in the order they were taken, one at a time, skipping a record that equals the last one written
 * (its time aside): the state did not change. A sink that fails leaves the previous complete record as the latest
 * (never a partial one); the next save writes the whole current state again.
 */
export class StateWriter {
  private readonly queue: GridStateRecord[] = []
  private writing = false
  /** Records offered, records the sink accepted, writes that failed, and records not written as unchanged. */
  offered = 0
  writes = 0
  failures = 0
  unchanged = 0
  /** The newest record the sink has accepted. */
  lastWritten: GridStateRecord | undefined

  constructor(private readonly sink: StateSink, private readonly onError: (err: unknown) => void) {}

  save(record: GridStateRecord): void {
    this.offered++
    this.queue.push(record)
    if (!this.writing) this.pump()
  }

  private pump(): void {
    this.writing = true
    while (this.queue.length > 0) {
      // Only the newest waiting record matters: every record is the whole state.
      const record = this.queue.splice(0, this.queue.length).pop()!
      if (this.lastWritten !== undefined && sameState(this.lastWritten, record)) {
        this.unchanged++
        continue
      }
      let r: void | Promise<void>
      try {
        r = this.sink.write(record)
      } catch (err) {
        this.failed(err)
        continue
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        ;(r as Promise<void>).then(
          () => {
            this.done(record)
            this.pump()
          },
          (err: unknown) => {
            this.failed(err)
            this.pump()
          },
        )
        return
      }
      this.done(record)
    }
    this.writing = false
  }

  private done(record: GridStateRecord): void {
    this.writes++
    this.lastWritten = record
  }

  private failed(err: unknown): void {
    this.failures++
    this.onError(err)
  }
}

export const GRID_STATE_FILE = 'grid.state.json'

/**
 * The durable sink: each record (the whole state, emergency flag included) replaces `grid.state.json` in `dir`
 * with the full atomic recipe (temp file, fsync, rename, fsync the directory), so a crash during a save leaves
 * the previous record or the new one, never a mix (GRID-02). Files 0600 in a 0700 directory.
 */
export class GridStateFile implements StateSink {
  readonly path: string

  constructor(readonly dir: string) {
    this.path = join(dir, GRID_STATE_FILE)
  }

  write(record: GridStateRecord): void {
    writeFileAtomic(this.path, JSON.stringify(record))
  }

  /** The last record written, parsed; undefined when there is none yet. */
  read(): GridStateRecord | undefined {
    if (!existsSync(this.path)) return undefined
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'))
    } catch (err) {
      throw new GridStateError(`grid state file ${this.path} is not valid JSON (${(err as Error).message}); it is written atomically, so it was changed by hand — restore it from a backup or delete it to start flat`)
    }
    const parsed = GridStateSchema.safeParse(raw)
    if (!parsed.success) throw new GridStateError(`grid state file ${this.path} is malformed (${parsed.error.issues[0]?.message ?? 'invalid'}); restore it from a backup or delete it to start flat`)
    return parsed.data
  }
}
