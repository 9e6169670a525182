/**
 * Canonical one-line encodings of venue events for the journal hash. Events are most of a journal, and a
 * template of their fields costs a fraction of JSON.stringify. Every field is present, in a fixed order, so
 * equal events encode equally and a changed field changes the line.
 */
import type {BrokerEvent} from '../core/events.js'

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
