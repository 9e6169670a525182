/**
 * What the live crash test checks, as pure functions over the venue's truth (`venue-truth.ts`) and the files the
 * sessions left (state directory, run journals). Each returns the violations it found, as sentences; none means
 * the property held.
 */
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {VirtualClock} from '../../src/core/time/clock.js'
import type {JournalRecord} from '../../src/engine/journal.js'
import {DurableState} from '../../src/state/durable-store.js'
import {readJournal} from '../../src/state/journal-file.js'
import {NS, PIPELINE_NAMESPACES} from '../../src/state/pipeline-state.js'
import {GRID_STATE_FILE, GridStateSchema} from '../../strategies/grid/state.js'
import {parseGridId} from '../../strategies/grid/order-ids.js'
import type {TruthFill, TruthOrder, VenueTruth} from './venue-truth.js'

const EPS = 1e-6

export type Positions = Readonly<Record<string, number>>

// ---------------------------------------------------------------- the engine's state on disk

export interface LoadedState {
  /** Positions the state holds, by `SYMBOL:leg` (zero legs left out). */
  readonly positions: Positions
  /** A torn tail the loader cut (momentum's state journal), if any. */
  readonly tornTail?: string
}

/**
 * Loads the strategy's durable state from `dir` the way a restart does, on a COPY (the loader cuts a torn tail,
 * and the directory may belong to a running session). Throws when it does not load.
 */
export function loadState(strategy: 'grid' | 'momentum', dir: string): LoadedState {
  if (strategy === 'grid') {
    const path = join(dir, GRID_STATE_FILE)
    if (!existsSync(path)) return {positions: {}}
    const rec = GridStateSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
    const positions: Record<string, number> = {}
    for (const g of rec.grids) for (const l of g.legs) if (l.size > 0) positions[`${g.symbol}:${l.side}`] = l.size
    return {positions}
  }
  const copy = mkdtempSync(join(tmpdir(), 'live-crash-state-'))
  try {
    if (existsSync(dir)) cpSync(dir, copy, {recursive: true})
    const durable = DurableState.open(copy, PIPELINE_NAMESPACES, {clock: new VirtualClock(0), snapshotEvery: 0})
    try {
      const positions: Record<string, number> = {}
      for (const p of durable.store.values(NS.positions)) if (Math.abs(p.qty) > EPS) positions[`${p.symbol}:net`] = p.qty
      const torn = durable.recovery.tornTail
      return {positions, ...(torn ? {tornTail: `${torn.bytes} bytes at ${torn.offset} (${torn.reason})`} : {})}
    } finally {
      durable.close()
    }
  } finally {
    rmSync(copy, {recursive: true, force: true})
  }
}

export function samePositions(a: Positions, b: Positions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const k of keys) if (Math.abs((a[k] ?? 0) - (b[k] ?? 0)) > EPS) return false
  return true
}

export function showPositions(p: Positions): string {
  const keys = Object.keys(p).sort()
  return keys.length === 0 ? 'flat' : keys.map((k) => `${k}=${p[k]}`).join(' ')
}

// ---------------------------------------------------------------- journals

export interface JournalScan {
  readonly path: string
  readonly records: readonly JournalRecord[]
  /** The torn tail a reader would cut, described; undefined when the file ends on a whole record. */
  readonly tornTail?: string
  readonly violations: readonly string[]
}

/**
 * Reads a run journal as recovery would: whole records up to the first bad one. A torn tail is allowed only at the
 * very end and only as one incomplete record (a kill mid-append); a bad record followed by more data is not.
 */
export function scanJournal(path: string): JournalScan {
  const r = readJournal(path)
  const violations: string[] = []
  let tornTail: string | undefined
  if (r.tornTail) {
    // A segmented journal's torn tail is in its last segment.
    const file = r.tornTail.file ?? path
    const size = statSync(file).size
    const torn = readFileSync(file).subarray(r.tornTail.offset)
    const inner = torn.subarray(0, Math.max(0, torn.length - 1)).includes(10)
    tornTail = `${r.tornTail.bytes} bytes (${r.tornTail.reason})`
    if (r.tornTail.offset + r.tornTail.bytes !== size || inner) violations.push(`${file}: a damaged record is followed by more data (${tornTail}): more than one torn tail`)
  }
  return {path, records: r.records, ...(tornTail ? {tornTail} : {}), violations}
}

/** Journals in `dir` for `account`, oldest first (their names carry the start time). */
export function runJournals(dir: string, account: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.startsWith(`${account}-`) && f.endsWith('.journal')).sort().map((f) => join(dir, f))
}

/** Refusals of a client order id as a duplicate, in the venue answers a journal recorded. */
export function duplicateRefusals(records: readonly JournalRecord[]): string[] {
  const out: string[] = []
  for (const r of records) {
    if (r.type !== 'venue_response') continue
    const text = JSON.stringify(r.data)
    if (text.includes('110072') || /client_order_id must be unique/.test(text)) out.push(text.slice(0, 300))
  }
  return out
}

/** Client order ids of the intent records (orders the session decided to send). */
export function intentIds(records: readonly JournalRecord[]): string[] {
  const out: string[] = []
  for (const r of records) if (r.type === 'intent') out.push((r.data as {request: {clientOrderId: string}}).request.clientOrderId)
  return out
}

// ---------------------------------------------------------------- venue truth

/** Positions the venue's executions add up to, by `SYMBOL:leg` (hedge legs count opening fills positive). */
export function positionsFromFills(fills: readonly TruthFill[], orders: readonly TruthOrder[]): Record<string, number> {
  const legOf = new Map(orders.map((o) => [o.venueId, o.leg]))
  const out: Record<string, number> = {}
  for (const f of fills) {
    const leg = legOf.get(f.venueOrderId) ?? f.leg
    const sign = leg === 'short' ? (f.side === 'sell' ? 1 : -1) : f.side === 'buy' ? 1 : -1
    const k = `${f.symbol}:${leg}`
    out[k] = (out[k] ?? 0) + sign * f.qty
    if (Math.abs(out[k]) < EPS) delete out[k]
  }
  return out
}

// ---------------------------------------------------------------- the state a clean stop leaves

/** Fills as a session's journal names them: by execution id, and by (venue order, quantity, venue time). */
export interface ReceivedFills {
  readonly execIds: ReadonlySet<string>
  readonly keys: ReadonlySet<string>
  readonly size: number
}

const fillKey = (venueOrderId: string, qty: number, ts: number): string => `${venueOrderId}|${qty}|${ts}`

/**
 * The fills a session received before it stopped: execution events and the executions REST answers brought, journaled
 * before its `session_stop` record (all of the journal when there is none). A fill the venue made while the session
 * ran but never reported to it (nor was asked about) is not in here.
 */
export function receivedBeforeStop(records: readonly JournalRecord[]): ReceivedFills {
  const execIds = new Set<string>()
  const keys = new Set<string>()
  const add = (f: {execId?: string; venueOrderId?: string; qty?: number; ts?: number}): void => {
    if (f.execId !== undefined) execIds.add(f.execId)
    if (f.venueOrderId !== undefined && f.qty !== undefined && f.ts !== undefined) keys.add(fillKey(f.venueOrderId, f.qty, f.ts))
  }
  for (const r of records) {
    if (r.type === 'session_stop') break
    const d = r.data as {kind?: string; fill?: object; op?: string; result?: unknown}
    if (r.type === 'event' && d.kind === 'execution' && d.fill) add(d.fill)
    else if (r.type === 'response' && d.op === 'executions' && Array.isArray(d.result)) for (const f of d.result as object[]) add(f)
  }
  return {execIds, keys, size: Math.max(execIds.size, keys.size)}
}

function wasReceived(f: TruthFill, received: ReceivedFills): boolean {
  return (f.execId !== undefined && received.execIds.has(f.execId)) || received.keys.has(fillKey(f.venueOrderId, f.qty, f.ts))
}

export interface CleanStopCheck {
  readonly violations: readonly string[]
  /** Venue fills the state lacks, all made after the last fill the session received (the next start must take them in). */
  readonly missing: readonly TruthFill[]
}

/**
 * After a clean stop the state must equal the venue's fills up to some instant, and that instant must not be before
 * any fill the session received before it stopped: a received fill missing from the state is lost (the session had it
 * and did not persist it). Fills after that instant may be missing only because the session never heard of them — a
 * working order the venue filled after the session left — and they are returned, for the next start to reconcile.
 * `fills` in venue order; a cut never separates fills of the same venue instant.
 */
export function checkCleanStop(state: Positions, fills: readonly TruthFill[], orders: readonly TruthOrder[], received: ReceivedFills): CleanStopCheck {
  const sorted = [...fills].sort((a, b) => a.ts - b.ts)
  let lastReceived = -1
  sorted.forEach((f, i) => {
    if (wasReceived(f, received)) lastReceived = i
  })
  for (let cut = sorted.length; cut > lastReceived; cut--) {
    if (cut < sorted.length && cut > 0 && sorted[cut - 1].ts === sorted[cut].ts) continue
    if (samePositions(state, positionsFromFills(sorted.slice(0, cut), orders))) return {violations: [], missing: sorted.slice(cut)}
  }
  const now = positionsFromFills(sorted, orders)
  const last = lastReceived >= 0 ? sorted[lastReceived] : undefined
  const upTo = positionsFromFills(sorted.slice(0, lastReceived + 1), orders)
  const lastText = last ? `the last one it received before it stopped: ${last.cid} ${last.side} ${last.qty} at ${last.ts}` : 'it received none of them'
  return {
    violations: [
      `after the clean stop the state holds ${showPositions(state)}, which is no instant of the venue's fills at or after every fill the session received before it stopped ` +
        `(venue now ${showPositions(now)}; up to ${lastText}: ${showPositions(upTo)}; ${received.size} received): a fill the session received before it stopped is not in its state`,
    ],
    missing: [],
  }
}

/**
 * The start after a clean stop: every fill the stop's state lacked (`missing`) must be in the state this start
 * leaves, i.e. none of them is still missing after it.
 */
export function checkTakenInAtNextStart(missing: readonly TruthFill[], next: CleanStopCheck): string[] {
  const still = new Set(next.missing.map((f) => fillKey(f.venueOrderId, f.qty, f.ts)))
  return missing
    .filter((f) => still.has(fillKey(f.venueOrderId, f.qty, f.ts)))
    .map((f) => `the fill ${f.cid} ${f.side} ${f.qty} at ${f.ts}, made after the clean stop, is still not in the state after the next start: the start-up reconciliation did not take it in`)
}

/**
 * Every order the venue created corresponds to exactly one create request: no client order id was sent twice and
 * accepted, and none was refused as a duplicate. `creates`: the emulator's count of create requests.
 */
export function checkNoResend(truth: VenueTruth, creates: number, refusals: readonly string[], otherRefusals: number): string[] {
  const v: string[] = []
  const seen = new Set<string>()
  for (const o of truth.orders) {
    if (seen.has(o.cid)) v.push(`client order id ${o.cid} names two venue orders`)
    seen.add(o.cid)
  }
  for (const r of refusals) v.push(`the venue refused a client order id as a duplicate: ${r}`)
  if (creates !== truth.orders.length + otherRefusals) v.push(`${creates} create requests reached the venue but it holds ${truth.orders.length} orders (${otherRefusals} other refusals journaled): a request was sent again`)
  return v
}

/**
 * Momentum: one entry order per signal over the whole test, across epochs (the id is `mom-<signal>-b-<epoch>`),
 * and an entry only ever opens from flat: the venue position of the symbol is zero when the entry's first fill
 * lands (the pipeline holds one position per symbol; buying again on top is the doubled position).
 */
export function checkMomentumEntries(truth: VenueTruth): string[] {
  const v: string[] = []
  const bySignal = new Map<string, string[]>()
  for (const o of truth.orders) {
    const m = /^mom-(.+)-b-(\d+)$/.exec(o.cid)
    if (!m) continue
    bySignal.set(m[1], [...(bySignal.get(m[1]) ?? []), o.cid])
  }
  for (const [signal, ids] of bySignal) if (ids.length > 1) v.push(`signal ${signal} was entered ${ids.length} times: ${ids.join(', ')}`)
  const held = new Map<string, number>()
  const firstFill = new Set<string>()
  for (const f of truth.fills) {
    const isEntry = /^mom-.+-b-\d+$/.test(f.cid)
    if (isEntry && !firstFill.has(f.cid)) {
      firstFill.add(f.cid)
      const before = held.get(f.symbol) ?? 0
      if (Math.abs(before) > EPS) v.push(`entry ${f.cid} bought ${f.symbol} while ${before} were already held: the position doubled`)
    }
    held.set(f.symbol, (held.get(f.symbol) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty))
  }
  return v
}

type Slot = 'opening' | 'tp' | 'entry'
const slotOf = (role: string): Slot => (role === 't' ? 'tp' : role === 'e' ? 'entry' : 'opening')

/**
 * Grid: at most one working venue order per (symbol, leg, slot) at any venue instant — the model holds one
 * opening, one take-profit and one averaging entry per leg — and the reference quantity of a level is the same
 * for every entry at that level until both legs have been flat (it is fixed at first use: a restart that forgot
 * it sizes the level afresh at the new price).
 */
export function checkGridOrders(truth: VenueTruth): string[] {
  const v: string[] = []
  const groups = new Map<string, {o: TruthOrder; tag: NonNullable<ReturnType<typeof parseGridId>>}[]>()
  for (const o of truth.orders) {
    const tag = parseGridId(o.cid)
    if (!tag) continue
    const k = `${o.symbol}:${tag.side}:${slotOf(tag.role)}`
    groups.set(k, [...(groups.get(k) ?? []), {o, tag}])
  }
  for (const [k, list] of groups) {
    list.sort((a, b) => a.o.createdAt - b.o.createdAt)
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1].o
      const cur = list[i].o
      // A market opening ends when it fills; a working order ends at its last update.
      if (prev.endedAt === undefined || prev.endedAt > cur.createdAt) {
        v.push(`${k}: ${cur.cid} was placed at ${cur.createdAt} while ${prev.cid} was still working (${prev.endedAt === undefined ? 'open' : `until ${prev.endedAt}`})`)
      }
    }
  }
  // Order numbers are persisted and never reused (order-ids.ts): the same number under two epochs means a
  // restart forgot how far it had counted.
  const byNumber = new Map<string, string>()
  for (const o of truth.orders) {
    const tag = parseGridId(o.cid)
    if (!tag) continue
    const k = `${tag.symbol}_${tag.n}`
    const other = byNumber.get(k)
    if (other) v.push(`grid order number ${k} was used twice: ${other} and ${o.cid}`)
    else byNumber.set(k, o.cid)
  }
  // Reference quantities: both-flat instants from the venue's fills, per symbol.
  const flatAt = new Map<string, number[]>()
  const pos = new Map<string, number>()
  const legOf = new Map(truth.orders.map((o) => [o.venueId, o.leg]))
  for (const f of truth.fills) {
    const leg = legOf.get(f.venueOrderId) ?? 'net'
    const sign = leg === 'short' ? (f.side === 'sell' ? 1 : -1) : f.side === 'buy' ? 1 : -1
    const k = `${f.symbol}:${leg}`
    pos.set(k, (pos.get(k) ?? 0) + sign * f.qty)
    if (Math.abs(pos.get(`${f.symbol}:long`) ?? 0) < EPS && Math.abs(pos.get(`${f.symbol}:short`) ?? 0) < EPS) flatAt.set(f.symbol, [...(flatAt.get(f.symbol) ?? []), f.ts])
  }
  const refs = new Map<string, {qty: number; cid: string; at: number}>()
  for (const o of truth.orders) {
    const tag = parseGridId(o.cid)
    if (!tag || tag.role === 't') continue
    const k = `${o.symbol}:${tag.level}`
    const ref = refs.get(k)
    if (ref && Math.abs(ref.qty - o.qty) > EPS) {
      const flatBetween = (flatAt.get(o.symbol) ?? []).some((t) => t >= ref.at && t <= o.createdAt)
      if (!flatBetween) v.push(`${o.symbol} level ${tag.level}: ${o.cid} has qty ${o.qty}, but ${ref.cid} had ${ref.qty} and both legs were never flat in between: the reference quantity was lost`)
    }
    refs.set(k, {qty: o.qty, cid: o.cid, at: o.createdAt})
  }
  return v
}

/** Every file under `root` (recursively) that contains one of `secrets`. */
export function filesWithSecrets(roots: readonly string[], secrets: readonly string[]): string[] {
  const out: string[] = []
  for (const root of roots) {
    if (!existsSync(root)) continue
    for (const f of readdirSync(root, {recursive: true, encoding: 'utf8'})) {
      const path = join(root, f)
      if (!statSync(path).isFile()) continue
      const text = readFileSync(path, 'latin1')
      for (const s of secrets) if (text.includes(s)) out.push(`${s.slice(0, 6)}… in ${path}`)
    }
  }
  return out
}

/** SHA-256 of every file under the roots, by path: the account's files before and after a replay must be equal. */
export function fileHashes(roots: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const root of roots) {
    if (!existsSync(root)) continue
    for (const f of readdirSync(root, {recursive: true, encoding: 'utf8'}).sort()) {
      const path = join(root, f)
      if (statSync(path).isFile()) out.set(path, createHash('sha256').update(readFileSync(path)).digest('hex'))
    }
  }
  return out
}

/** The files whose bytes differ between two `fileHashes` (added, removed or changed). */
export function changedFiles(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()])
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort()
}
