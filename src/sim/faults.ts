/**
 * Fault injection: rules that pick events or requests by kind, symbol, venue-time window or occurrence
 * number, and hit them with a seeded probability. The same seed and rules give the same faults.
 */
import type {BrokerEvent} from '../core/events.js'
import type {Rng} from '../core/rng.js'
import type {FaultRule} from './config.js'

export type RequestKind = 'submit' | 'cancel' | 'amend' | 'getOrder' | 'openOrders' | 'positions' | 'account' | 'executions'

export class FaultInjector {
  private readonly seen: number[]
  private readonly held = new Map<string, BrokerEvent[]>()
  /** What was injected, for tests and the journal. */
  readonly log: {ts: number; target: string; kind: string; action: string}[] = []

  constructor(private readonly rules: readonly FaultRule[], private readonly rng: Rng) {
    this.seen = rules.map(() => 0)
  }

  /** The event-stream outages [from, to), from the 'disconnect' rules, in time order. */
  disconnectWindows(): {from: number; to: number}[] {
    return this.rules
      .filter((r) => r.action === 'disconnect' && r.from !== undefined && r.to !== undefined)
      .map((r) => ({from: r.from!, to: r.to!}))
      .sort((a, b) => a.from - b.from)
  }

  forEvent(kind: string, symbol: string | undefined, ts: number): FaultRule | undefined {
    return this.rules.length === 0 ? undefined : this.pick('event', kind, symbol, ts)
  }

  forRequest(kind: RequestKind, symbol: string | undefined, ts: number): FaultRule | undefined {
    return this.rules.length === 0 ? undefined : this.pick('request', kind, symbol, ts)
  }

  holdForReorder(channel: string, event: BrokerEvent): void {
    const list = this.held.get(channel) ?? []
    list.push(event)
    this.held.set(channel, list)
  }

  /** The event held back on `channel` (delivered right after the event that passes it), if any. */
  releaseHeld(channel: string): BrokerEvent | undefined {
    const list = this.held.get(channel)
    return list?.shift()
  }

  drainHeld(): BrokerEvent[] {
    const out = [...this.held.values()].flat()
    this.held.clear()
    return out
  }

  private pick(target: 'event' | 'request', kind: string, symbol: string | undefined, ts: number): FaultRule | undefined {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i]
      if (r.target !== target) continue
      // An outage is a window of stream time, not a hit on single messages.
      if (r.action === 'disconnect') continue
      if (r.kinds && !r.kinds.includes(kind as never)) continue
      if (r.symbol !== undefined && r.symbol !== symbol) continue
      if (r.from !== undefined && ts < r.from) continue
      if (r.to !== undefined && ts >= r.to) continue
      const n = ++this.seen[i]
      if (r.nth && !r.nth.includes(n)) continue
      if (r.probability < 1 && this.rng.next() >= r.probability) continue
      this.log.push({ts, target, kind, action: r.action})
      return r
    }
    return undefined
  }
}
