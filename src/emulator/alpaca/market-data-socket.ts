/**
 * Alpaca's market-data websocket (wss://stream.data.alpaca.markets/v2/{feed}): every server message is an array of
 * frames `{T, …}`. The client authenticates (`{"action":"auth","key","secret"}` → `success/authenticated`, or
 * `error` 402 `auth failed`), subscribes (`{"action":"subscribe","bars":[…]}` → a `subscription` frame with the
 * current lists), and then receives one `b` frame per closed minute bar of a subscribed symbol ("*" = all).
 *
 * Encoding: Alpaca answers in MessagePack when the client asked for it with a `Content-Type: application/msgpack`
 * header (the SDK does). The protocol does not see the upgrade headers, so it takes the encoding of the client's
 * first message (binary = MessagePack, text = JSON) and sends the `success/connected` greeting then, in that
 * encoding, before answering it. Only bars are streamed; trades and quotes subscriptions are answered with empty
 * lists.
 */
import type {WebSocket} from 'ws'
import type {FeedBar} from '../../broker/market-feed.js'
import type {EmulatorCredentials} from '../venue-api.js'
import {decodeMsgpack, encodeMsgpack, MsgpackTimestamp} from './msgpack.js'
import {iso} from './payloads.js'

interface DataConn {
  readonly ws: WebSocket
  codec?: 'json' | 'msgpack'
  authed: boolean
  readonly bars: Set<string>
}

const CHANNEL_LISTS = ['trades', 'quotes', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'corrections', 'cancelErrors'] as const

export class MarketDataSockets {
  private readonly conns = new Set<DataConn>()

  constructor(private readonly credentials: EmulatorCredentials) {}

  open(ws: WebSocket): void {
    const conn: DataConn = {ws, authed: false, bars: new Set()}
    this.conns.add(conn)
    ws.on('close', () => this.conns.delete(conn))
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.onMessage(conn, toBuffer(data), isBinary))
  }

  /** A closed bar, to every authenticated connection subscribed to its symbol. */
  bar(b: FeedBar): void {
    for (const c of this.conns) {
      if (!c.authed || !c.codec || !(c.bars.has(b.symbol) || c.bars.has('*'))) continue
      const t = c.codec === 'msgpack' ? MsgpackTimestamp.fromMs(b.ts) : iso(b.ts)
      this.send(c, [{T: 'b', S: b.symbol, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, t}])
    }
  }

  private onMessage(c: DataConn, data: Buffer, isBinary: boolean): void {
    if (!c.codec) {
      c.codec = isBinary ? 'msgpack' : 'json'
      this.send(c, [{T: 'success', msg: 'connected'}])
    }
    let msg: unknown
    try {
      msg = c.codec === 'msgpack' && isBinary ? decodeMsgpack(data) : JSON.parse(data.toString('utf8'))
    } catch {
      return this.send(c, [{T: 'error', code: 400, msg: 'invalid syntax'}])
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.send(c, [{T: 'error', code: 400, msg: 'invalid syntax'}])
    const m = msg as Record<string, unknown>
    switch (m.action) {
      case 'auth': {
        if (c.authed) return this.send(c, [{T: 'error', code: 403, msg: 'already authenticated'}])
        if (m.key === this.credentials.key && m.secret === this.credentials.secret) {
          c.authed = true
          return this.send(c, [{T: 'success', msg: 'authenticated'}])
        }
        this.send(c, [{T: 'error', code: 402, msg: 'auth failed'}])
        c.ws.close()
        return
      }
      case 'subscribe':
      case 'unsubscribe': {
        if (!c.authed) return this.send(c, [{T: 'error', code: 401, msg: 'not authenticated'}])
        const bars = m.bars
        if (bars !== undefined && (!Array.isArray(bars) || !bars.every((s) => typeof s === 'string'))) {
          return this.send(c, [{T: 'error', code: 400, msg: 'invalid syntax'}])
        }
        for (const s of (bars as string[] | undefined) ?? []) {
          if (m.action === 'subscribe') c.bars.add(s)
          else c.bars.delete(s)
        }
        const frame: Record<string, unknown> = {T: 'subscription', bars: [...c.bars].sort()}
        for (const k of CHANNEL_LISTS) frame[k] = []
        return this.send(c, [frame])
      }
      default:
        return this.send(c, [{T: 'error', code: 400, msg: 'invalid syntax'}])
    }
  }

  private send(c: DataConn, value: unknown): void {
    if (c.ws.readyState !== c.ws.OPEN) return
    if (c.codec === 'msgpack') c.ws.send(encodeMsgpack(value), {binary: true})
    else c.ws.send(JSON.stringify(value))
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
