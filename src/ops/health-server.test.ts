import {request} from 'node:http'
import {Registry} from 'prom-client'
import {afterEach, describe, expect, it} from 'vitest'
import {type HealthServer, loopbackHost, serveHealth} from './health-server.js'
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

/** GET `path` with the Host header `host` (fetch would not let a test choose it). */
function getWithHost(port: number, path: string, host: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, headers: {host}}, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('health endpoint: loopback names only', () => {
  it('answers Host localhost / 127.0.0.1 (bare or with its port), 421 for any other name (DNS rebinding)', async () => {
    server = await serveHealth({port: 0, registry: new Registry(), readiness: () => ({ready: true}), info: () => ({account: 'a1'})})
    const port = server.port
    for (const host of ['localhost', `localhost:${port}`, '127.0.0.1', `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      const r = await getWithHost(port, '/health', host)
      expect(r.status, host).toBe(200)
      expect(JSON.parse(r.body)).toEqual({status: 'alive', account: 'a1'})
    }
    for (const host of ['evil.example', `evil.example:${port}`, `localhost:${port + 1}`, '127.0.0.2', `[::1]:${port}`, `localhost.evil.example:${port}`]) {
      for (const path of ['/health', '/ready', '/metrics']) {
        const r = await getWithHost(port, path, host)
        expect(r.status, `${host} ${path}`).toBe(421)
        expect(r.body).not.toContain('alive')
      }
    }
  })

  it('loopbackHost', () => {
    expect(loopbackHost(undefined, 80)).toBe(false)
    expect(loopbackHost('127.0.0.1:80', 80)).toBe(true)
    expect(loopbackHost('127.0.0.1:8080', 80)).toBe(false)
    expect(loopbackHost('127.0.0.1.nip.io', 80)).toBe(false)
  })
})
