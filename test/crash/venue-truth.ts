/**
 * The venue's own account of what happened, read from the exchange emulator's REST API with the test keys: every
 * order (open and closed) with its client order id, every execution and the positions. The crash test of real
 * sessions compares the client's files against this, since the emulator outlives every client it serves.
 */
import {createHmac} from 'node:crypto'

export type VenueName = 'alpaca' | 'bybit'

export const TEST_KEYS = {
  alpaca: {APCA_API_KEY_ID: 'PKEMULATORTESTKEY001', APCA_API_SECRET_KEY: 'emulatorOnlyTestSecretNotARealAlpacaKey1'},
  bybit: {BYBIT_API_KEY: 'EMULATORTESTKEY001', BYBIT_API_SECRET: 'emulatorOnlyTestSecretNotARealBybit1'},
} as const

export interface TruthOrder {
  readonly cid: string
  readonly venueId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  /** Hedge-mode leg ('net' on Alpaca). */
  readonly leg: 'long' | 'short' | 'net'
  readonly status: string
  readonly qty: number
  readonly filled: number
  readonly createdAt: number
  /** When the order stopped working (its last update), for a terminal order. */
  readonly endedAt?: number
}

export interface TruthFill {
  readonly venueOrderId: string
  /** The venue's execution id (Bybit execId, Alpaca activity id), when it gives one. */
  readonly execId?: string
  readonly cid: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly leg: 'long' | 'short' | 'net'
  readonly qty: number
  readonly ts: number
}

export interface VenueTruth {
  readonly orders: readonly TruthOrder[]
  readonly fills: readonly TruthFill[]
  /** Size by `SYMBOL:leg` (signed for 'net'), zero legs left out. */
  readonly positions: Readonly<Record<string, number>>
}

const TERMINAL = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced', 'Filled', 'Cancelled', 'Rejected', 'Deactivated', 'PartiallyFilledCanceled'])

/** Reads the venue's truth; throws on any HTTP or API error (a test must not compare against a half answer). */
export async function readVenueTruth(venue: VenueName, url: string, symbols: readonly string[]): Promise<VenueTruth> {
  return venue === 'bybit' ? bybitTruth(url, symbols) : alpacaTruth(url)
}

// ---------------------------------------------------------------- Alpaca

/** Only the positions (one request per symbol or less): cheap enough to poll beside a running session. */
export async function readVenuePositions(venue: VenueName, url: string, symbols: readonly string[]): Promise<Record<string, number>> {
  const positions: Record<string, number> = {}
  if (venue === 'alpaca') {
    for (const p of (await alpacaGet(url, '/v2/positions')) as Record<string, string>[]) if (Number(p.qty) !== 0) positions[`${p.symbol}:net`] = Number(p.qty)
    return positions
  }
  for (const symbol of symbols) {
    for (const p of (await bybitGet(url, '/v5/position/list', `category=linear&symbol=${symbol}`)).list as Record<string, string>[]) {
      if (Number(p.size) !== 0) positions[`${p.symbol}:${legOf(p.positionIdx)}`] = Number(p.size)
    }
  }
  return positions
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The test shares the session's key, so it shares its rate budget: a refusal waits and asks again (bounded). */
async function withBudget(call: () => Promise<Response>): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await call()
    if (res.status !== 429 || attempt >= 20) return res
    await sleep(500)
  }
}

async function alpacaGet(url: string, path: string): Promise<unknown> {
  const res = await withBudget(() => fetch(`${url}${path}`, {headers: {'APCA-API-KEY-ID': TEST_KEYS.alpaca.APCA_API_KEY_ID, 'APCA-API-SECRET-KEY': TEST_KEYS.alpaca.APCA_API_SECRET_KEY}}))
  const body = await res.text()
  if (res.status !== 200) throw new Error(`alpaca ${path}: HTTP ${res.status} ${body.slice(0, 200)}`)
  return JSON.parse(body)
}

async function alpacaTruth(url: string): Promise<VenueTruth> {
  const rows = (await alpacaGet(url, '/v2/orders?status=all&limit=500&direction=asc')) as Record<string, string | null>[]
  if (rows.length >= 500) throw new Error('alpaca: 500 orders or more; the truth reader does not page orders')
  const orders: TruthOrder[] = rows.map((o) => ({
    cid: o.client_order_id!, venueId: o.id!, symbol: o.symbol!, side: o.side as 'buy' | 'sell', leg: 'net', status: o.status!,
    qty: Number(o.qty), filled: Number(o.filled_qty), createdAt: Date.parse(o.created_at!),
    ...(TERMINAL.has(o.status!) ? {endedAt: Date.parse((o.filled_at ?? o.canceled_at ?? o.expired_at ?? o.failed_at ?? o.replaced_at ?? o.updated_at)!)} : {}),
  }))
  const byId = new Map(orders.map((o) => [o.venueId, o]))
  const fills: TruthFill[] = []
  let token: string | undefined
  for (;;) {
    const page = (await alpacaGet(url, `/v2/account/activities/FILL?direction=asc&page_size=100${token ? `&page_token=${token}` : ''}`)) as Record<string, string>[]
    for (const f of page) {
      const o = byId.get(f.order_id)
      fills.push({venueOrderId: f.order_id, execId: f.id, cid: o?.cid ?? '?', symbol: f.symbol, side: f.side as 'buy' | 'sell', leg: 'net', qty: Number(f.qty), ts: Date.parse(f.transaction_time)})
    }
    if (page.length < 100) break
    token = page.at(-1)!.id
  }
  const positions: Record<string, number> = {}
  for (const p of (await alpacaGet(url, '/v2/positions')) as Record<string, string>[]) if (Number(p.qty) !== 0) positions[`${p.symbol}:net`] = Number(p.qty)
  return {orders, fills, positions}
}

// ---------------------------------------------------------------- Bybit

async function bybitGet(url: string, path: string, query: string): Promise<Record<string, unknown>> {
  // The emulator checks the signature's timestamp against the wall clock, as Bybit does.
  const ts = String(Date.now())
  const recv = '20000'
  const {BYBIT_API_KEY: key, BYBIT_API_SECRET: secret} = TEST_KEYS.bybit
  const sign = createHmac('sha256', secret).update(`${ts}${key}${recv}${query}`).digest('hex')
  const res = await withBudget(() => fetch(`${url}${path}?${query}`, {headers: {'X-BAPI-API-KEY': key, 'X-BAPI-TIMESTAMP': ts, 'X-BAPI-RECV-WINDOW': recv, 'X-BAPI-SIGN': sign}}))
  const body = (await res.json()) as {retCode: number; retMsg: string; result: Record<string, unknown>}
  if (res.status !== 200 || body.retCode !== 0) throw new Error(`bybit ${path}?${query}: HTTP ${res.status} retCode ${body.retCode} ${body.retMsg}`)
  return body.result
}

async function bybitPaged(url: string, path: string, query: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = []
  let cursor = ''
  for (;;) {
    const r = await bybitGet(url, path, `${query}${cursor ? `&cursor=${cursor}` : ''}`)
    out.push(...(r.list as Record<string, string>[]))
    cursor = String(r.nextPageCursor ?? '')
    if (!cursor) return out
  }
}

const legOf = (idx: unknown): 'long' | 'short' | 'net' => (Number(idx) === 1 ? 'long' : Number(idx) === 2 ? 'short' : 'net')

async function bybitTruth(url: string, symbols: readonly string[]): Promise<VenueTruth> {
  const orders: TruthOrder[] = []
  const fills: TruthFill[] = []
  const positions: Record<string, number> = {}
  for (const symbol of symbols) {
    const open = await bybitPaged(url, '/v5/order/realtime', `category=linear&limit=50&symbol=${symbol}`)
    const closed = await bybitPaged(url, '/v5/order/history', `category=linear&limit=50&symbol=${symbol}`)
    for (const o of [...open, ...closed]) {
      orders.push({
        cid: o.orderLinkId, venueId: o.orderId, symbol: o.symbol, side: o.side === 'Buy' ? 'buy' : 'sell', leg: legOf(o.positionIdx), status: o.orderStatus,
        qty: Number(o.qty), filled: Number(o.cumExecQty), createdAt: Number(o.createdTime),
        ...(TERMINAL.has(o.orderStatus) ? {endedAt: Number(o.updatedTime)} : {}),
      })
    }
    const execs = await bybitPaged(url, '/v5/execution/list', `category=linear&limit=100&symbol=${symbol}`)
    for (const f of execs.reverse()) {
      fills.push({venueOrderId: f.orderId, execId: f.execId, cid: f.orderLinkId, symbol: f.symbol, side: f.side === 'Buy' ? 'buy' : 'sell', leg: 'net', qty: Number(f.execQty), ts: Number(f.execTime)})
    }
    for (const p of (await bybitGet(url, '/v5/position/list', `category=linear&symbol=${symbol}`)).list as Record<string, string>[]) {
      if (Number(p.size) !== 0) positions[`${p.symbol}:${legOf(p.positionIdx)}`] = Number(p.size)
    }
  }
  // An execution's leg is its order's (the execution list does not name it).
  const legById = new Map(orders.map((o) => [o.venueId, o.leg]))
  const withLegs = fills.map((f) => ({...f, leg: legById.get(f.venueOrderId) ?? 'net'}))
  orders.sort((a, b) => a.createdAt - b.createdAt)
  return {orders, fills: withLegs, positions}
}
