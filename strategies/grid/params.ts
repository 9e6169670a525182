/** Parameters of the hedge-mode grid, validated by zod at the boundary (flags, config files, scenario files). */
import {z} from 'zod'
import {DEFAULT_CHECKPOINT_EVERY} from './state-delta.js'

export const EmergencyLimitsSchema = z
  .object({
    /** Equity below the session's baseline by more than this percentage stops the grid. */
    maxLossPct: z.number().positive().max(100).default(5),
    /** More event-stream disconnects than this within one hour stop the grid. */
    maxDisconnectsPerHour: z.number().int().min(0).default(5),
    /** More failed take-profit placements in a row than this stop the grid. */
    maxFailedTpInRow: z.number().int().min(0).default(2),
    /** More emergency stops than this within one hour: clearing is refused ("repeated emergency stops"). */
    maxStopsPerHour: z.number().int().min(0).default(3),
  })
  .strict()

export const GridParamsSchema = z
  .object({
    /** Symbols to run a grid on (linear perpetuals); every symbol of the run when absent. */
    symbols: z.array(z.string().min(1)).optional(),
    /** Notional (quote currency) of the opening level; level k is baseNotional × multiplier^k, sized at first use. */
    baseNotional: z.number().positive().default(1000),
    /** Growth of the reference quantity per averaging level. */
    multiplier: z.number().min(1).max(10).default(1.5),
    /** Averaging levels after the opening one (0: no averaging). */
    maxLevels: z.number().int().min(0).max(50).default(5),
    /** Distance of the next averaging entry from the last entry, in percent. */
    gridStepPct: z.number().positive().max(50).default(0.3),
    /** Take-profit distance from the leg's average entry, in percent. */
    tpPct: z.number().positive().max(100).default(0.25),
    /** After a leg's take-profit: reopen that leg ('closed', default) or leave it flat ('none'). */
    reopen: z.enum(['closed', 'none']).default('closed'),
    /** Period of the sync that compares local state with the venue. */
    syncIntervalMs: z.number().int().positive().default(60_000),
    /** A difference the sync cannot explain by events in flight is checked again after this long before it is adopted. */
    confirmMs: z.number().int().positive().default(2_000),
    /** Pending entries are recalculated when the market moved more than this percentage from where they were placed. */
    recalcPct: z.number().positive().max(100).default(5),
    /** Wait after a failed or refused placement before trying again (a rate limit's reset time wins when later). */
    retryMs: z.number().int().positive().default(5_000),
    emergency: EmergencyLimitsSchema.default({maxLossPct: 5, maxDisconnectsPerHour: 5, maxFailedTpInRow: 2, maxStopsPerHour: 3}),
    /** Clears a persisted emergency stop at start (it is refused after repeated stops within the hour). */
    clearEmergencyStop: z.boolean().default(false),
    /**
     * State records in the run journal: a full checkpoint every this many, the changes against the previous record
     * in between (a reader rebuilds a state from at most this many records).
     */
    stateCheckpointEvery: z.number().int().min(1).max(100_000).default(DEFAULT_CHECKPOINT_EVERY),
    /** Directory of the durable grid state (grid.state.json, replaced atomically); absent: records go to the run journal. */
    stateDir: z.string().min(1).optional(),
  })
  .strict()

export type GridParams = z.infer<typeof GridParamsSchema>
export type EmergencyLimits = z.infer<typeof EmergencyLimitsSchema>
