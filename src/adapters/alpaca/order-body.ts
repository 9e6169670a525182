/**
 * Core order requests → Alpaca Trading API bodies (POST /v2/orders, PATCH /v2/orders/{id}), and the client order
 * ids of replacements.
 *
 * Alpaca replaces an order (PATCH) by a NEW order with its own id and client order id; the engine keeps one client
 * order id for the order's whole life. The adapter names each replacement `<engine id>.r<n>` (n = 1, 2, …), so any
 * venue order maps back to its engine id by its own client order id, also after a restart. Engine ids end in
 * `-<epoch>` (src/core/ids.ts), so they never look like a replacement id; one that does is refused.
 */
import type {OrderRequest} from '../../core/order.js'
import type {AmendRequest} from '../../broker/port.js'
import {InvalidOrderError} from '../../broker/errors.js'

/** Alpaca's documented limit on client_order_id (the figure; the current API spec allows 128). */
export const ALPACA_MAX_CLIENT_ORDER_ID = 48

const REPLACEMENT = /^(.+)\.r([1-9]\d*)$/
const VENUE = 'alpaca'

function invalid(msg: string, code: string): never {
  throw new InvalidOrderError(`alpaca: ${msg}`, VENUE, code)
}

/** Refuses a client order id Alpaca would refuse or the replacement naming could confuse. */
export function checkClientOrderId(cid: string): void {
  if (cid.length === 0) invalid('empty client order id; every order needs the engine\'s deterministic id', 'client_order_id')
  if (cid.length > ALPACA_MAX_CLIENT_ORDER_ID) {
    invalid(`client order id ${JSON.stringify(cid)} has ${cid.length} characters, Alpaca allows ${ALPACA_MAX_CLIENT_ORDER_ID}; shorten the scope, key or leg`, 'client_order_id')
  }
  if (REPLACEMENT.test(cid)) invalid(`client order id ${JSON.stringify(cid)} ends like a replacement id (".r<n>"), which the adapter reserves`, 'client_order_id')
}

/** A number as Alpaca's decimal text, never in exponent form. */
export function decimalText(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  const s = String(x)
  if (!/e/i.test(s)) return s
  return x.toFixed(12).replace(/\.?0+$/, '')
}

/** The POST /v2/orders body. Refuses what Alpaca has no equivalent for, rather than dropping it. */
export function alpacaOrderBody(req: OrderRequest): Record<string, unknown> {
  checkClientOrderId(req.clientOrderId)
  if (req.positionSide !== undefined && req.positionSide !== 'net') {
    invalid(`${req.clientOrderId}: positionSide ${req.positionSide}: Alpaca accounts net positions (use 'net' or leave it out)`, 'position_side')
  }
  if (req.reduceOnly) invalid(`${req.clientOrderId}: Alpaca has no reduce-only orders; size the exit from the position instead`, 'reduce_only')
  if (req.postOnly) invalid(`${req.clientOrderId}: Alpaca has no post-only orders`, 'post_only')
  if (req.type === 'market_if_touched' || req.type === 'limit_if_touched') {
    invalid(`${req.clientOrderId}: Alpaca has no ${req.type} orders (only market, limit, stop and stop_limit)`, 'order_type')
  }
  const body: Record<string, unknown> = {
    symbol: req.symbol,
    qty: decimalText(req.qty),
    side: req.side,
    type: req.type,
    time_in_force: req.tif,
    client_order_id: req.clientOrderId,
  }
  if (req.limitPrice !== undefined) body.limit_price = decimalText(req.limitPrice)
  if (req.stopPrice !== undefined) body.stop_price = decimalText(req.stopPrice)
  return body
}

/** The PATCH /v2/orders/{id} body for an amend, naming the replacement `replacementCid`. */
export function alpacaReplaceBody(changes: AmendRequest, replacementCid: string): Record<string, unknown> {
  const body: Record<string, unknown> = {client_order_id: replacementCid}
  if (changes.qty !== undefined) body.qty = decimalText(changes.qty)
  if (changes.limitPrice !== undefined) body.limit_price = decimalText(changes.limitPrice)
  if (changes.stopPrice !== undefined) body.stop_price = decimalText(changes.stopPrice)
  if (Object.keys(body).length === 1) invalid('amend without a change (give qty, limitPrice or stopPrice)', 'amend_empty')
  return body
}

/** The engine's id of a venue client order id: `X.r3` → `X`; any other id is its own. */
export function engineClientOrderId(venueCid: string): string {
  const m = REPLACEMENT.exec(venueCid)
  return m ? m[1] : venueCid
}

/** The id for the next replacement of an order whose current venue client order id is `currentVenueCid`. */
export function nextReplacementId(engineCid: string, currentVenueCid: string): string {
  const m = REPLACEMENT.exec(currentVenueCid)
  const n = m && m[1] === engineCid ? Number(m[2]) + 1 : 1
  const id = `${engineCid}.r${n}`
  if (id.length > ALPACA_MAX_CLIENT_ORDER_ID) {
    invalid(`cannot amend ${engineCid}: the replacement id ${id} would exceed ${ALPACA_MAX_CLIENT_ORDER_ID} characters; cancel and send a new order`, 'client_order_id')
  }
  return id
}
