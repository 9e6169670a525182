/**
 * Buy signals: what the scanner (or any other source: a file, another bot) hands the buyer. Everything that
 * arrives is parsed here before anything acts on it (ALP-07): a missing field, a wrong type, a NaN or infinite
 * number, or an id that does not match its content is rejected with a reason naming the field.
 */
import {z} from 'zod'

/** The id of a signal: deterministic from strategy, symbol and bar time, so a re-delivery has the same id (ALP-11). */
export function signalId(strategy: string, symbol: string, time: number): string {
  return `${strategy}:${symbol}:${time}`
}

export const SignalSchema = z
  .object({
    id: z.string().min(1).max(64),
    strategy: z.string().regex(/^[A-Za-z0-9_.]+$/, 'letters, digits, _ and . only').max(24),
    symbol: z.string().regex(/^[A-Za-z0-9_.]+$/, 'letters, digits, _ and . only').max(16),
    /** When the bar the signal was computed from closed (UTC ms). Its age is measured from here (ALP-16). */
    time: z.number().int().min(0),
    score: z.number(),
    components: z.object({velocity: z.number(), acceleration: z.number(), relativeVolume: z.number().min(0)}),
    /** Last price the source saw; sizing uses the latest price when there is one. */
    referencePrice: z.number().positive(),
    /** How long the signal stays actionable after `time`. */
    maxAgeMs: z.number().positive(),
  })
  .refine((s) => s.id === signalId(s.strategy, s.symbol, s.time), {message: 'does not match strategy:symbol:time', path: ['id']})

export type Signal = z.infer<typeof SignalSchema>

export type ParsedSignal = {readonly ok: true; readonly signal: Signal} | {readonly ok: false; readonly reason: string}

/** Parses one raw signal; the reason of a rejection names the first bad field, e.g. "referencePrice: expected number". */
export function parseSignal(raw: unknown): ParsedSignal {
  const r = SignalSchema.safeParse(raw)
  if (r.success) return {ok: true, signal: r.data}
  const i = r.error.issues[0]
  return {ok: false, reason: `${i.path.join('.') || '(signal)'}: ${i.message}`}
}

/** The id a raw signal claims, if it has one (for the log line of a rejection). */
export function claimedId(raw: unknown): string | undefined {
  return raw !== null && typeof raw === 'object' && typeof (raw as {id?: unknown}).id === 'string' ? (raw as {id: string}).id : undefined
}
