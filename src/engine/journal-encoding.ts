/**
 * Canonical one-line encodings of the journal's most frequent records (venue events, order intents, submit
 * requests and answers) for the journal hash: a template of their fields costs a fraction of JSON.stringify.
 * Every field is present, in a fixed order, so equal records encode equally and a changed field changes the
 * line. Other records are hashed as JSON. `sameEncoding` tells, without encoding, that two such records encode
 * equally (replay compares each replayed record with the recorded one).
 */
import type {BrokerEvent} from '../core/events.js'
import type {OrderRequest} from '../core/order.js'

const opt = (v: unknown): string => (v === undefined ? '' : String(v))

export function encodeEvent(e: BrokerEvent): string {
  switch (e.kind) {
    case 'order': {
      const o = e.order
      return `order|${e.ts}|${o.clientOrderId}|${o.venueOrderId}|${o.symbol}|${o.side}|${o.type}|${o.tif}|${o.qty}|${opt(o.limitPrice)}|${opt(o.stopPrice)}|${opt(o.reduceOnly)}|${opt(o.postOnly)}|${opt(o.positionSide)}|${o.status}|${o.filledQty}|${o.avgFillPrice}|${o.createdAt}|${o.updatedAt}|${opt(o.reason)}`
    }
    case 'execution': {
      const f = e.fill
      return `execution|${e.ts}|${f.execId}|${f.clientOrderId}|${f.venueOrderId}|${f.symbol}|${f.side}|${f.positionSide}|${f.qty}|${f.price}|${f.fee}|${f.liquidity}|${f.ts}`
    }
    case 'position': {
      const p = e.position
      return `position|${e.ts}|${p.symbol}|${p.side}|${p.qty}|${p.avgPrice}|${p.realizedPnl}|${p.ts}`
    }
    case 'account': {
      const a = e.account
      return `account|${e.ts}|${a.cash}|${a.equity}|${a.buyingPower}|${a.marginUsed}|${a.maintenanceMargin}|${a.realizedPnl}|${a.fees}|${a.ts}`
    }
    default:
      return `${e.kind}|${JSON.stringify(e)}`
  }
}

let lastRequest: OrderRequest | undefined
let lastEncoded = ''

/** An order is journaled twice in a row (the intent, then the request on the wire): encode it once. */
function encodeRequest(r: OrderRequest): string {
  if (r !== lastRequest) {
    lastRequest = r
    lastEncoded = `${r.clientOrderId}|${r.symbol}|${r.side}|${r.type}|${r.tif}|${r.qty}|${opt(r.limitPrice)}|${opt(r.stopPrice)}|${opt(r.reduceOnly)}|${opt(r.postOnly)}|${opt(r.positionSide)}`
  }
  return lastEncoded
}

interface Call {
  readonly op: string
  /** Request number (pairs an answer with its request); absent in journals written before it existed. */
  readonly n?: number
  readonly args?: unknown
  readonly result?: unknown
  readonly error?: unknown
}

/** The hashed body of one journal record. */
export function encodeRecord(type: string, data: unknown): string {
  switch (type) {
    case 'event':
      return encodeEvent(data as BrokerEvent)
    case 'intent': {
      const i = data as {request: OrderRequest; reason?: string}
      return `${encodeRequest(i.request)}|${opt(i.reason)}`
    }
    case 'request': {
      const c = data as Call
      return c.op === 'submit' ? `submit|${opt(c.n)}|${encodeRequest(c.args as OrderRequest)}` : JSON.stringify(data)
    }
    case 'response': {
      const c = data as Call
      if (c.op === 'submit' && c.result) {
        const r = c.result as {clientOrderId: string; venueOrderId: string; ts: number}
        return `submit|${opt(c.n)}|${r.clientOrderId}|${r.venueOrderId}|${r.ts}`
      }
      return JSON.stringify(data)
    }
    default:
      return JSON.stringify(data)
  }
}

const ORDER_FIELDS = ['clientOrderId', 'venueOrderId', 'symbol', 'side', 'type', 'tif', 'qty', 'limitPrice', 'stopPrice', 'reduceOnly', 'postOnly', 'positionSide', 'status', 'filledQty', 'avgFillPrice', 'createdAt', 'updatedAt', 'reason'] as const
const FILL_FIELDS = ['execId', 'clientOrderId', 'venueOrderId', 'symbol', 'side', 'positionSide', 'qty', 'price', 'fee', 'liquidity', 'ts'] as const
const POSITION_FIELDS = ['symbol', 'side', 'qty', 'avgPrice', 'realizedPnl', 'ts'] as const
const ACCOUNT_FIELDS = ['cash', 'equity', 'buyingPower', 'marginUsed', 'maintenanceMargin', 'realizedPnl', 'fees', 'ts'] as const
const REQUEST_FIELDS = ['clientOrderId', 'symbol', 'side', 'type', 'tif', 'qty', 'limitPrice', 'stopPrice', 'reduceOnly', 'postOnly', 'positionSide'] as const

type Fields = Record<string, unknown>

/** Every field the template writes is the same value (`===` implies the same text; NaN only ever says "not sure"). */
function sameFields(a: Fields | undefined, b: Fields | undefined, fields: readonly string[]): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  for (const f of fields) if (a[f] !== b[f]) return false
  return true
}

function sameEvent(a: BrokerEvent, b: BrokerEvent): boolean {
  if (a.kind !== b.kind || a.ts !== b.ts) return false
  switch (a.kind) {
    case 'order':
      return sameFields(a.order as unknown as Fields, (b as typeof a).order as unknown as Fields, ORDER_FIELDS)
    case 'execution':
      return sameFields(a.fill as unknown as Fields, (b as typeof a).fill as unknown as Fields, FILL_FIELDS)
    case 'position':
      return sameFields(a.position as unknown as Fields, (b as typeof a).position as unknown as Fields, POSITION_FIELDS)
    case 'account':
      return sameFields(a.account as unknown as Fields, (b as typeof a).account as unknown as Fields, ACCOUNT_FIELDS)
    default:
      return false
  }
}

/**
 * True only when `encodeRecord(type, a) === encodeRecord(type, b)` for sure, decided field by field for the
 * templated records (the same objects, or every encoded field `===`); false means "compare the encodings".
 */
export function sameEncoding(type: string, a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  switch (type) {
    case 'event':
      return sameEvent(a as BrokerEvent, b as BrokerEvent)
    case 'intent': {
      const x = a as {request: OrderRequest; reason?: string}
      const y = b as typeof x
      return x.reason === y.reason && sameFields(x.request as unknown as Fields, y.request as unknown as Fields, REQUEST_FIELDS)
    }
    case 'request': {
      const x = a as Call
      const y = b as Call
      if (x.op !== 'submit' && y.op !== 'submit') return sameJson(a, b)
      return x.op === 'submit' && y.op === 'submit' && x.n === y.n && sameFields(x.args as Fields | undefined, y.args as Fields | undefined, REQUEST_FIELDS)
    }
    case 'response': {
      const x = a as Call
      const y = b as Call
      if (!(x.op === 'submit' && x.result) && !(y.op === 'submit' && y.result)) return sameJson(a, b)
      if (x.op !== 'submit' || y.op !== 'submit' || x.n !== y.n || !x.result || !y.result) return false
      const r = x.result as {clientOrderId: string; venueOrderId: string; ts: number}
      const q = y.result as typeof r
      return r.clientOrderId === q.clientOrderId && r.venueOrderId === q.venueOrderId && r.ts === q.ts
    }
    default:
      // Every other record is hashed as its JSON.
      return sameJson(a, b)
  }
}

const PLAIN = Object.prototype

/**
 * True only when `JSON.stringify(a) === JSON.stringify(b)` for sure, decided without building either: plain
 * objects with the same keys in the same order, arrays of the same length, primitives `===`, recursively. Anything
 * else (a class instance, a toJSON, NaN) says "not sure" and the caller compares the text.
 */
export function sameJson(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > 64) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i], depth + 1)) return false
    return true
  }
  if (Object.getPrototypeOf(a) !== PLAIN || Object.getPrototypeOf(b) !== PLAIN || Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !sameJson(x[ka[i]], y[ka[i]], depth + 1)) return false
  }
  return true
}

/**
 * Writes the canonical line of each record (`${t}\t${type}\t${encodeRecord(type, data)}\n`) as UTF-8 straight into
 * a byte buffer, for the journal hash: the same bytes as the string encoding, without building the string (the
 * ropes of a template and their flattening cost more than the hashing). Full buffers go to `out`.
 */
export class LineWriter {
  private buf: Buffer
  private pos = 0
  private readonly scratch = new Uint8Array(16)

  constructor(
    private readonly out: (bytes: Buffer) => void,
    size = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(size)
  }

  /** Hands over what is buffered. */
  flush(): void {
    if (this.pos === 0) return
    this.out(this.buf.subarray(0, this.pos))
    this.pos = 0
  }

  record(t: number, type: string, data: unknown): void {
    this.room(512)
    this.val(t)
    this.byte(9)
    this.val(type)
    this.byte(9)
    switch (type) {
      case 'event':
        this.event(data as BrokerEvent)
        break
      case 'intent': {
        const i = data as {request: OrderRequest; reason?: string}
        this.request(i.request)
        this.byte(124)
        this.opt(i.reason)
        break
      }
      case 'request': {
        const c = data as Call
        if (c.op === 'submit') {
          this.ascii('submit|')
          this.opt(c.n)
          this.byte(124)
          this.request(c.args as OrderRequest)
        } else this.val(JSON.stringify(data))
        break
      }
      case 'response': {
        const c = data as Call
        if (c.op === 'submit' && c.result) {
          const r = c.result as {clientOrderId: string; venueOrderId: string; ts: number}
          this.ascii('submit|')
          this.opt(c.n)
          this.byte(124)
          this.val(r.clientOrderId)
          this.byte(124)
          this.val(r.venueOrderId)
          this.byte(124)
          this.val(r.ts)
        } else this.val(JSON.stringify(data))
        break
      }
      default:
        this.val(JSON.stringify(data))
    }
    this.byte(10)
  }

  private event(e: BrokerEvent): void {
    switch (e.kind) {
      case 'order': {
        const o = e.order
        this.ascii('order|')
        this.val(e.ts)
        this.byte(124)
        this.val(o.clientOrderId)
        this.byte(124)
        this.val(o.venueOrderId)
        this.byte(124)
        this.val(o.symbol)
        this.byte(124)
        this.val(o.side)
        this.byte(124)
        this.val(o.type)
        this.byte(124)
        this.val(o.tif)
        this.byte(124)
        this.val(o.qty)
        this.byte(124)
        this.opt(o.limitPrice)
        this.byte(124)
        this.opt(o.stopPrice)
        this.byte(124)
        this.opt(o.reduceOnly)
        this.byte(124)
        this.opt(o.postOnly)
        this.byte(124)
        this.opt(o.positionSide)
        this.byte(124)
        this.val(o.status)
        this.byte(124)
        this.val(o.filledQty)
        this.byte(124)
        this.val(o.avgFillPrice)
        this.byte(124)
        this.val(o.createdAt)
        this.byte(124)
        this.val(o.updatedAt)
        this.byte(124)
        this.opt(o.reason)
        return
      }
      case 'execution': {
        const f = e.fill
        this.ascii('execution|')
        this.val(e.ts)
        this.byte(124)
        this.val(f.execId)
        this.byte(124)
        this.val(f.clientOrderId)
        this.byte(124)
        this.val(f.venueOrderId)
        this.byte(124)
        this.val(f.symbol)
        this.byte(124)
        this.val(f.side)
        this.byte(124)
        this.val(f.positionSide)
        this.byte(124)
        this.val(f.qty)
        this.byte(124)
        this.val(f.price)
        this.byte(124)
        this.val(f.fee)
        this.byte(124)
        this.val(f.liquidity)
        this.byte(124)
        this.val(f.ts)
        return
      }
      case 'position': {
        const p = e.position
        this.ascii('position|')
        this.val(e.ts)
        this.byte(124)
        this.val(p.symbol)
        this.byte(124)
        this.val(p.side)
        this.byte(124)
        this.val(p.qty)
        this.byte(124)
        this.val(p.avgPrice)
        this.byte(124)
        this.val(p.realizedPnl)
        this.byte(124)
        this.val(p.ts)
        return
      }
      case 'account': {
        const a = e.account
        this.ascii('account|')
        this.val(e.ts)
        this.byte(124)
        this.val(a.cash)
        this.byte(124)
        this.val(a.equity)
        this.byte(124)
        this.val(a.buyingPower)
        this.byte(124)
        this.val(a.marginUsed)
        this.byte(124)
        this.val(a.maintenanceMargin)
        this.byte(124)
        this.val(a.realizedPnl)
        this.byte(124)
        this.val(a.fees)
        this.byte(124)
        this.val(a.ts)
        return
      }
      default:
        this.val(encodeEvent(e))
    }
  }

  private request(r: OrderRequest): void {
    this.val(r.clientOrderId)
    this.byte(124)
    this.val(r.symbol)
    this.byte(124)
    this.val(r.side)
    this.byte(124)
    this.val(r.type)
    this.byte(124)
    this.val(r.tif)
    this.byte(124)
    this.val(r.qty)
    this.byte(124)
    this.opt(r.limitPrice)
    this.byte(124)
    this.opt(r.stopPrice)
    this.byte(124)
    this.opt(r.reduceOnly)
    this.byte(124)
    this.opt(r.postOnly)
    this.byte(124)
    this.opt(r.positionSide)
  }

  /** `opt(v)`: nothing for undefined, else as `${v}`. */
  private opt(v: unknown): void {
    if (v !== undefined) this.val(v)
  }

  /** As `${v}`. */
  private val(v: unknown): void {
    if (typeof v === 'number') this.num(v)
    else if (typeof v === 'string') this.str(v)
    else this.str(String(v))
  }

  /** As `${x}`: integers digit by digit, anything else through Number#toString (always ASCII). */
  private num(x: number): void {
    if (x >= 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x) this.uint(x)
    else if (x < 0 && x >= -Number.MAX_SAFE_INTEGER && Math.floor(x) === x) {
      this.byte(45)
      this.uint(-x)
    } else this.ascii(String(x))
  }

  private uint(x: number): void {
    this.room(16)
    if (x < 2_147_483_648) {
      this.int32(x | 0, 0)
      return
    }
    const hi = Math.floor(x / 1e8)
    this.int32(hi, 0)
    this.int32(x - hi * 1e8, 8)
  }

  /** A non-negative int32 in decimal, left-padded with zeros to `width` digits. */
  private int32(n: number, width: number): void {
    const d = this.scratch
    let len = 0
    do {
      const q = (n / 10) | 0
      d[len++] = 48 + n - q * 10
      n = q
    } while (n > 0)
    while (len < width) d[len++] = 48
    const buf = this.buf
    let p = this.pos
    while (len > 0) buf[p++] = d[--len]
    this.pos = p
  }

  /** A string known to be ASCII. */
  private ascii(s: string): void {
    this.room(s.length)
    const buf = this.buf
    let p = this.pos
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i)
    this.pos = p
  }

  /** A string as UTF-8 (lone surrogates as U+FFFD, as Buffer and the hash write them). */
  private str(s: string): void {
    const n = s.length
    this.room(n)
    const buf = this.buf
    let p = this.pos
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        this.pos = p
        const rest = s.slice(i)
        this.room(rest.length * 3)
        this.pos += this.buf.write(rest, this.pos, 'utf8')
        return
      }
      buf[p++] = c
    }
    this.pos = p
  }

  private byte(b: number): void {
    if (this.pos >= this.buf.length) this.room(1)
    this.buf[this.pos++] = b
  }

  /** Makes room for `n` more bytes: hands over a full buffer, grows it for a piece bigger than it. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    this.flush()
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2))
  }
}
