/**
 * The grid's compact state stream in the run journal: a full checkpoint every N records and, between them, only
 * what changed against the previous record. A month of one symbol changes state a few thousand times, while the
 * whole state taken after every input made 5 records per bar (77 % of the journal).
 *
 * Each record carries a sequence number; a change record names the checkpoint its chain started from (`base`, its
 * seq, and `bt`, its time). A reader applies changes only in order onto that chain: a missing, repeated or
 * reordered record is an error naming the record, never a silently different state.
 */
import {z} from 'zod'
import type {JournalRecord} from '../../src/engine/journal.js'
import {diffState, isObject, type Op} from './state-diff.js'
import {GRID_STATE_RECORD, GridStateError, type GridStateRecord, GridStateSchema, type StateSink} from './state.js'

/** Default N: a checkpoint, then at most N − 1 change records. */
export const DEFAULT_CHECKPOINT_EVERY = 100

const CheckpointEntry = z.object({v: z.literal(2), k: z.literal('c'), seq: z.number().int().min(1), state: GridStateSchema}).strict()
const DeltaEntry = z
  .object({
    v: z.literal(2),
    k: z.literal('d'),
    seq: z.number().int().min(2),
    /** Seq and time of the checkpoint this chain started from. */
    base: z.number().int().min(1),
    bt: z.number(),
    t: z.number(),
    ops: z.array(z.tuple([z.string().min(1), z.unknown()])).min(1),
  })
  .strict()
/** A 'grid_state' journal record: a checkpoint, a change record, or a whole record of the first format (v 1). */
export const GridStateEntrySchema = z.union([CheckpointEntry, DeltaEntry, GridStateSchema])
export type GridStateEntry = z.infer<typeof GridStateEntrySchema>

/** `base` with the changes applied (a copy; `base` is left alone), or an error naming what does not fit. */
function applyOps(base: GridStateRecord, ops: readonly Op[], t: number): unknown {
  const out = structuredClone(base) as unknown as Record<string, unknown>
  for (const [path, value] of ops) {
    const keys = path.split('.')
    let node: unknown = out
    for (let i = 0; i < keys.length - 1; i++) node = child(node, keys[i])
    const last = keys[keys.length - 1]
    // Only values the record already has (own keys, indices in range): a path never reaches a prototype.
    if (child(node, last) === undefined) throw new Error(`path ${path} is not in the record`)
    ;(node as Record<string, unknown>)[last] = structuredClone(value)
  }
  out.t = t
  return out
}

function child(node: unknown, key: string): unknown {
  if (Array.isArray(node)) {
    const i = Number(key)
    if (!Number.isInteger(i) || i < 0 || i >= node.length) return undefined
    return node[i] as unknown
  }
  return isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined
}

/**
 * The journal sink: writes a checkpoint first and then every `checkpointEvery` records, change records between.
 * The writer hands it only records that differ from the last one written (`StateWriter`), so every change record
 * holds at least one change. One instance per strategy instance: a restarted grid starts its own chain.
 */
export class JournalStateSink implements StateSink {
  private last: GridStateRecord | undefined
  private seq = 0
  private base = 0
  private baseT = 0
  private inChain = 0

  constructor(private readonly record: (data: GridStateEntry) => void, private readonly checkpointEvery = DEFAULT_CHECKPOINT_EVERY) {}

  write(r: GridStateRecord): void {
    const seq = ++this.seq
    const ops = this.last !== undefined && this.inChain < this.checkpointEvery ? diffState(this.last, r) : undefined
    // A failed write may or may not have reached the journal: the next record is a checkpoint either way.
    this.last = undefined
    if (ops !== undefined && ops.length > 0) {
      this.record({v: 2, k: 'd', seq, base: this.base, bt: this.baseT, t: r.t, ops})
      this.inChain++
    } else {
      this.record({v: 2, k: 'c', seq, state: r})
      this.base = seq
      this.baseT = r.t
      this.inChain = 1
    }
    this.last = r
  }
}

/**
 * Rebuilds the states of a 'grid_state' stream in order: `push` each record's data, `state` is the latest. A
 * change record must follow the previous record of its chain (seq + 1, same checkpoint); anything else throws.
 */
export class GridStateReader {
  private current: GridStateRecord | undefined
  private seq = 0
  private base = 0
  private baseT = 0

  get state(): GridStateRecord | undefined {
    return this.current
  }

  push(data: unknown, where: string): GridStateRecord {
    const parsed = GridStateEntrySchema.safeParse(data)
    if (!parsed.success) throw new GridStateError(`grid state record ${where} is malformed (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it or restore an older journal`)
    const e = parsed.data
    if (!('k' in e)) return this.reset(e, 0)
    if (e.k === 'c') {
      this.reset(e.state, e.seq)
      this.base = e.seq
      this.baseT = e.state.t
      return e.state
    }
    if (this.current === undefined || e.base !== this.base || e.bt !== this.baseT || e.seq !== this.seq + 1) {
      const expected = this.current === undefined ? 'a checkpoint first' : `seq ${this.seq + 1} of the chain from checkpoint ${this.base}`
      throw new GridStateError(`grid state record ${where} is change ${e.seq} of the chain from checkpoint ${e.base}, but ${expected} was due: a state record is missing or out of order; restore the journal, or start from the state file or flat`)
    }
    let next: unknown
    try {
      next = applyOps(this.current, e.ops as Op[], e.t)
    } catch (err) {
      throw new GridStateError(`grid state record ${where} (change ${e.seq}) does not fit the state it follows (${(err as Error).message}); restore the journal, or start from the state file or flat`)
    }
    const checked = GridStateSchema.safeParse(next)
    if (!checked.success) throw new GridStateError(`grid state record ${where} (change ${e.seq}) makes a malformed state (${checked.error.issues[0]?.message ?? 'invalid'}); restore the journal, or start from the state file or flat`)
    this.current = checked.data
    this.seq = e.seq
    return checked.data
  }

  private reset(state: GridStateRecord, seq: number): GridStateRecord {
    this.current = state
    this.seq = seq
    this.base = seq
    this.baseT = state.t
    return state
  }
}

/** Every grid state of a journal's records, rebuilt in order, with the record each came from. */
export function gridStates(records: readonly JournalRecord[]): {t: number; state: GridStateRecord}[] {
  const reader = new GridStateReader()
  const out: {t: number; state: GridStateRecord}[] = []
  records.forEach((r, i) => {
    if (r.type === GRID_STATE_RECORD) out.push({t: r.t, state: reader.push(r.data, `#${i} at t=${r.t}`)})
  })
  return out
}

/**
 * The last grid state in a journal's records; undefined when there is none. Reads from the last checkpoint (or
 * whole record) on, so it costs at most one chain.
 */
export function lastGridState(records: readonly JournalRecord[]): GridStateRecord | undefined {
  let from = -1
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i].type !== GRID_STATE_RECORD) continue
    from = i
    if ((records[i].data as {k?: unknown} | null)?.k !== 'd') break
  }
  if (from < 0) return undefined
  const reader = new GridStateReader()
  for (let i = from; i < records.length; i++) if (records[i].type === GRID_STATE_RECORD) reader.push(records[i].data, `#${i} at t=${records[i].t}`)
  return reader.state
}
