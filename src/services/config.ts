/**
 * The pipeline's configuration: one object, validated by zod, with the old bot's schedule as defaults (scanner
 * every 2 min, buyer 30 s, monitor 60 s, seller 15 s). The numbers are examples, not advice.
 */
import {z} from 'zod'

const ms = z.number().int().positive()

export const ScannerConfigSchema = z
  .object({
    intervalMs: ms.default(120_000),
    /** Velocity: rate of change of the close over this many bars, in percent. */
    velocityWindow: z.number().int().min(1).default(5),
    /** Acceleration: change of the velocity over this many bars, in percentage points. */
    accelerationWindow: z.number().int().min(1).default(3),
    /** Relative volume: the bar's volume over the mean of this many previous bars. */
    volumeWindow: z.number().int().min(1).default(20),
    velocityWeight: z.number().min(0).default(1),
    accelerationWeight: z.number().min(0).default(1),
    /** score = scale × (wv·velocity + wa·acceleration) × min(relative volume, maxRelativeVolume). */
    scale: z.number().positive().default(200),
    maxRelativeVolume: z.number().positive().default(3),
    /** Below this relative volume no signal is emitted (a move on no volume). */
    minRelativeVolume: z.number().min(0).default(1),
    threshold: z.number().default(100),
    /** Max age given to each emitted signal. */
    signalMaxAgeMs: ms.default(300_000),
  })
  .strict()

const SizingSchema = z.discriminatedUnion('mode', [
  z.object({mode: z.literal('notional'), notional: z.number().positive()}).strict(),
  z.object({mode: z.literal('equity_fraction'), fraction: z.number().gt(0).max(1)}).strict(),
])

export const BuyerConfigSchema = z
  .object({
    intervalMs: ms.default(30_000),
    /** Upper bound on any signal's age, whatever it claims (ALP-16). */
    maxSignalAgeMs: ms.default(300_000),
    /** Fixed notional, or a fraction of equity; always within buying power. */
    sizing: SizingSchema.default({mode: 'equity_fraction', fraction: 0.1}),
    maxPositions: z.number().int().min(1).default(5),
    /** A partially filled entry at the follow timeout: cancel the rest, or leave it working (ALP-12). */
    remainder: z.enum(['cancel', 'keep']).default('cancel'),
  })
  .strict()

export const MonitorConfigSchema = z
  .object({
    intervalMs: ms.default(60_000),
    /** Exit when the price falls this far below the entry (percent). */
    stopLossPct: z.number().positive().default(1),
    /** Exit when the price falls this far below the high since entry (percent), once it rose above the entry. */
    trailingStopPct: z.number().positive().default(0.5),
    /** Exit when acceleration was negative at this many consecutive checks (0 turns it off). */
    decelerationChecks: z.number().int().min(0).default(4),
    /** The monitor's own (slower) momentum measure for the deceleration exit. */
    velocityWindow: z.number().int().min(1).default(10),
    accelerationWindow: z.number().int().min(1).default(5),
    /** Exit after holding this long (off when absent). */
    maxHoldMs: ms.optional(),
  })
  .strict()

export const SellerConfigSchema = z
  .object({
    intervalMs: ms.default(15_000),
    /** After a trade closes, the buyer leaves the symbol alone this long (ALP-01). */
    cooldownMs: z.number().int().min(0).default(1_800_000),
    /** Wait before another attempt at an exit that did not complete. */
    retryBackoffMs: ms.default(15_000),
  })
  .strict()

export const OrderFollowConfigSchema = z
  .object({
    /** First status poll after a submission (events normally come first), then doubling up to pollMaxMs. */
    pollMs: ms.default(1_000),
    pollMaxMs: ms.default(60_000),
    /** Timed polls per order; after them, one poll per new bar of the symbol (when it could have traded). */
    maxPolls: z.number().int().min(0).default(8),
    /** An order not final after BOTH this long and this many bars of its symbol is timed out (ALP-12). */
    timeoutMs: ms.default(300_000),
    timeoutBars: z.number().int().min(0).default(3),
  })
  .strict()

export const ReconcileConfigSchema = z
  .object({
    /** Periodic check against the broker while market data flows (ALP-06). */
    intervalMs: ms.default(300_000),
    /** Open orders on the account that the pipeline did not place (ALP-13). */
    unknownOrders: z.enum(['cancel', 'adopt']).default('cancel'),
    /** Positions on the account the pipeline does not know: manage them (monitor exits) or only flag them. */
    unknownPositions: z.enum(['adopt', 'flag']).default('adopt'),
  })
  .strict()

export const RequestConfigSchema = z
  .object({
    /** Request budget: at most `limit` requests per `windowMs` (Alpaca: 200 a minute). */
    limit: z.number().int().min(1).default(200),
    windowMs: ms.default(60_000),
    maxAttempts: z.number().int().min(1).default(5),
    baseDelayMs: ms.default(500),
    maxDelayMs: ms.default(30_000),
  })
  .strict()

/** Signals from outside the scanner (a file, another bot), delivered at the given engine times. */
export const FeedEntrySchema = z.object({at: z.number(), signals: z.array(z.unknown())}).strict()

export const PipelineConfigSchema = z
  .object({
    /** Symbols to trade; every symbol of the run when absent. */
    universe: z.array(z.string().min(1)).optional(),
    /**
     * Stocks on intraday bars: decide only on bars inside the regular session (09:30-16:00 New York), so no
     * order is queued overnight by an after-hours print. Daily bars are always in session.
     */
    regularHoursOnly: z.boolean().default(true),
    /** Offset of the services' tick grid from whole intervals, so a tick follows the bars of its instant. */
    phaseMs: z.number().int().min(0).default(1_000),
    scanner: ScannerConfigSchema.prefault({}),
    buyer: BuyerConfigSchema.prefault({}),
    monitor: MonitorConfigSchema.prefault({}),
    seller: SellerConfigSchema.prefault({}),
    orders: OrderFollowConfigSchema.prefault({}),
    reconcile: ReconcileConfigSchema.prefault({}),
    requests: RequestConfigSchema.prefault({}),
    /** When false, only the feed produces signals. */
    scan: z.boolean().default(true),
    feed: z.array(FeedEntrySchema).default([]),
  })
  .strict()

export type PipelineConfig = z.infer<typeof PipelineConfigSchema>
export type PipelineConfigInput = z.input<typeof PipelineConfigSchema>
