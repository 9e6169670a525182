/**
 * The emulator's listeners: one node:http server on 127.0.0.1 for REST and websocket upgrades (by path), handing
 * requests and sockets to a venue's wire protocol, plus admin routes served here for every venue:
 *
 *   GET  /__emulator/stats         the venue's counters (requests, rate-limit violations, sockets, …) as JSON
 *   POST /__emulator/fault         arm a RequestFault (JSON body, e.g. {"kind":"drop_response","endpoint":"POST /v2/orders"})
 *   POST /__emulator/disconnect    cut every open websocket (clients see an abnormal close, 1006)
 *   POST /__emulator/advance?ms=N  manual pacing only: run venue time N ms forward
 *
 * The admin routes are the emulator's remote control, so a web page the user happens to open must not reach them:
 * each request needs `Authorization: Bearer <admin token>` (the token printed at start, or given), a request with an
 * Origin header other than the server's own is refused (403), and a POST must declare `Content-Type:
 * application/json` (415) — a browser sends a cross-origin text/plain POST without asking first, never a JSON one.
 *
 * The server registers every upgraded socket with `venue.registerSocket` itself; a protocol's own registration
 * is accepted and ignored, so each socket counts once whichever side registers it. A protocol that throws answers
 * 500 with a one-line message; it never takes the server down.
 */
import {randomBytes, timingSafeEqual} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Duplex} from 'node:stream'
import {type WebSocket, WebSocketServer} from 'ws'
import {z} from 'zod'
import type {EmulatedVenue, EmulatorProtocol, ProtocolFactory, RequestFault} from './venue-api.js'
import {EmulatorError} from './core/errors.js'

export interface RunningEmulator {
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** ws://127.0.0.1:<port>; sockets open on wsUrl + the protocol's path (e.g. /stream, /v5/private). */
  readonly wsUrl: string
  readonly port: number
  /** The token the admin routes require (`Authorization: Bearer <token>`). */
  readonly adminToken: string
  close(): Promise<void>
}

export interface EmulatorServerOptions {
  venue: EmulatedVenue & {advance?(ms: number): Promise<void>}
  protocol: ProtocolFactory
  /** 0 (default) picks a free port. */
  port?: number
  /** Largest request body accepted, bytes (default 1 MiB). */
  maxBodyBytes?: number
  /** The admin routes' token (default: 32 random hex digits, read back from RunningEmulator.adminToken). */
  adminToken?: string
}

const ADMIN = '/__emulator/'

const endpoint = z.string().min(1).optional()
const times = z.number().int().positive().optional()
/** The body of POST /__emulator/fault. */
export const RequestFaultSchema: z.ZodType<RequestFault> = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('rate_limit'), endpoint, times}).strict(),
  z.object({kind: z.literal('drop_response'), endpoint, times}).strict(),
  z.object({kind: z.literal('server_error'), endpoint, times}).strict(),
  z.object({kind: z.literal('delay'), ms: z.number().int().min(0).max(600_000), endpoint, times}).strict(),
])

export async function startEmulatorServer(opts: EmulatorServerOptions): Promise<RunningEmulator> {
  const {venue} = opts
  const maxBody = opts.maxBodyBytes ?? 1 << 20
  const adminToken = opts.adminToken ?? randomBytes(16).toString('hex')
  let port = 0
  const protocol: EmulatorProtocol = opts.protocol(protocolView(venue))
  const sockets = new Set<WebSocket>()
  const wss = new WebSocketServer({noServer: true})

  const server = createServer((req, res) => {
    readBody(req, maxBody).then(
      async (body) => {
        const path = pathOf(req)
        if (path.startsWith(ADMIN)) return admin(req, path, body, res)
        try {
          await protocol.handleHttp(req, body, res)
        } catch (err) {
          fail(res, 500, `emulator protocol error on ${req.method} ${path}: ${oneLine(err)}`)
        }
      },
      (err: unknown) => fail(res, err instanceof BodyTooLarge ? 413 : 400, oneLine(err)),
    )
  })

  const admin = async (req: IncomingMessage, path: string, body: string, res: ServerResponse): Promise<void> => {
    const route = `${req.method} ${path}`
    const refused = adminRefusal(req, port, adminToken)
    if (refused) return fail(res, refused.status, refused.error)
    try {
      switch (route) {
        case `GET ${ADMIN}stats`:
          return json(res, 200, venue.stats())
        case `POST ${ADMIN}fault`: {
          let raw: unknown
          try {
            raw = JSON.parse(body)
          } catch {
            return fail(res, 400, 'fault body is not JSON; send e.g. {"kind":"rate_limit","endpoint":"POST /v2/orders","times":1}')
          }
          const parsed = RequestFaultSchema.safeParse(raw)
          if (!parsed.success) {
            const issue = parsed.error.issues[0]
            return fail(res, 400, `fault body: ${issue.path.join('.') || 'body'}: ${issue.message}; kinds: rate_limit, drop_response, server_error, delay (with ms)`)
          }
          venue.armFault(parsed.data)
          return json(res, 200, {armed: parsed.data})
        }
        case `POST ${ADMIN}disconnect`: {
          const open = sockets.size
          venue.disconnectStreams()
          return json(res, 200, {disconnected: open})
        }
        case `POST ${ADMIN}advance`: {
          if (!venue.advance) return fail(res, 409, 'this venue has no manual pacing')
          const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms'))
          if (!(Number.isFinite(ms) && ms >= 0)) return fail(res, 400, 'advance needs ?ms=<milliseconds >= 0>')
          await venue.advance(ms)
          return json(res, 200, {now: venue.now()})
        }
        default:
          return fail(res, 404, `no admin route ${route}; try GET ${ADMIN}stats, POST ${ADMIN}fault, POST ${ADMIN}disconnect, POST ${ADMIN}advance?ms=`)
      }
    } catch (err) {
      // e.g. advance on a paced venue
      fail(res, err instanceof EmulatorError ? 409 : 500, oneLine(err))
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req)
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      const unregister = venue.registerSocket(() => ws.terminate())
      ws.once('close', () => {
        sockets.delete(ws)
        unregister()
      })
      try {
        protocol.handleSocket(ws, path)
      } catch (err) {
        ws.close(1011, oneLine(err).slice(0, 120))
      }
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new EmulatorError(`port ${opts.port} is already in use; choose another --port (0 picks a free one)`) : err),
    )
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    adminToken,
    close: () =>
      (closing ??= (async () => {
        for (const ws of sockets) ws.terminate()
        await new Promise<void>((resolve) => wss.close(() => resolve()))
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await closed
      })()),
  }
}

/** Why an admin request is refused (cross-origin, no or wrong token, a POST that is not JSON), or undefined. */
function adminRefusal(req: IncomingMessage, port: number, token: string): {status: number; error: string} | undefined {
  const origin = req.headers.origin
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
    return {status: 403, error: `cross-origin admin request from ${origin.slice(0, 100)} refused; call the admin routes from a local client, not a web page`}
  }
  const given = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (given === undefined || !sameToken(given, token)) {
    return {status: 401, error: 'admin routes need the admin token printed at start: send Authorization: Bearer <token> (set it with --admin-token or $EMULATOR_ADMIN_TOKEN)'}
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (req.method === 'POST' && type !== 'application/json') {
    return {status: 415, error: `admin POST bodies must be JSON: send Content-Type: application/json${type ? `, not ${type.slice(0, 60)}` : ''}`}
  }
  return undefined
}

/** Constant-time token comparison (the length is not secret). */
function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The venue as the protocol sees it: the same object, except that socket registration is the server's job. */
function protocolView(venue: EmulatedVenue): EmulatedVenue {
  return new Proxy(venue, {
    get(target, key) {
      if (key === 'registerSocket') return () => () => undefined
      const v: unknown = Reflect.get(target, key, target)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge'
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        reject(new BodyTooLarge(`request body over ${max} bytes`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://x').pathname
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  json(res, status, {error: message})
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).replace(/\s*\n\s*/g, ' ').trim()
}
