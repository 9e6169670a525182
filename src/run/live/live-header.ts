/**
 * The first record of a paper or live session journal (type `live_session`): what replay needs to rebuild the
 * session — venue, strategy and parameters, symbols and timeframe, seed and fencing epoch, risk limits, and the
 * session clock's origin. The journal's venue traffic supplies everything else.
 */
import {z} from 'zod'
import {TIMEFRAME_MS, type Timeframe} from '../../core/market-data.js'
import {PositionModeSettingSchema} from '../../sim/config.js'

const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]

export const LIVE_SESSION_RECORD = 'live_session'
export const SESSION_STOP_RECORD = 'session_stop'
/** A graceful shutdown began (a signal): entries refused from here, the stop follows when nothing is in flight. */
export const SHUTDOWN_RECORD = 'shutdown'
/** The last record of a session that ended cleanly (after the strategy stopped and the venue closed). */
export const SESSION_END_RECORD = 'session_end'

export const LiveSessionHeaderSchema = z
  .object({
    format: z.literal(1),
    mode: z.enum(['paper', 'live']),
    /** 'sim': the simulated exchange on the market data of `feed`. */
    venue: z.enum(['alpaca', 'bybit', 'sim']),
    feed: z.enum(['alpaca', 'bybit']).optional(),
    /** Simulator settings when venue is 'sim'. */
    sim: z.record(z.string(), z.unknown()).optional(),
    /** Bybit: the position mode the session set on the account at connect (replay sends the same switch requests). */
    positionMode: PositionModeSettingSchema.optional(),
    /** The account's name in the fleet (or 'default'); names the lock and the state files. */
    account: z.string().min(1),
    strategy: z.string().min(1),
    params: z.unknown(),
    symbols: z.array(z.string().min(1)).min(1),
    timeframe: z.enum(TIMEFRAMES),
    seed: z.number(),
    epoch: z.number().int(),
    risk: z.record(z.string(), z.unknown()).nullable(),
    /** Cooldowns running when the session started (symbol → end), read from the account's state; absent: none. */
    cooldowns: z.record(z.string(), z.number()).optional(),
    /** Session time when it started (the venue's clock). */
    origin: z.number(),
    /** Session ms per wall ms (1 on real venues; the emulator's --speed when it replays accelerated). */
    scale: z.number().positive(),
  })
  .strict()

export type LiveSessionHeader = z.infer<typeof LiveSessionHeaderSchema>
