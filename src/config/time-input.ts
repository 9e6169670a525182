/** Parses user-given times: a date (YYYY-MM-DD, UTC midnight), an ISO date-time, or epoch milliseconds. */
import {UserInputError} from '../core/errors.js'

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** `end` makes a date-only value inclusive (the end of that UTC day). */
export function parseTimeInput(value: string, flag: string, end = false): number {
  const v = value.trim()
  if (/^\d{10,}$/.test(v)) return Number(v)
  const t = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v)
  if (!Number.isFinite(t)) {
    throw new UserInputError(`${flag} '${value}' is not a time; use YYYY-MM-DD, an ISO date-time such as 2013-10-07T13:30:00Z, or epoch ms`)
  }
  return end && DATE_ONLY.test(v) ? t + 86_400_000 : t
}
