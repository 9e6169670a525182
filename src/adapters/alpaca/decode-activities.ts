/**
 * Alpaca account activities of type FILL (GET /v2/account/activities/FILL): one entry per execution. The shape is
 * Alpaca's `TradingActivities` schema (fixtures/alpaca/alpaca-mcp-server/…/TradingActivities__example_1.json).
 *
 * What the core Fill needs that an activity does not carry, and what is done instead (stated, not guessed):
 * - the client order id: activities name the venue order (`order_id`) only; the adapter resolves it.
 * - the fee: Alpaca books fees as separate activities; 0 here, as for the stream's fill events.
 * - the execution id: the activity id is `<time>::<uuid>`; the uuid part is the execution's id. The adapter also
 *   keys each fill by (order id, cumulative quantity), which the stream's fill events carry too, so a fill seen on
 *   both channels is applied once even if the two ids ever differ.
 */
import {z} from 'zod'
import {type Decoded, decimalString, decode, isoTime, mismatch} from '../decode.js'
import {ALPACA_ORDER_STATUSES} from './order-status.js'

export const AlpacaFillActivitySchema = z.object({
  activity_type: z.literal('FILL'),
  id: z.string().min(1),
  transaction_time: isoTime,
  type: z.enum(['fill', 'partial_fill']),
  price: decimalString,
  qty: decimalString,
  /** Short sales are reported as `sell_short`. */
  side: z.enum(['buy', 'sell', 'sell_short']),
  symbol: z.string().min(1),
  leaves_qty: decimalString,
  cum_qty: decimalString,
  order_id: z.string().min(1),
  order_status: z.enum(ALPACA_ORDER_STATUSES).optional(),
})

/** One execution as the activities endpoint reports it, before the adapter names its client order id. */
export interface AlpacaFillActivity {
  /** The activity id, the page token for the next page. */
  readonly activityId: string
  /** The execution id: the uuid after `::` (the whole id when there is no `::`). */
  readonly execId: string
  readonly venueOrderId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly qty: number
  readonly price: number
  /** The order's filled quantity after this execution. */
  readonly cumQty: number
  readonly leavesQty: number
  readonly ts: number
}

type RawActivity = z.output<typeof AlpacaFillActivitySchema>

function toFill(a: RawActivity, at = ''): AlpacaFillActivity {
  if (!(a.qty > 0)) mismatch(`${at}qty`, `an execution of ${a.qty} is not a fill`)
  if (a.cum_qty < a.qty) mismatch(`${at}cum_qty`, `${a.cum_qty} is below this execution's qty ${a.qty}`)
  const sep = a.id.indexOf('::')
  const execId = sep >= 0 ? a.id.slice(sep + 2) : a.id
  if (execId === '') mismatch(`${at}id`, 'nothing after "::": no execution id')
  return {
    activityId: a.id,
    execId,
    venueOrderId: a.order_id,
    symbol: a.symbol,
    side: a.side === 'buy' ? 'buy' : 'sell',
    qty: a.qty,
    price: a.price,
    cumQty: a.cum_qty,
    leavesQty: a.leaves_qty,
    ts: a.transaction_time,
  }
}

export function decodeAlpacaFillActivity(raw: unknown, channel = 'alpaca:rest:activities'): Decoded<AlpacaFillActivity> {
  return decode(channel, AlpacaFillActivitySchema, raw, (a) => toFill(a))
}

/** A page of FILL activities; a failed item fails the page (a reconciliation must not act on a partial view). */
export function decodeAlpacaFillActivities(raw: unknown, channel = 'alpaca:rest:activities'): Decoded<AlpacaFillActivity[]> {
  return decode(channel, FILL_ACTIVITY_LIST, raw, (list) => list.map((a, i) => toFill(a, `[${i}].`)))
}

// Built once: a zod schema compiles its parser on first use.
const FILL_ACTIVITY_LIST = z.array(AlpacaFillActivitySchema)
