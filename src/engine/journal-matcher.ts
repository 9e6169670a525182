/**
 * Compares a replayed journal with the recorded one as it is written: a cursor walks the recording, each
 * replayed record must equal the record at the cursor (same time, type and canonical encoding). A replayed
 * record found a little further on means the ones in between were never reproduced (missing); one not found
 * is extra. The search never passes a recorded inbound message that has not been delivered yet, so the
 * cursor tells the replay venue exactly when the recording's next venue message is due.
 *
 * Optionally the matcher also hashes the recording (`hash`): every recorded record, in order, as the cursor
 * passes it — given as the replayed record when the two encode the same (see replay-hash.ts).
 */
import {sameEncoding} from './journal-encoding.js'
import {type JournalHash, type JournalRecord, type JournalSink, lineOf} from './journal.js'

export type DivergenceKind =
  | 'record_missing'
  | 'record_extra'
  | 'record_differs'
  | 'unexpected_request'
  | 'request_differs'
  | 'missing_request'
  | 'data_differs'

export interface Divergence {
  readonly kind: DivergenceKind
  /** Engine time (replay's for extras, the recording's otherwise). */
  readonly t: number
  /** Index of the recorded record concerned, when there is one. */
  readonly index?: number
  readonly detail: string
}

/** Divergences kept in full; further ones are only counted. */
const KEEP = 1_000
/** How far ahead a replayed record is looked for before it counts as extra. */
const LOOKAHEAD = 256

// A bar mark and an outside action's refusal (session-runner.ts) count as inbound: replay does not decide them,
// it delivers them where they fall.
const INBOUND = new Set(['bars', 'outside_failed', 'event', 'response', 'venue_response', 'venue_subscribed', 'venue_frame', 'venue_connection'])
export const isInbound = (type: string): boolean => INBOUND.has(type)

export class JournalMatcher implements JournalSink {
  cursor = 0
  readonly divergences: Divergence[] = []
  count = 0
  /** Called whenever the cursor moves (the replay venue delivers the next recorded message then). */
  onAdvance: () => void = () => {}
  /** The line of the recorded record at `cachedAt` (the cursor's record is compared again after an extra). */
  private cachedAt = -1
  private cachedLine = ''
  private readonly hash: JournalHash | undefined
  /** The recording was cut off (a killed session): records replayed past its last one are counted, not compared. */
  private readonly open: boolean
  /** Records the replay wrote after the recording's last record (open recordings only). */
  beyond = 0

  constructor(
    private readonly recorded: readonly JournalRecord[],
    opts: {hash?: JournalHash; open?: boolean} = {},
  ) {
    this.hash = opts.hash
    this.open = opts.open ?? false
  }

  /** Every recorded record has been passed: what the replay writes now lies beyond the recording. */
  get atEnd(): boolean {
    return this.cursor >= this.recorded.length
  }

  report(d: Divergence): void {
    this.count++
    if (this.divergences.length < KEEP) this.divergences.push(d)
  }

  append(rec: JournalRecord): void {
    const rs = this.recorded
    const k = this.cursor
    if (this.open && k >= rs.length) {
      this.beyond++
      return
    }
    const r = rs[k]
    // Fast path: a delivered venue message is the recorded object itself, and a reproduced decision has the same
    // fields: equal without encoding either.
    if (r !== undefined && rec.t === r.t && rec.type === r.type && sameEncoding(rec.type, rec.data, r.data)) return this.matched(rec, k)
    const line = lineOf(rec)
    if (r !== undefined && line === this.lineAt(k)) return this.matched(rec, k)
    const end = Math.min(rs.length, k + LOOKAHEAD)
    for (let j = k + 1; j < end && !isInbound(rs[j - 1].type); j++) {
      if (rs[j].t > rec.t) break
      if (this.lineAt(j) === line) {
        for (let m = k; m < j; m++) this.missing(m)
        return this.matched(rec, j)
      }
    }
    if (r !== undefined && r.type === rec.type && r.t === rec.t && !isInbound(r.type)) {
      // The same kind of record at the same instant, with other contents: a changed decision, not an extra one.
      this.report({kind: 'record_differs', t: rec.t, index: k, detail: `replay wrote ${rec.type} ${clip(line)} where the recording has ${clip(this.lineAt(k))}`})
      this.hash?.update(r)
      return this.advance(k + 1)
    }
    this.report({kind: 'record_extra', t: rec.t, detail: `replay wrote ${rec.type} ${clip(line)} where the recording has ${r ? `${r.type} ${clip(this.lineAt(k))}` : 'nothing more'}`})
  }

  /** The recorded record at `index` equals the replayed `rec`: hashed as `rec` (the same line), the cursor moves past it. */
  private matched(rec: JournalRecord, index: number): void {
    this.hash?.update(rec)
    this.advance(index + 1)
  }

  /** Gives up on the recorded records before `index` (the replay never wrote them) and moves the cursor there. */
  skipTo(index: number): void {
    for (let m = this.cursor; m < index; m++) this.missing(m)
    this.advance(Math.max(index, this.cursor))
  }

  /** At the end: every recorded record the replay did not reach is missing. */
  finish(): void {
    this.skipTo(this.recorded.length)
  }

  private lineAt(i: number): string {
    if (this.cachedAt !== i) {
      this.cachedAt = i
      this.cachedLine = lineOf(this.recorded[i])
    }
    return this.cachedLine
  }

  private missing(m: number): void {
    const r = this.recorded[m]
    this.hash?.update(r)
    this.report({kind: 'record_missing', t: r.t, index: m, detail: `the recording has ${r.type} ${clip(this.lineAt(m))}; replay did not write it`})
  }

  private advance(to: number): void {
    this.cursor = to
    this.onAdvance()
  }
}

const clip = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}…` : s)
