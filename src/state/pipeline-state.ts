/**
 * The stock pipeline's namespaces in the state store, with the schema each value must satisfy when it comes back
 * from a snapshot. These are the services' shared memory — the only state they share.
 */
import {z} from 'zod'
import {namespace, type Namespace} from './store.js'

const finite = z.number()

/** A symbol the buyer must not enter before `until` (set by the seller when a trade closes). */
export const CooldownSchema = z.object({symbol: z.string(), until: finite, setAt: finite, reason: z.string()}).strict()
export type Cooldown = z.infer<typeof CooldownSchema>

/** A signal id the buyer has decided on (ordered or dropped): never decided twice (ALP-11). */
export const ProcessedSchema = z
  .object({id: z.string(), symbol: z.string(), time: finite, maxAgeMs: finite, outcome: z.string(), at: finite})
  .strict()
export type Processed = z.infer<typeof ProcessedSchema>

/** A signal as received, not yet validated (the buyer parses it: ALP-07). */
export const InboxEntrySchema = z.object({source: z.string(), receivedAt: finite, raw: z.unknown()}).strict()
export type InboxEntry = z.infer<typeof InboxEntrySchema>

/** An exit the monitor asked for and the seller has not completed. */
export const SellSignalSchema = z
  .object({
    id: z.string(),
    symbol: z.string(),
    reason: z.string(),
    time: finite,
    /** Orders sent for this exit so far (each attempt gets its own client order id). */
    attempts: z.number().int().min(0),
    /** No new attempt before this time (backoff after a failed attempt). */
    notBefore: finite,
  })
  .strict()
export type SellSignal = z.infer<typeof SellSignalSchema>

export const OrderPurpose = z.enum(['entry', 'exit', 'foreign'])
export type OrderPurpose = z.infer<typeof OrderPurpose>

/** The venue's order statuses, plus 'intent' (written, not yet answered) and 'lost' (the venue never knew it). */
export const RecordStatus = z.enum(['intent', 'submitted', 'accepted', 'pending_update', 'pending_cancel', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'lost'])
export type RecordStatus = z.infer<typeof RecordStatus>

export const ExecSchema = z.object({qty: finite, price: finite, fee: finite, ts: finite}).strict()

/** An order as the services see it: written BEFORE the request leaves (intent), then followed to a final state. */
export const OrderRecordSchema = z
  .object({
    clientOrderId: z.string(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    qty: finite,
    purpose: OrderPurpose,
    /** The signal (entry) or sell signal (exit) the order is for. */
    sourceId: z.string(),
    reason: z.string(),
    /** 'intent' until the venue answers; then the venue's statuses; 'lost' when the venue never knew it. */
    status: RecordStatus,
    filledQty: finite,
    avgFillPrice: finite,
    /** Executions by id, applied once each (fees and exact prices for the trade record). */
    execs: z.record(z.string(), ExecSchema),
    venueOrderId: z.string().optional(),
    createdAt: finite,
    updatedAt: finite,
    /** What to do with an unfilled remainder at the follow timeout. */
    remainder: z.enum(['cancel', 'keep']),
    /** Set once the timeout decision has been taken (cancel sent, or kept working). */
    timedOut: z.boolean(),
    /** Final, and every execution is known (prices and fees exact). */
    settled: z.boolean(),
  })
  .strict()
export type OrderRecord = z.infer<typeof OrderRecordSchema>

/** A held position as the services track it; the broker's positions are the truth it is reconciled with. */
export const PositionRecordSchema = z
  .object({
    symbol: z.string(),
    qty: finite,
    avgEntry: finite,
    entryTs: finite,
    /** Highest price seen since entry (the trailing stop's anchor). */
    high: finite,
    /** 'signal' (the buyer's entry) or 'adopted' (found on the broker by reconciliation). */
    source: z.enum(['signal', 'adopted']),
    signalId: z.string(),
    /** Orders that built and reduced the position (entry first). */
    orderIds: z.array(z.string()),
    /**
     * Quantity and cost that came from outside the pipeline's orders: a position adopted from the broker, or a
     * difference the broker reported and reconciliation took over (ALP-06). The quantity is base + bought − sold.
     */
    baseQty: finite,
    baseCost: finite,
    /** Consecutive monitor checks with negative acceleration. */
    decelStreak: z.number().int().min(0),
    /** The exit under way, if any. */
    exiting: z.string().optional(),
    updatedAt: finite,
  })
  .strict()
export type PositionRecord = z.infer<typeof PositionRecordSchema>

/** A closed round trip as the seller logs it. */
export const TradeRecordSchema = z
  .object({
    id: z.string(),
    symbol: z.string(),
    qty: finite,
    entryTs: finite,
    entryPrice: finite,
    exitTs: finite,
    exitPrice: finite,
    pnl: finite,
    fees: finite,
    exitReason: z.string(),
    signalId: z.string(),
  })
  .strict()
export type TradeRecord = z.infer<typeof TradeRecordSchema>

/** A difference with the broker that policy says to flag rather than adopt. */
export const FlagSchema = z.object({symbol: z.string(), kind: z.string(), detail: z.string(), at: finite}).strict()
export type Flag = z.infer<typeof FlagSchema>

export const CounterSchema = z.number().int().min(0)

export const NS = {
  cooldowns: namespace('cooldowns', CooldownSchema),
  processed: namespace('processed', ProcessedSchema),
  inbox: namespace('inbox', InboxEntrySchema),
  sellSignals: namespace('sell_signals', SellSignalSchema),
  orders: namespace('orders', OrderRecordSchema),
  positions: namespace('positions', PositionRecordSchema),
  trades: namespace('trades', TradeRecordSchema),
  flags: namespace('flags', FlagSchema),
  counters: namespace('counters', CounterSchema),
} as const

export const PIPELINE_NAMESPACES: readonly Namespace<unknown>[] = Object.values(NS) as Namespace<unknown>[]
