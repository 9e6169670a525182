/**
 * What `trader journal inspect` reports about a journal (a file or a segmented journal), read as a stream: memory
 * holds the counters and the distinct order / execution ids, never the records.
 */
import type {JournalRecord} from '../engine/journal.js'
import type {JournalStream, JournalStreamEnd} from './journal-stream.js'

export interface JournalSummary {
  readonly path: string
  readonly records: number
  readonly validBytes: number
  /** Segment files (1 for a single-file journal). */
  readonly segments: number
  /** The session's end record was read (a paper / live session that ended cleanly). */
  readonly ended: boolean
  readonly firstTime: number | null
  readonly lastTime: number | null
  readonly byType: Record<string, number>
  /** Venue events by kind (order, execution, position, account, connection, decode_error). */
  readonly eventsByKind: Record<string, number>
  /** Orders the engine intended to send, and how many distinct client order ids those were. */
  readonly intents: number
  readonly distinctOrders: number
  /** Executions seen, and how many distinct execution ids (the difference is duplicates). */
  readonly executions: number
  readonly distinctExecutions: number
  /** The longest stretch without any record, and where it starts. */
  readonly longestGap: {readonly ms: number; readonly from: number} | null
  readonly tornTail: JournalStreamEnd['tornTail'] | null
}

/** Reads `stream` to its end (corruption throws JournalCorruptError from the stream). */
export function summarizeJournal(path: string, stream: JournalStream): JournalSummary {
  const byType: Record<string, number> = {}
  const eventsByKind: Record<string, number> = {}
  const orders = new Set<string>()
  const execs = new Set<string>()
  let intents = 0
  let executions = 0
  let first: number | null = null
  let last: number | null = null
  let gap: {ms: number; from: number} | null = null
  for (let batch = stream.nextBatch(); batch.length > 0; batch = stream.nextBatch()) for (const r of batch) see(r)
  function see(r: JournalRecord): void {
    byType[r.type] = (byType[r.type] ?? 0) + 1
    // A backtest's header is written before its clock starts (t = 0): it is not a point of the session's time.
    if (r.type === 'session') return
    if (last !== null && r.t - last > (gap?.ms ?? 0)) gap = {ms: r.t - last, from: last}
    first ??= r.t
    last = r.t
    if (r.type === 'intent') {
      intents++
      const req = (r.data as {request?: {clientOrderId?: string}}).request
      if (req?.clientOrderId) orders.add(req.clientOrderId)
    } else if (r.type === 'event') {
      const e = r.data as {kind?: string; fill?: {execId?: string}}
      const kind = e.kind ?? 'unknown'
      eventsByKind[kind] = (eventsByKind[kind] ?? 0) + 1
      if (kind === 'execution') {
        executions++
        if (e.fill?.execId) execs.add(e.fill.execId)
      }
    }
  }
  const end = stream.end
  return {
    path,
    records: end.records,
    validBytes: end.validBytes,
    segments: end.segments,
    ended: end.ended,
    firstTime: first,
    lastTime: last,
    byType: sortKeys(byType),
    eventsByKind: sortKeys(eventsByKind),
    intents,
    distinctOrders: orders.size,
    executions,
    distinctExecutions: execs.size,
    longestGap: gap,
    tornTail: end.tornTail ?? null,
  }
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
