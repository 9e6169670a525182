/** GET /v5/market/time: `result.timeNano` (and `timeSecond`) → venue epoch milliseconds. */
import {z} from 'zod'
import {type Decoded, decode} from '../decode.js'

export const BybitServerTimeSchema = z.object({
  timeSecond: z.string().regex(/^\d{1,12}$/, 'expected epoch seconds as digits'),
  timeNano: z.string().regex(/^\d{1,21}$/, 'expected epoch nanoseconds as digits'),
})

/** The venue's clock in ms, from the nanoseconds (sub-millisecond part dropped). */
export function decodeBybitServerTime(result: unknown, channel = 'bybit:rest:time'): Decoded<number> {
  return decode(channel, BybitServerTimeSchema, result, (t) => Number(BigInt(t.timeNano) / 1_000_000n))
}
