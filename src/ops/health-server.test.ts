import {afterEach, describe, expect, it} from 'vitest'
import {type HealthServer, serveHealth} from './health-server.js'
import {createSessionMetrics, type EngineSample} from './session-metrics.js'

/** A strict reading of the Prometheus text format: HELP/TYPE before samples, valid names, labels and values. */
function parsePrometheus(text: string): Map<string, {type: string; samples: {labels: string; value: number}[]}> {
  const families = new Map<string, {type: string; samples: {labels: string; value: number}[]}>()
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
  const sample = new RegExp(`^(${NAME})(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*\\})? (-?[0-9.e+-]+|NaN|\\+Inf|-Inf)$`)
  for (const line of text.split('\n')) {
    if (line === '') continue
    const help = new RegExp(`^# HELP (${NAME}) .+$`).exec(line)
    if (help) continue
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line)
    if (type) {
      families.set(type[1], {type: type[2], samples: []})
      continue
    }
    const m = sample.exec(line)
    if (!m) throw new Error(`not Prometheus text: ${line}`)
    const base = m[1].replace(/_(bucket|sum|count)$/, '')
    const fam = families.get(m[1]) ?? families.get(base)
    if (!fam) throw new Error(`sample before its TYPE line: ${line}`)
    fam.samples.push({labels: m[2] ?? '', value: Number(m[3])})
  }
  return families
}

let server: HealthServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('health and metrics endpoint (OPS-07)', () => {
  it('serves /health, /ready (503 until reconciled) and valid Prometheus /metrics', async () => {
    let ready = false
    const engine: EngineSample[] = [
      {name: 'grid_tp_closes_total', help: 'TP closes', type: 'counter', labels: {account: 'a1'}, value: 3},
      {name: 'grid_tp_closes_total', help: 'TP closes', type: 'counter', labels: {account: 'a2'}, value: 1},
      {name: 'open_orders', help: 'Open orders', type: 'gauge', value: 7},
    ]
    const m = createSessionMetrics({session: 's1'}, () => engine)
    m.orders.inc({venue: 'sim', side: 'buy'}, 2)
    m.rejections.inc({reason: 'max_open_orders'})
    m.reactionLatency.observe({event: 'execution'}, 0.004)
    server = await serveHealth({port: 0, registry: m.registry, readiness: () => (ready ? {ready} : {ready, reason: 'reconciling'}), info: () => ({pid: process.pid})})

    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({status: 'alive', pid: process.pid})
    const notReady = await fetch(`${server.url}/ready`)
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toEqual({ready: false, reason: 'reconciling'})
    ready = true
    expect((await fetch(`${server.url}/ready`)).status).toBe(200)

    const res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const families = parsePrometheus(await res.text())
    expect(families.get('trader_orders_total')).toEqual({type: 'counter', samples: [{labels: '{venue="sim",side="buy",session="s1"}', value: 2}]})
    expect(families.get('trader_rejections_total')?.samples[0]).toEqual({labels: '{reason="max_open_orders",session="s1"}', value: 1})
    expect(families.get('trader_event_reaction_seconds')?.type).toBe('histogram')
    expect(families.get('trader_grid_tp_closes_total')?.samples.map((s) => s.value)).toEqual([3, 1])
    // Engine values are read at scrape time.
    engine[2] = {...engine[2], value: 9}
    const again = parsePrometheus(await (await fetch(`${server.url}/metrics`)).text())
    expect(again.get('trader_open_orders')).toEqual({type: 'gauge', samples: [{labels: '{session="s1"}', value: 9}]})
    expect((await fetch(`${server.url}/nope`)).status).toBe(404)
  })
})
