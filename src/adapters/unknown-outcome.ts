/**
 * A submission whose outcome is unknown (timeout, dropped answer) is resolved by asking the venue for its client
 * order id — never by sending a new order. Found: the venue has it, and that is the receipt. Not found, or the
 * lookup failed too: the original error; the order stays tracked in case it shows up later, and a resend must
 * reuse the SAME id (both venues refuse a duplicate).
 */
import type {OrderRequest, OrderSnapshot} from '../core/order.js'
import type {BrokerError} from '../broker/errors.js'
import type {SubmitReceipt} from '../broker/port.js'

export async function resolveByClientOrderId(
  req: OrderRequest,
  cause: BrokerError,
  lookup: (ref: {clientOrderId: string}) => Promise<OrderSnapshot | undefined>,
): Promise<SubmitReceipt> {
  let found: OrderSnapshot | undefined
  try {
    found = await lookup({clientOrderId: req.clientOrderId})
  } catch {
    throw cause
  }
  if (!found) throw cause
  return {clientOrderId: req.clientOrderId, venueOrderId: found.venueOrderId, ts: found.createdAt}
}
