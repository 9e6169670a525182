/**
 * The Prometheus metrics of a session (OPS-07): orders, fills, rejections by reason, rate-limit waits, websocket
 * reconnects, event → reaction latency, journal size, plus whatever counters the engine and its strategies keep
 * (bridged at scrape time, so the engine never depends on prom-client).
 */
import {Counter, Gauge, Histogram, Registry} from 'prom-client'

/** A value the engine keeps, read at scrape time. */
export interface EngineSample {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge'
  readonly labels?: Readonly<Record<string, string>>
  readonly value: number
}

export interface SessionMetrics {
  readonly registry: Registry
  readonly orders: Counter<'venue' | 'side'>
  readonly fills: Counter<'venue'>
  readonly rejections: Counter<'reason'>
  readonly rateLimitWaits: Counter<'venue'>
  readonly wsReconnects: Counter<'venue'>
  readonly reactionLatency: Histogram<'event'>
  readonly journalBytes: Gauge
}

export function createSessionMetrics(labels: Record<string, string> = {}, engine?: () => Iterable<EngineSample>): SessionMetrics {
  const registry = new Registry()
  registry.setDefaultLabels(labels)
  const m: SessionMetrics = {
    registry,
    orders: new Counter({name: 'trader_orders_total', help: 'Orders sent to the venue', labelNames: ['venue', 'side'], registers: [registry]}),
    fills: new Counter({name: 'trader_fills_total', help: 'Executions applied (each execution id once)', labelNames: ['venue'], registers: [registry]}),
    rejections: new Counter({name: 'trader_rejections_total', help: 'Orders refused, by reason (risk checks and venue rejects)', labelNames: ['reason'], registers: [registry]}),
    rateLimitWaits: new Counter({name: 'trader_rate_limit_waits_total', help: 'Requests delayed by the rate budget or a venue rate limit', labelNames: ['venue'], registers: [registry]}),
    wsReconnects: new Counter({name: 'trader_ws_reconnects_total', help: 'Event-stream reconnects', labelNames: ['venue'], registers: [registry]}),
    reactionLatency: new Histogram({
      name: 'trader_event_reaction_seconds',
      help: 'Time from a venue event to the engine reaction it caused',
      labelNames: ['event'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    journalBytes: new Gauge({name: 'trader_journal_bytes', help: 'Size of the session journal file', registers: [registry]}),
  }
  if (engine) {
    // Engine values are grouped by name into one prom-client metric each, read afresh on every scrape.
    const seen = new Set<string>()
    for (const s of engine()) {
      if (seen.has(s.name)) continue
      seen.add(s.name)
      const config = {name: `trader_${s.name}`, help: s.help, labelNames: Object.keys(s.labels ?? {}), registers: [registry]}
      if (s.type === 'counter') {
        new Counter({
          ...config,
          collect(this: Counter<string>) {
            this.reset()
            for (const x of engine()) if (x.name === s.name && x.value > 0) this.inc(x.labels ?? {}, x.value)
          },
        })
      } else {
        new Gauge({
          ...config,
          collect(this: Gauge<string>) {
            this.reset()
            for (const x of engine()) if (x.name === s.name) this.set(x.labels ?? {}, x.value)
          },
        })
      }
    }
  }
  return m
}
