/**
 * OPS-07: monitoring. Required: `/health` (alive), `/ready` (reconciled and connected), `/metrics` (Prometheus text).
 *
 * As an operator meets it: `trader paper --health-port 0` (the built CLI) against the local exchange emulator,
 * probed over HTTP while it runs. The emulator holds the answer to the start-up reconciliation's open-orders query
 * for 3 s (a `delay` fault), then drops every websocket (`/__emulator/disconnect`). Observed in order: /health 200
 * with the session's pid from the first moment; /ready 503 "reconciling" until the session has reconciled, then
 * 200; 503 "disconnected" once the streams drop, 200 again after the reconnect; /metrics parses as Prometheus text
 * (TYPE before samples, valid names, labels and values), counts the orders sent and the reconnect; after SIGINT the
 * process exits 0 and nothing answers any more.
 * Bites: the readiness of a liveness-only endpoint (ready whenever the process is up, as the seed's plan had it),
 * probed at the same moments, is 200 while the session reconciles and while it is disconnected; a JSON metrics
 * dump is refused by the same Prometheus check.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Registry} from 'prom-client'
import {afterAll, describe, expect, it} from 'vitest'
import {serveHealth} from '../../src/ops/health-server.js'
import {ALPACA_TEST_KEYS, background, cleanEnv, serveEmulator} from './ops-harness.js'

const dir = mkdtempSync(join(tmpdir(), 'trader-ops07-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

interface Family {
  type: string
  samples: {name: string; labels: Record<string, string>; value: number}[]
}

/** Prometheus text exposition, read strictly: every sample belongs to a family whose TYPE came first. */
function prometheus(text: string): Map<string, Family> {
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
  const families = new Map<string, Family>()
  for (const line of text.split('\n')) {
    if (line === '' || new RegExp(`^# HELP ${NAME} `).test(line)) continue
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line)
    if (type) {
      if (families.has(type[1])) throw new Error(`TYPE of ${type[1]} given twice`)
      families.set(type[1], {type: type[2], samples: []})
      continue
    }
    const m = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*)\\})? (-?(?:\\d+\\.?\\d*(?:e[+-]?\\d+)?|NaN|\\+Inf|-Inf))$`).exec(line)
    if (!m) throw new Error(`not Prometheus text: ${line}`)
    const fam = families.get(m[1]) ?? families.get(m[1].replace(/_(bucket|sum|count)$/, ''))
    if (!fam) throw new Error(`sample before its TYPE: ${line}`)
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]))
    fam.samples.push({name: m[1], labels, value: Number(m[3])})
  }
  return families
}

interface Probe {
  readonly at: number
  readonly health: number
  readonly ready: number
  readonly reason?: string
  /** The liveness-only readiness, asked at the same moment. */
  readonly naive: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('OPS-07: /health, /ready and /metrics of a running session', () => {
  it('health from the start, ready only reconciled and connected, metrics as Prometheus text', async () => {
    const env = cleanEnv({HOME: join(dir, 'home'), TRADER_DATA_DB: join(dir, 'market.duckdb'), ...ALPACA_TEST_KEYS})
    const emu = await serveEmulator(['--venue', 'alpaca', '--symbols', 'SPY,IBM', '--from', '2013-10-07T13:30:00Z', '--speed', '240'], {cwd: dir, env})
    // The liveness-only endpoint the seed planned: ready whenever the process answers.
    const naive = await serveHealth({port: 0, registry: new Registry(), readiness: () => ({ready: true})})
    try {
      await emu.admin('fault', {kind: 'delay', ms: 3_000, endpoint: 'GET /v2/orders', times: 1})
      const session = background(['paper', '--venue', 'alpaca', '--strategy', 'sma-cross', '--params', '{"fast":2,"slow":5}', '--symbols', 'SPY,IBM', '--account', 'ops07',
        '--base-url', emu.url, '--ws-url', emu.wsUrl, '--time-scale', '240', '--health-port', '0'], {cwd: dir, env})
      const url = (await session.waitFor(/health: (http:\/\/127\.0\.0\.1:\d+)\/health/))[1]
      const probes: Probe[] = []
      const t0 = Date.now()
      const probe = async (): Promise<Probe> => {
        const [h, r, n] = await Promise.all([fetch(`${url}/health`), fetch(`${url}/ready`), fetch(`${naive.url}/ready`)])
        const body = (await r.json()) as {ready: boolean; reason?: string}
        expect(body.ready).toBe(r.status === 200)
        const p = {at: Date.now() - t0, health: h.status, ready: r.status, naive: n.status, ...(body.reason ? {reason: body.reason} : {})}
        probes.push(p)
        return p
      }
      const until = async (ok: (p: Probe) => boolean, ms: number): Promise<void> => {
        const end = Date.now() + ms
        while (!ok(await probe())) {
          if (Date.now() > end) throw new Error(`timed out; probes: ${JSON.stringify(probes.slice(-5))}`)
          await sleep(25)
        }
      }

      const first = await fetch(`${url}/health`)
      const alive = (await first.json()) as Record<string, unknown>
      expect(alive).toMatchObject({status: 'alive', account: 'ops07', mode: 'paper'})
      // The pid and the lock epoch only with --health-details (test/crash passes it).
      expect(alive).not.toHaveProperty('pid')
      expect(alive).not.toHaveProperty('epoch')
      await until((p) => p.ready === 200, 30_000)
      const reconciling = probes.filter((p) => p.reason === 'reconciling')
      expect(reconciling.length).toBeGreaterThan(3)
      expect(session.stderr()).toMatch(/paper session on alpaca/)

      // The streams drop: not ready until the session is connected again.
      const cut = (await emu.admin('disconnect')) as {disconnected: number}
      expect(cut.disconnected).toBeGreaterThanOrEqual(1)
      await until((p) => p.reason === 'disconnected', 10_000)
      await until((p) => p.ready === 200, 30_000)

      // Alive at every probe; never ready while reconciling or disconnected.
      expect(probes.every((p) => p.health === 200)).toBe(true)
      const notReady = probes.filter((p) => p.ready === 503)
      expect(new Set(notReady.map((p) => p.reason))).toEqual(new Set(['reconciling', 'disconnected']))

      // Metrics: Prometheus text, with the session's orders once it has traded, and the reconnect.
      let families = new Map<string, Family>()
      const end = Date.now() + 60_000
      for (;;) {
        const res = await fetch(`${url}/metrics`)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
        families = prometheus(await res.text())
        const orders = families.get('trader_orders_total')?.samples.reduce((a, s) => a + s.value, 0) ?? 0
        if (orders >= 2 || Date.now() > end) break
        await sleep(250)
      }
      const orders = families.get('trader_orders_total')!
      expect(orders.type).toBe('counter')
      const sent = orders.samples.reduce((a, s) => a + s.value, 0)
      expect(sent).toBeGreaterThanOrEqual(2)
      for (const s of orders.samples) expect(s.labels).toMatchObject({venue: 'alpaca', account: 'ops07'})
      expect(families.get('trader_ws_reconnects_total')!.samples.reduce((a, s) => a + s.value, 0)).toBeGreaterThanOrEqual(1)
      for (const name of ['trader_fills_total', 'trader_rejections_total', 'trader_rate_limit_waits_total', 'trader_journal_bytes']) expect(families.has(name), name).toBe(true)
      expect(families.get('trader_event_reaction_seconds')?.type).toBe('histogram')

      session.proc.kill('SIGINT')
      expect(await session.exited).toBe(0)
      const summary = /orders (\d+), fills (\d+)/.exec(session.stdout())!
      expect(Number(summary[1])).toBeGreaterThanOrEqual(sent)
      await expect(fetch(`${url}/health`)).rejects.toThrow()

      // Bites: the liveness-only readiness said "ready" at every one of those moments, reconciling and disconnected too.
      expect(notReady.length).toBeGreaterThan(3)
      expect(notReady.every((p) => p.naive === 200)).toBe(true)
      expect(() => prometheus(JSON.stringify({orders: sent, fills: Number(summary[2])}))).toThrow(/not Prometheus text/)
    } finally {
      await naive.close()
      await emu.stop()
    }
  }, 240_000)
})
