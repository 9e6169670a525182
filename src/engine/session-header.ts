/**
 * The first record of every session journal (type `session`): what replay needs to rebuild the run — the mode,
 * the strategy and its parameters, the data (sorted symbols, timeframe, period, source), the venue profile, the
 * simulator settings, the seed and the fencing epoch. It holds only inputs, in a fixed shape, so the same run
 * writes the same header whatever order the user listed the symbols in.
 */
import {z} from 'zod'
import {TIMEFRAME_MS, type Timeframe} from '../core/market-data.js'
import type {JournalRecord} from './journal.js'
import {UserInputError} from '../core/errors.js'

const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as [Timeframe, ...Timeframe[]]

export const SESSION_RECORD = 'session'

export const SessionHeaderSchema = z
  .object({
    format: z.literal(1),
    /** `scenario`: a scenario file's run (`scenario` holds the file), replayed with its restarts and outside actions. */
    mode: z.enum(['backtest', 'scenario', 'paper', 'live']),
    strategy: z.string().min(1),
    params: z.unknown(),
    /** Sorted: the stream's symbol order, independent of how the user listed them. */
    symbols: z.array(z.string().min(1)).min(1),
    timeframe: z.enum(TIMEFRAMES),
    /** Requested period (UTC ms); null = from the first / to the last bar in the store. */
    from: z.number().nullable(),
    to: z.number().nullable(),
    /** The market-data store: the bundled sample (default database) or an explicit database path. */
    source: z.union([z.literal('sample'), z.object({db: z.string().min(1)}).strict()]),
    /** Bars the run read, so a replay notices when the data changed under it. */
    rows: z.number().int().min(0),
    venue: z.string().min(1),
    sim: z.record(z.string(), z.unknown()),
    seed: z.number(),
    epoch: z.number().int(),
    /** Pre-trade risk limits the session ran with (null: risk off). */
    risk: z.record(z.string(), z.unknown()).nullable().default(null),
    /** The scenario (mode `scenario`), validated again by the scenario schema on replay. */
    scenario: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()

export type SessionHeader = z.infer<typeof SessionHeaderSchema>

/** A journal that cannot be replayed as given (torn, edited, another version's, missing data): one line, exit 2. */
export class ReplayInputError extends UserInputError {
  override readonly name: string = 'ReplayInputError'
}

/** The header of a recorded journal: its first record, validated. */
export function sessionHeaderOf(records: readonly JournalRecord[], where: string): SessionHeader {
  const first = records[0]
  if (!first || first.type !== SESSION_RECORD) {
    throw new ReplayInputError(`${where} does not start with a session header record; only journals written by this version of \`trader backtest --journal\` (or paper / live sessions) can be replayed`)
  }
  const parsed = SessionHeaderSchema.safeParse(first.data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ReplayInputError(`${where}: session header field '${issue.path.join('.')}' is invalid (${issue.message}); the journal was written by another version or edited`)
  }
  return parsed.data
}
