/**
 * Closed bars from Bybit's public linear stream (`kline.<interval>.<symbol>`), as a MarketFeed. Only klines with
 * `confirm: true` are bars; the updates of the bar still forming are not, and a bar is delivered once (the venue
 * may repeat a confirmed kline, and a backfill may overlap the stream).
 *
 * Sharing (GRID-09): public data needs no account, so one feed on one transport serves every account of a process.
 * Build it on a public-only transport (`createBybitSdkTransport` without credentials) and pass it to each
 * account's BybitAdapter as `feed`; each adapter's `subscribeBars` then lands here, topics are subscribed once on
 * one socket, and every handler of a topic gets each bar. Account transports keep their own budgets, errors and
 * private streams.
 *
 * After the stream reconnects, the bars closed during the gap are fetched over REST (GET /v5/market/kline) and
 * delivered before the stream's own frames, which wait meanwhile.
 */
import type {FeedBar, MarketFeed} from '../../broker/market-feed.js'
import type {Unsubscribe} from '../../broker/port.js'
import type {RawFrame, VenueTransport} from '../../broker/transport.js'
import type {Clock} from '../../core/time/clock.js'
import {decodeBybitKlines, decodeBybitResponse} from './decode-rest.js'
import {decodeBybitFrame} from './decode-ws.js'
import {bybitInterval} from '../../broker/bybit-intervals.js'

export const PUBLIC_STREAM = 'public.linear'

export interface DecodeErrorReport {
  readonly where: string
  readonly raw: unknown
  readonly issue: string
}

export interface BybitFeedDeps {
  readonly transport: VenueTransport
  readonly clock: Clock
  readonly onDecodeError?: (e: DecodeErrorReport) => void
  /** A failed gap backfill (the stream goes on; the bars of the gap stay missing). */
  readonly onBackfillError?: (err: unknown) => void
}

/** A bar length Bybit has no kline interval for, or a symbol the feed cannot subscribe. */
export class BybitFeedError extends Error {
  override readonly name = 'BybitFeedError'
}

type BarHandler = (bar: FeedBar) => void

interface Route {
  readonly symbol: string
  readonly interval: string
  readonly tfMs: number
  readonly handlers: BarHandler[]
  /** Open time of the last bar delivered. */
  lastTs: number
}

const DECODE_CTX = {positionMode: 'netting' as const}

export class BybitPublicFeed implements MarketFeed {
  private readonly routes = new Map<string, Route>()
  private readonly unsubs: Unsubscribe[]
  private backfilling = false
  private readonly waiting: unknown[] = []

  constructor(private readonly deps: BybitFeedDeps) {
    this.unsubs = [
      deps.transport.onFrame((f) => this.onFrame(f)),
      deps.transport.onConnection((e) => {
        if (e.stream === PUBLIC_STREAM && e.kind === 'reconnected') void this.backfill()
      }),
    ]
  }

  async subscribeBars(symbols: readonly string[], tfMs: number, handler: BarHandler): Promise<Unsubscribe> {
    const interval = bybitInterval(tfMs)
    if (interval === undefined) throw new BybitFeedError(`bybit: no kline interval of ${tfMs} ms; use 1, 3, 5, 15, 30, 60, 120, 240, 360, 720 minutes, a day or a week`)
    const topics = symbols.map((s) => `kline.${interval}.${s}`)
    symbols.forEach((symbol, i) => {
      let r = this.routes.get(topics[i])
      if (!r) this.routes.set(topics[i], (r = {symbol, interval, tfMs, handlers: [], lastTs: -Infinity}))
      r.handlers.push(handler)
    })
    await this.deps.transport.subscribe({stream: PUBLIC_STREAM, topics})
    return () => {
      for (const t of topics) {
        const r = this.routes.get(t)
        const i = r ? r.handlers.indexOf(handler) : -1
        if (r && i >= 0) r.handlers.splice(i, 1)
      }
    }
  }

  close(): void {
    for (const u of this.unsubs.splice(0)) u()
  }

  private onFrame(frame: RawFrame): void {
    if (frame.stream !== PUBLIC_STREAM) return
    if (this.backfilling) this.waiting.push(frame.data)
    else this.apply(frame.data)
  }

  private apply(raw: unknown): void {
    const topic = typeof raw === 'object' && raw !== null ? (raw as {topic?: unknown}).topic : undefined
    for (const m of decodeBybitFrame(raw, this.deps.clock.now(), DECODE_CTX)) {
      if (m.kind === 'decode_error') {
        this.deps.onDecodeError?.({where: m.channel, raw: m.raw, issue: m.reason})
        continue
      }
      if (m.kind !== 'bar' || m.bar.closed !== true || typeof topic !== 'string') continue
      const r = this.routes.get(topic)
      if (r) this.deliver(r, m.bar)
    }
  }

  private deliver(r: Route, b: {ts: number; open: number; high: number; low: number; close: number; volume: number}): void {
    if (!(b.ts > r.lastTs)) return
    r.lastTs = b.ts
    const bar: FeedBar = {symbol: r.symbol, ts: b.ts, tfMs: r.tfMs, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume}
    for (const h of [...r.handlers]) h(bar)
  }

  /** The bars that closed while the stream was down, oldest first, before the frames that waited. */
  private async backfill(): Promise<void> {
    if (this.backfilling) return
    this.backfilling = true
    try {
      for (const r of this.routes.values()) {
        if (!Number.isFinite(r.lastTs) || r.handlers.length === 0) continue
        try {
          const res = await this.deps.transport.request({
            endpoint: 'GET /v5/market/kline',
            params: {category: 'linear', symbol: r.symbol, interval: r.interval, start: r.lastTs + r.tfMs, limit: 1000},
          })
          const reply = decodeBybitResponse(res.body, 'bybit:rest:/v5/market/kline', (result, _t, channel) => decodeBybitKlines(result, channel))
          if (!reply.ok) {
            if ('error' in reply) this.deps.onDecodeError?.({where: reply.error.channel, raw: reply.error.raw, issue: reply.error.reason})
            else this.deps.onBackfillError?.(reply.rejected)
            continue
          }
          const now = this.deps.clock.now()
          for (const b of reply.value) if (b.ts + r.tfMs <= now) this.deliver(r, b)
        } catch (err) {
          this.deps.onBackfillError?.(err)
        }
      }
    } finally {
      this.backfilling = false
      for (const raw of this.waiting.splice(0)) this.apply(raw)
    }
  }
}
