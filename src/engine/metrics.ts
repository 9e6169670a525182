/**
 * A small deterministic metrics registry: counters, gauges and histograms, identified by name and labels.
 * Values come only from what the engine and strategies observe (no clock reads), so the same run gives the same
 * metrics. `samples()` and `toPrometheus()` are what the operations issue will serve; scenario files check
 * `value(key)` ranges. A scoped view adds fixed labels (an account id, a strategy) over the same store.
 */

export type Labels = Readonly<Record<string, string>>

export class MetricsError extends Error {
  override readonly name = 'MetricsError'
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Default histogram buckets, in milliseconds: latencies from 1 ms to 10 minutes. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 600_000]

export class Counter {
  private v = 0
  inc(n = 1): void {
    if (!(n >= 0)) throw new MetricsError(`counter increment must be >= 0, got ${n}`)
    this.v += n
  }
  get value(): number {
    return this.v
  }
}

export class Gauge {
  private v = 0
  set(v: number): void {
    this.v = v
  }
  inc(n = 1): void {
    this.v += n
  }
  dec(n = 1): void {
    this.v -= n
  }
  /** Keeps the largest value seen (a high-water mark). */
  max(v: number): void {
    if (v > this.v) this.v = v
  }
  get value(): number {
    return this.v
  }
}

export class Histogram {
  /** Per-bucket counts (not cumulative); the last slot is +Inf. */
  private readonly counts: Float64Array
  count = 0
  sum = 0
  min = Infinity
  max = -Infinity

  constructor(readonly buckets: readonly number[]) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i] > buckets[i - 1])) throw new MetricsError(`histogram buckets must increase, got ${buckets.join(', ')}`)
    }
    this.counts = new Float64Array(buckets.length + 1)
  }

  observe(v: number): void {
    if (!Number.isFinite(v)) throw new MetricsError(`histogram observation must be finite, got ${v}`)
    let i = 0
    while (i < this.buckets.length && v > this.buckets[i]) i++
    this.counts[i]++
    this.count++
    this.sum += v
    if (v < this.min) this.min = v
    if (v > this.max) this.max = v
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : 0
  }

  /** Cumulative counts per upper bound, +Inf last (the Prometheus shape). */
  cumulative(): {le: number; count: number}[] {
    const out: {le: number; count: number}[] = []
    let acc = 0
    for (let i = 0; i <= this.buckets.length; i++) {
      acc += this.counts[i]
      out.push({le: i < this.buckets.length ? this.buckets[i] : Infinity, count: acc})
    }
    return out
  }
}

type Kind = 'counter' | 'gauge' | 'histogram'

interface Family {
  readonly name: string
  readonly kind: Kind
  readonly help: string
  readonly series: Map<string, {labels: Labels; metric: Counter | Gauge | Histogram}>
}

/** One value of a metric series, flattened: histograms give `_count`, `_sum`, `_min`, `_max` and `_mean`. */
export interface MetricSample {
  /** `name{label="v",...}` with labels sorted by name; the key `value()` takes. */
  readonly key: string
  readonly name: string
  readonly kind: Kind
  readonly labels: Labels
  readonly value: number
  readonly help: string
}

export interface Metrics {
  counter(name: string, help: string, labels?: Labels): Counter
  gauge(name: string, help: string, labels?: Labels): Gauge
  histogram(name: string, help: string, labels?: Labels, buckets?: readonly number[]): Histogram
  /** A view that adds `labels` to every series it creates. */
  scoped(labels: Labels): Metrics
}

export class MetricsRegistry implements Metrics {
  private readonly families = new Map<string, Family>()

  counter(name: string, help: string, labels: Labels = {}): Counter {
    return this.series(name, 'counter', help, labels, () => new Counter()) as Counter
  }

  gauge(name: string, help: string, labels: Labels = {}): Gauge {
    return this.series(name, 'gauge', help, labels, () => new Gauge()) as Gauge
  }

  histogram(name: string, help: string, labels: Labels = {}, buckets: readonly number[] = LATENCY_BUCKETS_MS): Histogram {
    return this.series(name, 'histogram', help, labels, () => new Histogram(buckets)) as Histogram
  }

  scoped(labels: Labels): Metrics {
    return new ScopedMetrics(this, labels)
  }

  /** Every series as flat samples, sorted by key. */
  samples(): MetricSample[] {
    const out: MetricSample[] = []
    for (const f of this.families.values()) {
      for (const {labels, metric} of f.series.values()) {
        if (metric instanceof Histogram) {
          const parts: [string, number][] = [['count', metric.count], ['sum', metric.sum], ['mean', metric.mean]]
          if (metric.count > 0) parts.push(['min', metric.min], ['max', metric.max])
          for (const [suffix, value] of parts) out.push({key: keyOf(`${f.name}_${suffix}`, labels), name: `${f.name}_${suffix}`, kind: f.kind, labels, value, help: `${f.help} (${suffix})`})
        } else {
          out.push({key: keyOf(f.name, labels), name: f.name, kind: f.kind, labels, value: metric.value, help: f.help})
        }
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** The value of one sample key (`name` or `name{a="b"}`; histograms: `name_count`, `name_max`, ...). */
  value(key: string): number | undefined {
    return this.samples().find((s) => s.key === key)?.value
  }

  /** The sum of a metric over every label set (0 when absent). */
  total(name: string): number {
    let sum = 0
    for (const s of this.samples()) if (s.name === name) sum += s.value
    return sum
  }

  /** Prometheus text exposition format 0.0.4, families and series sorted. */
  toPrometheus(): string {
    const lines: string[] = []
    for (const f of [...this.families.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
      lines.push(`# TYPE ${f.name} ${f.kind}`)
      const series = [...f.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      for (const [, {labels, metric}] of series) {
        if (metric instanceof Histogram) {
          for (const b of metric.cumulative()) lines.push(`${keyOf(`${f.name}_bucket`, {...labels, le: b.le === Infinity ? '+Inf' : String(b.le)})} ${b.count}`)
          lines.push(`${keyOf(`${f.name}_sum`, labels)} ${metric.sum}`)
          lines.push(`${keyOf(`${f.name}_count`, labels)} ${metric.count}`)
        } else {
          lines.push(`${keyOf(f.name, labels)} ${metric.value}`)
        }
      }
    }
    return lines.join('\n') + '\n'
  }

  private series(name: string, kind: Kind, help: string, labels: Labels, make: () => Counter | Gauge | Histogram): Counter | Gauge | Histogram {
    if (!NAME.test(name)) throw new MetricsError(`metric name '${name}' is not valid; use letters, digits, '_' and ':'`)
    for (const k of Object.keys(labels)) if (!LABEL.test(k) || k === 'le') throw new MetricsError(`label '${k}' of ${name} is not a valid label name`)
    let f = this.families.get(name)
    if (!f) {
      f = {name, kind, help, series: new Map()}
      this.families.set(name, f)
    } else if (f.kind !== kind) {
      throw new MetricsError(`metric ${name} is a ${f.kind}, not a ${kind}; pick another name`)
    }
    const key = keyOf(name, labels)
    let s = f.series.get(key)
    if (!s) {
      s = {labels: {...labels}, metric: make()}
      f.series.set(key, s)
    }
    return s.metric
  }
}

class ScopedMetrics implements Metrics {
  constructor(private readonly root: MetricsRegistry, private readonly fixed: Labels) {}
  counter(name: string, help: string, labels: Labels = {}): Counter {
    return this.root.counter(name, help, {...labels, ...this.fixed})
  }
  gauge(name: string, help: string, labels: Labels = {}): Gauge {
    return this.root.gauge(name, help, {...labels, ...this.fixed})
  }
  histogram(name: string, help: string, labels: Labels = {}, buckets?: readonly number[]): Histogram {
    return this.root.histogram(name, help, {...labels, ...this.fixed}, buckets)
  }
  scoped(labels: Labels): Metrics {
    return new ScopedMetrics(this.root, {...this.fixed, ...labels})
  }
}

/** `name{a="1",b="2"}`, labels sorted, values escaped as in the Prometheus text format. */
export function keyOf(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort()
  if (keys.length === 0) return name
  const body = keys.map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')
  return `${name}{${body}}`
}
