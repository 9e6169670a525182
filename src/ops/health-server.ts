/**
 * The per-session HTTP endpoint (OPS-07): `/health` answers while the process is alive, `/ready` only once the
 * session has reconciled with its venue and is connected, `/metrics` serves Prometheus text from a prom-client
 * registry. Bound to loopback, and answering only requests addressed to it by a loopback name (Host `localhost` or
 * `127.0.0.1`, with or without the port): a web page on another name resolving to 127.0.0.1 (DNS rebinding) gets
 * 421 and reads nothing. /health says alive and which session; the pid and the lock epoch only when the session
 * asked for details (`--health-details`).
 */
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Registry} from 'prom-client'

export interface Readiness {
  readonly ready: boolean
  /** Why not, when not ready: 'reconciling', 'disconnected', 'kill switch engaged', ... */
  readonly reason?: string
}

export interface HealthServerOptions {
  readonly port: number
  readonly host?: string
  readonly registry: Registry
  readonly readiness: () => Readiness
  /** Extra fields for /health (account, venue, mode; the pid and epoch only when asked for). */
  readonly info?: () => Record<string, unknown>
}

export interface HealthServer {
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

export async function serveHealth(opts: HealthServerOptions): Promise<HealthServer> {
  let port = 0
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, {'content-type': 'application/json'})
      res.end(JSON.stringify(body))
    }
    if (!loopbackHost(req.headers.host, port)) return json(421, {error: `this endpoint answers only http://127.0.0.1:${port} or http://localhost:${port}`})
    if (req.method !== 'GET') return json(405, {error: 'GET only'})
    if (path === '/health') return json(200, {status: 'alive', ...opts.info?.()})
    if (path === '/ready') {
      const r = opts.readiness()
      return json(r.ready ? 200 : 503, {ready: r.ready, ...(r.reason ? {reason: r.reason} : {})})
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => {
          res.writeHead(200, {'content-type': opts.registry.contentType})
          res.end(text)
        },
        (err: unknown) => json(500, {error: String(err)}),
      )
      return
    }
    json(404, {error: 'not found; try /health, /ready or /metrics'})
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    port,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A Host header naming this server by a loopback name: localhost or 127.0.0.1, bare or with our port. */
export function loopbackHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false
  const m = /^(localhost|127\.0\.0\.1)(?::(\d+))?$/i.exec(host)
  return m !== null && (m[2] === undefined || Number(m[2]) === port)
}
