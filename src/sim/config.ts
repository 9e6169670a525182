/** Simulator settings, validated by zod wherever they come from (flags, config file, scenario file). */
import {z} from 'zod'

const latencySpec = z.object({
  fixedMs: z.number().min(0).default(0),
  jitterMs: z.number().min(0).default(0),
})

const eventKinds = ['order', 'execution', 'position', 'account'] as const
const requestKinds = ['submit', 'cancel', 'amend', 'getOrder', 'openOrders', 'positions', 'account', 'executions'] as const

export const FaultRuleSchema = z
  .object({
    target: z.enum(['event', 'request']),
    /** Event kinds (order, execution, position, account) or request kinds (submit, cancel, ...); all when absent. */
    kinds: z.array(z.enum([...eventKinds, ...requestKinds])).optional(),
    symbol: z.string().optional(),
    /** Venue-time window [from, to) in UTC ms. */
    from: z.number().optional(),
    to: z.number().optional(),
    /** 1-based occurrence numbers among the messages this rule matches (by step, rather than by time). */
    nth: z.array(z.number().int().positive()).optional(),
    /** Chance that a matching message is hit, drawn from the simulator's seed. */
    probability: z.number().min(0).max(1).default(1),
    /** 'disconnect' (events): the event stream is down over [from, to); see `disconnectWindows`. */
    action: z.enum(['delay', 'drop', 'duplicate', 'reorder', 'fail', 'rate_limit', 'timeout', 'disconnect']),
    delayMs: z.number().min(0).default(0),
    /** For rate_limit: when the budget refills, relative to the refusal. */
    resetMs: z.number().min(0).default(1000),
  })
  .refine((r) => r.target === 'event' ? ['delay', 'drop', 'duplicate', 'reorder', 'disconnect'].includes(r.action) : ['delay', 'fail', 'rate_limit', 'timeout'].includes(r.action), {
    message: 'events take delay / drop / duplicate / reorder / disconnect; requests take delay / fail / rate_limit / timeout',
  })
  .refine((r) => r.action !== 'disconnect' || (r.from !== undefined && r.to !== undefined && r.to > r.from), {
    message: 'a disconnect needs a window: from and to (venue time, UTC ms) with to > from',
  })

export type FaultRule = z.infer<typeof FaultRuleSchema>

export const PositionModeNameSchema = z.enum(['one-way', 'hedge'], {error: "position mode must be 'one-way' or 'hedge'"})

/**
 * Linear perpetuals: 'one-way' (netting, positionIdx 0) or 'hedge' (long and short legs, positionIdx 1 / 2) for the
 * whole account, or per symbol ({BTCUSDT: 'hedge'}; symbols not named keep the venue's default, one-way on Bybit).
 */
export const PositionModeSettingSchema = z.union(
  [PositionModeNameSchema, z.record(z.string().regex(/^[A-Z0-9./-]{1,20}$/, 'use upper-case symbols such as BTCUSDT'), PositionModeNameSchema)],
  {error: "position mode must be 'one-way' or 'hedge', or one per symbol such as {BTCUSDT: 'hedge'}"},
)
export type PositionModeSetting = z.infer<typeof PositionModeSettingSchema>

export const SimConfigSchema = z.object({
  seed: z.number().int().default(1),
  initialCash: z.number().positive().default(100_000),
  /** Market orders: at the next bar's open (default) or at the close of the bar that was last seen. */
  fillAt: z.enum(['next_open', 'close']).default('next_open'),
  /**
   * Most of a bar's volume (or a trade print's size) that orders may take in one step; the rest rests. 'none': no
   * volume limit, every order fills in full where it trades (backtrader's and most bar backtesters' convention).
   */
  participation: z.union([z.number().gt(0).max(1), z.literal('none')]).default(0.1),
  fees: z
    .object({
      makerRate: z.number().default(0),
      takerRate: z.number().default(0),
      perShare: z.number().min(0).default(0),
      minPerOrder: z.number().min(0).default(0),
    })
    .default({makerRate: 0, takerRate: 0, perShare: 0, minPerOrder: 0}),
  slippage: z
    .object({ticks: z.number().min(0).default(0), bps: z.number().min(0).default(0)})
    .default({ticks: 0, bps: 0}),
  latency: latencySpec.default({fixedMs: 0, jitterMs: 0}),
  /** Per-kind overrides: request, response, order, execution, position, account. */
  latencyByKind: z.record(z.string(), latencySpec).default({}),
  faults: z.array(FaultRuleSchema).default([]),
  /** Stock venues: what happens to a DAY / GTC order that arrives while the market is closed. */
  whenClosed: z.enum(['queue', 'reject']).default('queue'),
  allowShortStocks: z.boolean().default(false),
  /** Position mode of perpetuals; absent: the venue's default (one-way on Bybit). Stocks and spot always net. */
  positionMode: PositionModeSettingSchema.optional(),
  /** The venue's own request budget per account (Bybit: per-UID limits): over it, requests get a rate-limit error. */
  rateLimit: z.object({requests: z.number().int().positive(), windowMs: z.number().int().positive()}).optional(),
})

export type SimConfig = z.infer<typeof SimConfigSchema>
export type SimConfigInput = z.input<typeof SimConfigSchema>

/**
 * A run's simulator settings with the position mode its strategy needs (the grid: hedge) filled in when they name
 * none: the user owns the simulated account, so it runs as the strategy needs unless told otherwise.
 */
export function withNeededPositionMode<T extends object>(sim: T | undefined, need: z.infer<typeof PositionModeNameSchema> | undefined): T & {positionMode?: PositionModeSetting} {
  const given = (sim ?? {}) as T & {positionMode?: PositionModeSetting}
  return need === undefined || given.positionMode !== undefined ? given : {...given, positionMode: need}
}
