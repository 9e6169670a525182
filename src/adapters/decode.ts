/**
 * Decoding venue payloads (OPS-04): every payload goes through a zod schema, then a mapping into core terms.
 * A payload that fails either step becomes a `DecodeFailure` carrying the raw payload and the reason; nothing
 * here throws to the caller, and no missing or malformed field is replaced by a default.
 */
import {z} from 'zod'
import type {BrokerEvent} from '../core/events.js'
import type {Side} from '../core/order.js'

export interface DecodeFailure {
  /** Where the payload came from, e.g. 'alpaca:trade_updates' or 'bybit:rest:/v5/order/realtime'. */
  readonly channel: string
  /** The zod issue path and message, or the mapping rule the payload broke. */
  readonly reason: string
  /** The payload exactly as received. */
  readonly raw: unknown
}

export type Decoded<T> = {readonly ok: true; readonly value: T} | {readonly ok: false; readonly error: DecodeFailure}

/**
 * A payload that matched its schema but cannot be expressed in core terms (a notional-only order, an unknown
 * leg). Thrown by mapping steps and caught by `decode`, which turns it into a DecodeFailure.
 */
export class PayloadMismatch extends Error {
  override readonly name = 'PayloadMismatch'
  constructor(readonly path: string, readonly detail: string) {
    super(path ? `${path}: ${detail}` : detail)
  }
}

export function mismatch(path: string, detail: string): never {
  throw new PayloadMismatch(path, detail)
}

export function ok<T>(value: T): Decoded<T> {
  return {ok: true, value}
}

export function failure(channel: string, reason: string, raw: unknown): {readonly ok: false; readonly error: DecodeFailure} {
  return {ok: false, error: {channel, reason, raw}}
}

/** Parses `raw` with `schema`, then maps the result; any schema issue or mapping mismatch becomes a failure. */
export function decode<S extends z.ZodType, T>(channel: string, schema: S, raw: unknown, map: (value: z.output<S>) => T): Decoded<T> {
  const parsed = schema.safeParse(raw, {reportInput: true})
  if (!parsed.success) return failure(channel, describeIssues(parsed.error), raw)
  return mapped(channel, raw, () => map(parsed.data))
}

/** Runs a mapping step; a PayloadMismatch (or any other exception) becomes a failure, never a throw. */
export function mapped<T>(channel: string, raw: unknown, run: () => T): Decoded<T> {
  try {
    return ok(run())
  } catch (err) {
    if (err instanceof PayloadMismatch) return failure(channel, err.message, raw)
    return failure(channel, `decoder error: ${err instanceof Error ? err.message : String(err)}`, raw)
  }
}

const MAX_ISSUES = 3

/** "data[0].execPrice: expected a decimal number in a string (got "abc")"; at most three issues. */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const where = formatPath([...prefix, ...issue.path])
    const got = 'input' in issue && issue.input !== undefined ? ` (got ${preview(issue.input)})` : ''
    return `${where || '(root)'}: ${issue.message}${got}`
  })
  const more = error.issues.length > MAX_ISSUES ? `; and ${error.issues.length - MAX_ISSUES} more` : ''
  return parts.join('; ') + more
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out ? `.${String(p)}` : String(p)
  }
  return out
}

function preview(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object'
  const s = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return s.length > 40 ? `${s.slice(0, 37)}...` : s
}

/** The engine-facing event for a payload that did not decode. `ts` is the receive time: the payload's own time is unknown. */
export function decodeErrorEvent(f: DecodeFailure, ts: number): BrokerEvent {
  return {kind: 'decode_error', ts, channel: f.channel, reason: f.reason, raw: f.raw}
}

// ---- field schemas shared by both venues ----

const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

/** A number sent as a string ("0.0851119"). Anything else, including "" and "NaN", is an issue, never NaN. */
export const decimalString = z
  .string()
  .regex(DECIMAL, {message: 'expected a decimal number in a string', abort: true})
  .refine((s) => Number.isFinite(Number(s)), 'number out of range')
  .transform(Number)

/** Bybit's convention for "not applicable": an empty string. Decodes to undefined; any other text must be a decimal. */
export const emptyOrDecimal = z
  .string()
  .regex(new RegExp(`^$|${DECIMAL.source}`), {message: 'expected a decimal number in a string, or ""', abort: true})
  .refine((s) => s === '' || Number.isFinite(Number(s)), 'number out of range')
  .transform((s) => (s === '' ? undefined : Number(s)))

/**
 * Like `emptyOrDecimal`, for fields a venue also sends as JSON null when they do not apply (Bybit's avgPrice on an
 * order with no fill): null and "" both decode to undefined.
 */
export const blankOrDecimal = z.preprocess((v) => (v === null ? '' : v), emptyOrDecimal)

/** A finite JSON number. */
export const finiteNumber = z.number().refine(Number.isFinite, 'expected a finite number')

/** A value read by `read`, which returns undefined when it does not fit; the issue then says `expected`. */
function readAs<T>(expected: string, read: (v: unknown) => T | undefined) {
  return z.unknown().transform((v, ctx) => {
    const out = v === undefined ? undefined : read(v)
    if (out === undefined) {
      ctx.addIssue({code: 'custom', message: v === undefined ? `expected ${expected}, received undefined` : `expected ${expected}`, input: v})
      return z.NEVER
    }
    return out
  })
}

/**
 * Epoch milliseconds sent as a string of digits or as an integer. Some recorders (ccxt) round-trip Bybit's
 * integers into strings, so both spellings are accepted; fractions, signs and text are not.
 */
export const epochMs = readAs('epoch milliseconds (digits or an integer)', (v) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : undefined
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined
})

/** An integer sent as a number or as a string of digits (Bybit retCode, positionIdx in round-tripped files). */
export const intLike = readAs('an integer', (v) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : undefined
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined
})

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/

/** RFC 3339 time with up to nanoseconds and a zone ("2026-09-18T13:24:50.019303395Z") → epoch ms (sub-ms dropped). */
export const isoTime = z
  .string()
  .regex(ISO, {message: 'expected an RFC 3339 timestamp', abort: true})
  .transform((s) => Date.parse(s))
  .refine(Number.isFinite, 'timestamp out of range')

// ---- venue-neutral market data shapes the decoders produce ----

export interface VenueBar {
  readonly symbol: string
  /** Open time, epoch ms. */
  readonly ts: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
  readonly volume: number
  /** False while the venue still updates the bar (Bybit `confirm`); true or absent for a closed bar. */
  readonly closed?: boolean
}

export interface VenueTrade {
  readonly symbol: string
  readonly ts: number
  readonly price: number
  readonly size: number
  /** Venue trade id (as text: some ids exceed 2^53). */
  readonly id: string
  /** Taker side when the venue reports it. */
  readonly side?: Side
}

/** Ticker fields present in the frame; Bybit delta frames carry only the fields that changed. */
export interface VenueTicker {
  readonly symbol: string
  readonly ts: number
  readonly snapshot: boolean
  readonly lastPrice?: number
  readonly markPrice?: number
  readonly indexPrice?: number
  readonly bidPrice?: number
  readonly bidSize?: number
  readonly askPrice?: number
  readonly askSize?: number
  readonly fundingRate?: number
  readonly nextFundingTime?: number
  readonly volume24h?: number
  readonly turnover24h?: number
}

export interface VenueBook {
  readonly symbol: string
  readonly ts: number
  readonly snapshot: boolean
  readonly bids: readonly (readonly [price: number, size: number])[]
  readonly asks: readonly (readonly [price: number, size: number])[]
  /** The venue's book sequence (Bybit `u`), when it has one. */
  readonly updateId?: number
}

/** A page of a paginated list, with the venue's cursor for the next page (undefined on the last page). */
export interface Page<T> {
  readonly items: readonly T[]
  readonly next?: string
}
