/**
 * The emulator's listeners: one node:http server on 127.0.0.1 for REST and websocket upgrades (by path), handing
 * requests and sockets to a venue's wire protocol, plus admin routes served here for every venue:
 *
 *   GET  /__emulator/stats         the venue's counters (requests, rate-limit violations, sockets, …) as JSON
 *   POST /__emulator/fault         arm a RequestFault (JSON body, e.g. {"kind":"drop_response","endpoint":"POST /v2/orders"})
 *   POST /__emulator/disconnect    cut every open websocket (clients see an abnormal close, 1006)
 *   POST /__emulator/advance?ms=N  manual pacing only: run venue time N ms forward
 *
 * The server registers every upgraded socket with `venue.registerSocket` itself; a protocol's own registration
 * is accepted and ignored, so each socket counts once whichever side registers it. A protocol that throws answers
 * 500 with a one-line message; it never takes the server down.
 */
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
  close(): Promise<void>
}

export interface EmulatorServerOptions {
  venue: EmulatedVenue & {advance?(ms: number): Promise<void>}
  protocol: ProtocolFactory
  /** 0 (default) picks a free port. */
  port?: number
  /** Largest request body accepted, bytes (default 1 MiB). */
  maxBodyBytes?: number
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
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
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
