/**
 * Emergency stop (GRID-10), on the seed's criteria: a loss over the limit against the session's baseline equity,
 * too many event-stream disconnects within an hour, too many failed take-profit placements in a row, and repeated
 * stops (more than the limit within an hour: clearing is then refused). The flag and its history are part of the
 * persisted grid state, so a restart keeps the grid stopped until it is cleared.
 */
import type {EmergencyLimits} from './params.js'

const HOUR = 3_600_000

export interface EmergencyRecord {
  readonly active: boolean
  readonly reason: string | null
  readonly since: number | null
  /** Times of the stops and of the disconnects within the last hour. */
  readonly stops: readonly number[]
  readonly disconnects: readonly number[]
  readonly failedTpInRow: number
  readonly baselineEquity: number | null
}

export type ClearOutcome = {readonly ok: true} | {readonly ok: false; readonly reason: string}

export class EmergencyMonitor {
  active = false
  reason: string | undefined
  since: number | undefined
  private stops: number[] = []
  private disconnects: number[] = []
  failedTpInRow = 0
  baselineEquity: number | undefined

  constructor(private readonly limits: EmergencyLimits) {}

  /** Equity check on every bar; returns the stop reason when it trips. */
  checkEquity(equity: number, t: number): string | undefined {
    if (this.baselineEquity === undefined) {
      this.baselineEquity = equity
      return undefined
    }
    if (this.active || !(this.baselineEquity > 0)) return undefined
    const lossPct = ((this.baselineEquity - equity) / this.baselineEquity) * 100
    if (lossPct > this.limits.maxLossPct) {
      return this.trip(`loss ${lossPct.toFixed(2)} % of the baseline equity ${this.baselineEquity.toFixed(2)} is over the ${this.limits.maxLossPct} % limit`, t)
    }
    return undefined
  }

  disconnected(t: number): string | undefined {
    this.disconnects = within(this.disconnects, t)
    this.disconnects.push(t)
    if (!this.active && this.disconnects.length > this.limits.maxDisconnectsPerHour) {
      return this.trip(`${this.disconnects.length} event-stream disconnects within an hour (limit ${this.limits.maxDisconnectsPerHour})`, t)
    }
    return undefined
  }

  tpFailed(t: number): string | undefined {
    this.failedTpInRow++
    if (!this.active && this.failedTpInRow > this.limits.maxFailedTpInRow) {
      return this.trip(`${this.failedTpInRow} take-profit placements failed in a row (limit ${this.limits.maxFailedTpInRow})`, t)
    }
    return undefined
  }

  tpPlaced(): void {
    this.failedTpInRow = 0
  }

  trip(reason: string, t: number): string {
    this.stops = within(this.stops, t)
    this.stops.push(t)
    this.active = true
    this.reason = reason
    this.since = t
    return reason
  }

  /** Clears the stop, unless there were more stops than the limit within the last hour. */
  clear(t: number): ClearOutcome {
    if (!this.active) return {ok: true}
    this.stops = within(this.stops, t)
    if (this.stops.length > this.limits.maxStopsPerHour) {
      return {ok: false, reason: `repeated emergency stops: ${this.stops.length} within an hour (limit ${this.limits.maxStopsPerHour}); wait or investigate before clearing`}
    }
    this.active = false
    this.reason = undefined
    this.since = undefined
    this.failedTpInRow = 0
    return {ok: true}
  }

  toRecord(): EmergencyRecord {
    return {
      active: this.active,
      reason: this.reason ?? null,
      since: this.since ?? null,
      stops: [...this.stops],
      disconnects: [...this.disconnects],
      failedTpInRow: this.failedTpInRow,
      baselineEquity: this.baselineEquity ?? null,
    }
  }

  load(r: EmergencyRecord): void {
    this.active = r.active
    this.reason = r.reason ?? undefined
    this.since = r.since ?? undefined
    this.stops = [...r.stops]
    this.disconnects = [...r.disconnects]
    this.failedTpInRow = r.failedTpInRow
    this.baselineEquity = r.baselineEquity ?? undefined
  }
}

/** Times within the hour before `t` (the lists stay short: bounded by the limits). */
function within(times: number[], t: number): number[] {
  const from = t - HOUR
  return times[0] !== undefined && times[0] <= from ? times.filter((x) => x > from) : times
}
