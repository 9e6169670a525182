/**
 * Canonical one-line encodings of the journal's most frequent records (venue events, order intents, submit
 * requests and answers) for the journal hash: a template of their fields costs a fraction of JSON.stringify.
 * Every field is present, in a fixed order, so equal records encode equally and a changed field changes the
 * line. Other records are hashed as JSON.
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
