import {describe, expect, it} from 'vitest'
import {MetricsError, MetricsRegistry} from './metrics.js'

describe('metrics registry', () => {
  it('counts, keeps high-water gauges and histograms, and flattens them into sorted samples', () => {
    const m = new MetricsRegistry()
    m.counter('orders_total', 'orders sent', {side: 'buy'}).inc()
    m.counter('orders_total', 'orders sent', {side: 'buy'}).inc(2)
    m.counter('orders_total', 'orders sent', {side: 'sell'}).inc()
    m.gauge('levels_max', 'deepest level').max(3)
    m.gauge('levels_max', 'deepest level').max(2)
    const h = m.histogram('latency_ms', 'latency', {}, [10, 100])
    for (const v of [5, 50, 500]) h.observe(v)
    expect(m.value('orders_total{side="buy"}')).toBe(3)
    expect(m.total('orders_total')).toBe(4)
    expect(m.value('levels_max')).toBe(3)
    expect(m.value('latency_ms_count')).toBe(3)
    expect(m.value('latency_ms_max')).toBe(500)
    expect(m.value('latency_ms_mean')).toBe(185)
    expect(m.samples().map((s) => s.key)).toEqual([...m.samples().map((s) => s.key)].sort())
    expect(h.cumulative()).toEqual([{le: 10, count: 1}, {le: 100, count: 2}, {le: Infinity, count: 3}])
  })

  it('scoped views add their labels over one store, so accounts stay apart', () => {
    const m = new MetricsRegistry()
    m.scoped({account: 'a'}).counter('x_total', 'x').inc()
    m.scoped({account: 'b'}).scoped({strategy: 'grid'}).counter('x_total', 'x').inc(5)
    expect(m.value('x_total{account="a"}')).toBe(1)
    expect(m.value('x_total{account="b",strategy="grid"}')).toBe(5)
  })

  it('renders the Prometheus text format with cumulative buckets', () => {
    const m = new MetricsRegistry()
    m.histogram('lat_ms', 'a latency', {k: 'v'}, [1, 2]).observe(2)
    m.counter('c_total', 'a "counter"').inc()
    expect(m.toPrometheus()).toBe(
      [
        '# HELP c_total a "counter"',
        '# TYPE c_total counter',
        'c_total 1',
        '# HELP lat_ms a latency',
        '# TYPE lat_ms histogram',
        'lat_ms_bucket{k="v",le="1"} 0',
        'lat_ms_bucket{k="v",le="2"} 1',
        'lat_ms_bucket{k="v",le="+Inf"} 1',
        'lat_ms_sum{k="v"} 2',
        'lat_ms_count{k="v"} 1',
        '',
      ].join('\n'),
    )
  })

  it('refuses bad names, a kind clash and negative counter steps', () => {
    const m = new MetricsRegistry()
    expect(() => m.counter('bad name', 'x')).toThrow(MetricsError)
    m.counter('n', 'x')
    expect(() => m.gauge('n', 'x')).toThrow(/is a counter/)
    expect(() => m.counter('n', 'x').inc(-1)).toThrow(MetricsError)
  })
})
