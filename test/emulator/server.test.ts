/**
 * The emulator server over real loopback HTTP and websockets, with a tiny test protocol: requests reach the
 * protocol with their body, admin routes work for any venue, faults are armed and consumed, a disconnect cuts the
 * streams, a throwing protocol answers 500 without taking the server down, and close() leaves nothing open.
 */
import {afterEach, describe, expect, it} from 'vitest'
import WebSocket from 'ws'
import {defaultInstrument} from '../../src/core/instrument.js'
import {createEmulatedVenue, type ControlledVenue} from '../../src/emulator/core/emulated-venue.js'
import {startEmulatorServer, type RunningEmulator} from '../../src/emulator/server.js'
import type {EmulatedVenue, EmulatorProtocol, ProtocolFactory} from '../../src/emulator/venue-api.js'

const T0 = Date.UTC(2024, 0, 2, 14, 30)
const MIN = 60_000

/** A minimal venue protocol: JSON in, JSON out, order events pushed to every socket on /stream. */
const testProtocol: ProtocolFactory = (venue: EmulatedVenue): EmulatorProtocol => {
  const sockets = new Set<WebSocket>()
  venue.broker.subscribe((e) => {
    for (const s of sockets) s.send(JSON.stringify({kind: e.kind, ts: e.ts}))
  })
  venue.onBar((b) => {
    for (const s of sockets) s.send(JSON.stringify({kind: 'bar', symbol: b.symbol, ts: b.ts}))
  })
  return {
    async handleHttp(req, body, res) {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const endpoint = `${req.method} ${path}`
      venue.recordRequest(endpoint)
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, {'content-type': 'application/json', ...headers})
        res.end(JSON.stringify(payload))
      }
      const fault = venue.takeFault(endpoint)
      if (fault?.kind === 'server_error') return send(500, {message: 'injected'})
      if (fault?.kind === 'rate_limit') return send(429, {message: 'too many requests (injected)'})
      const rate = venue.checkRate(String(req.headers['x-key'] ?? 'anon'), endpoint, [{bucket: 'all', limit: 3, windowMs: 60_000}])
      if (!rate.allowed) return send(429, {message: 'too many requests'}, {'x-ratelimit-reset': String(rate.resetAt)})
      if (path === '/boom') throw new Error('the protocol broke\nwith a second line')
      if (path === '/time') return send(200, {now: venue.now()})
      if (path === '/hang') return // never answers, like a request waiting for venue time that never comes
      if (endpoint === 'POST /orders') {
        const {id, qty, price} = JSON.parse(body) as {id: string; qty: number; price: number}
        const receipt = await venue.broker.submitOrder({clientOrderId: id, symbol: 'SPY', side: 'buy', type: 'limit', qty, limitPrice: price, tif: 'gtc'})
        if (fault?.kind === 'drop_response') return void req.socket.destroy()
        return send(200, receipt)
      }
      send(404, {message: `no route ${endpoint}`})
    },
    handleSocket(socket, path) {
      if (path !== '/stream') return socket.close(4004, 'unknown stream')
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      // A protocol may register its socket too; the server counts each socket once.
      venue.registerSocket(() => socket.terminate())
      socket.send(JSON.stringify({kind: 'hello'}))
    },
  }
}

let venue: ControlledVenue
let emu: RunningEmulator | undefined

async function start(): Promise<RunningEmulator> {
  venue = createEmulatedVenue({
    venue: 'alpaca',
    credentials: {key: 'K', secret: 'S'},
    instruments: [defaultInstrument('SPY', 'us_equity', 'alpaca')],
    bars: [0, 1, 2].map((i) => ({symbol: 'SPY', ts: T0 + i * MIN, tfMs: MIN, open: 100, high: 101, low: 99 - i, close: 100, volume: 10_000})),
    pacing: {mode: 'manual'},
  })
  emu = await startEmulatorServer({venue, protocol: testProtocol, port: 0})
  return emu
}

afterEach(async () => {
  await emu?.close()
  await venue?.stop()
  emu = undefined
})

/** A request; the admin routes get the admin token and a JSON content type unless `headers` says otherwise. */
async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{status: number; body: any}> {
  const admin = path.startsWith('/__emulator/') ? {authorization: `Bearer ${emu!.adminToken}`, ...(method === 'POST' ? {'content-type': 'application/json'} : {})} : {}
  const r = await fetch(`${emu!.url}${path}`, {method, headers: {...admin, ...headers}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)})
  const text = await r.text()
  return {status: r.status, body: text ? JSON.parse(text) : null}
}

function openSocket(path: string): Promise<{ws: WebSocket; frames: any[]; closed: Promise<number>}> {
  const ws = new WebSocket(`${emu!.wsUrl}${path}`)
  const frames: any[] = []
  ws.on('message', (m) => frames.push(JSON.parse(String(m))))
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ws, frames, closed}))
    ws.once('error', reject)
  })
}

describe('emulator server', () => {
  it('listens on a free loopback port and hands requests with their body to the protocol', async () => {
    const e = await start()
    expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(e.wsUrl).toBe(`ws://127.0.0.1:${e.port}`)
    expect(e.port).toBeGreaterThan(0)
    const r = await http('POST', '/orders', {id: 'o1', qty: 5, price: 98})
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({clientOrderId: 'o1', ts: T0})
    expect((await http('GET', '/time')).body).toEqual({now: T0})
    expect((await http('GET', '/__emulator/stats')).body).toMatchObject({requests: 2, byEndpoint: {'POST /orders': 1, 'GET /time': 1}, rateLimitViolations: 0, mode: 'manual'})
  })

  it('advances a manual venue through the admin route; events and bars reach the socket', async () => {
    await start()
    const s = await openSocket('/stream')
    await http('POST', '/orders', {id: 'o1', qty: 5, price: 98})
    const adv = await http('POST', '/__emulator/advance?ms=180000')
    expect(adv).toEqual({status: 200, body: {now: T0 + 3 * MIN}})
    await until(() => s.frames.some((f) => f.kind === 'execution'))
    const kinds = s.frames.map((f) => f.kind)
    expect(kinds[0]).toBe('hello')
    expect(kinds.filter((k) => k === 'bar')).toHaveLength(3)
    // The limit at 98 trades in the second bar (low 98): the simulator matches a bar before the protocol sees it,
    // and the fill's events follow that bar's frame, before the third bar.
    const barAt = kinds.flatMap((k, i) => (k === 'bar' ? [i] : []))
    expect(kinds.indexOf('execution')).toBeGreaterThan(barAt[1])
    expect(kinds.indexOf('execution')).toBeLessThan(barAt[2])
    expect((await http('POST', '/__emulator/advance?ms=-1')).status).toBe(400)
  })

  it('arms faults from a validated body and the protocol consumes them', async () => {
    await start()
    const bad = await http('POST', '/__emulator/fault', {kind: 'explode'})
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/^fault body: kind: .*; kinds: rate_limit, drop_response, server_error, delay/)
    expect((await http('POST', '/__emulator/fault', 'not json')).status).toBe(400)
    expect((await http('POST', '/__emulator/fault', {kind: 'delay'})).body.error).toMatch(/ms/)
    expect(await http('POST', '/__emulator/fault', {kind: 'server_error', endpoint: 'GET /time', times: 2})).toEqual({status: 200, body: {armed: {kind: 'server_error', endpoint: 'GET /time', times: 2}}})
    await http('POST', '/__emulator/fault', {kind: 'rate_limit', endpoint: '/time'})
    expect((await http('GET', '/time')).status).toBe(500)
    expect((await http('GET', '/time')).status).toBe(500)
    expect((await http('GET', '/time')).status).toBe(429)
    expect((await http('GET', '/time')).status).toBe(200)
    const stats = (await http('GET', '/__emulator/stats')).body
    expect(stats).toMatchObject({injectedRateLimits: 1, rateLimitViolations: 0, faultsArmed: 0})
  })

  it('a dropped response leaves the client without an answer while the venue did the work', async () => {
    await start()
    await http('POST', '/__emulator/fault', {kind: 'drop_response', endpoint: 'POST /orders'})
    await expect(http('POST', '/orders', {id: 'lost', qty: 1, price: 90})).rejects.toThrow()
    expect(await venue.broker.getOrder({clientOrderId: 'lost'})).toMatchObject({clientOrderId: 'lost', status: 'accepted'})
  })

  it('counts requests over the limit as violations', async () => {
    await start()
    const codes = []
    for (let i = 0; i < 5; i++) codes.push((await http('GET', '/time', undefined, {'x-key': 'burst'})).status)
    expect(codes).toEqual([200, 200, 200, 429, 429])
    expect((await http('GET', '/__emulator/stats')).body.rateLimitViolations).toBe(2)
  })

  it('admin routes need the token, refuse other origins and non-JSON POSTs (a web page cannot arm a fault)', async () => {
    const e = await start()
    expect(e.adminToken).toMatch(/^[0-9a-f]{32}$/)
    const fault = {kind: 'server_error', endpoint: 'GET /time'}
    const json = {'content-type': 'application/json'}
    expect((await http('GET', '/__emulator/stats', undefined, {authorization: ''})).status).toBe(401)
    expect((await http('POST', '/__emulator/fault', fault, {authorization: 'Bearer 0123', ...json})).status).toBe(401)
    expect((await http('POST', '/__emulator/fault', fault, {'content-type': 'text/plain'})).body.error).toMatch(/Content-Type: application\/json, not text\/plain/)
    expect((await http('POST', '/__emulator/disconnect', undefined, {'content-type': 'application/x-www-form-urlencoded'})).status).toBe(415)
    const cross = await http('POST', '/__emulator/fault', fault, {origin: 'https://evil.example'})
    expect(cross.status).toBe(403)
    expect(cross.body.error).toMatch(/cross-origin/)
    // Nothing was armed by the refused requests.
    expect((await http('GET', '/time')).status).toBe(200)
    // The server's own origin, the token and JSON: accepted.
    expect((await http('POST', '/__emulator/fault', fault, {origin: `http://127.0.0.1:${e.port}`})).status).toBe(200)
    expect((await http('GET', '/time')).status).toBe(500)
  })

  it('takes the admin token it is given', async () => {
    venue = createEmulatedVenue({venue: 'alpaca', credentials: {key: 'K', secret: 'S'}, instruments: [defaultInstrument('SPY', 'us_equity', 'alpaca')], bars: [], pacing: {mode: 'manual'}})
    emu = await startEmulatorServer({venue, protocol: testProtocol, port: 0, adminToken: 'given-token-1'})
    expect(emu.adminToken).toBe('given-token-1')
    expect((await http('GET', '/__emulator/stats')).status).toBe(200)
  })

  it('cuts every stream on POST /__emulator/disconnect and counts each socket once', async () => {
    await start()
    const a = await openSocket('/stream')
    const b = await openSocket('/stream')
    await until(() => a.frames.length > 0 && b.frames.length > 0)
    expect((await http('GET', '/__emulator/stats')).body).toMatchObject({wsConnections: 2, wsOpen: 2})
    expect((await http('POST', '/__emulator/disconnect')).body).toEqual({disconnected: 2})
    expect(await a.closed).toBe(1006)
    expect(await b.closed).toBe(1006)
    const c = await openSocket('/stream')
    await until(() => c.frames.length > 0)
    expect((await http('GET', '/__emulator/stats')).body).toMatchObject({wsConnections: 3, wsOpen: 1, wsDisconnectsInjected: 2})
  })

  it('turns a protocol error into a one-line 500 and keeps serving', async () => {
    await start()
    const r = await http('GET', '/boom')
    expect(r.status).toBe(500)
    expect(r.body.error).toBe('emulator protocol error on GET /boom: Error: the protocol broke with a second line')
    expect((await http('GET', '/time')).status).toBe(200)
    expect((await http('GET', '/__emulator/nope')).status).toBe(404)
  })

  it('closes cleanly: open sockets are closed, the port is released, no TCP handle is left', async () => {
    const tcp = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length
    const before = tcp()
    const e = await start()
    const s = await openSocket('/stream')
    // A keep-alive HTTP connection stays open after its answer, as the SDK clients' do.
    expect((await http('GET', '/time')).status).toBe(200)
    expect(tcp()).toBeGreaterThan(before)
    const hanging = fetch(`${e.url}/hang`).then(
      () => 'answered',
      () => 'cut',
    )
    await until(() => venue.stats().byEndpoint['GET /hang'] === 1)
    const t = Date.now()
    await e.close()
    expect(await hanging).toBe('cut')
    // A request still in the protocol's hands must not hold close() up.
    expect(Date.now() - t).toBeLessThan(500)
    expect(await s.closed).toBe(1006)
    await expect(fetch(`${e.url}/time`)).rejects.toThrow()
    await e.close() // idempotent
    emu = undefined
    await until(() => tcp() <= before)
  })

  it('reports a busy port as one clear line', async () => {
    const e = await start()
    const other = createEmulatedVenue({venue: 'alpaca', credentials: {key: 'K', secret: 'S'}, instruments: [defaultInstrument('SPY', 'us_equity', 'alpaca')], pacing: {mode: 'manual'}})
    await expect(startEmulatorServer({venue: other, protocol: testProtocol, port: e.port})).rejects.toThrow(`port ${e.port} is already in use; choose another --port (0 picks a free one)`)
  })
})

async function until(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
