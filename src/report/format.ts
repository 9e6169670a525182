/** Number formatting for the report tables: fixed 2 decimals, en-US grouping, no "-0.00", "n/a" for null. */

const twoDecimals = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  useGrouping: true,
  signDisplay: 'negative', // a value that rounds to zero prints "0.00", not "-0.00"
})

export const NOT_AVAILABLE = 'n/a'

/** 1234.5 → "1,234.50". */
export function money(x: number | null): string {
  return x === null ? NOT_AVAILABLE : twoDecimals.format(x)
}

/** 0.12345 → "12.35%". */
export function percent(x: number | null): string {
  return x === null ? NOT_AVAILABLE : `${twoDecimals.format(x * 100)}%`
}

/** A plain ratio such as Sharpe: 1.234 → "1.23". */
export function ratio(x: number | null): string {
  return x === null ? NOT_AVAILABLE : twoDecimals.format(x)
}

/** Money with an explicit sign for P&L cells: "+12.00", "-3.50", "0.00". */
export function signedMoney(x: number): string {
  const s = twoDecimals.format(x)
  return x > 0 && s !== '0.00' ? `+${s}` : s
}

/** Percent with an explicit sign: "+1.50%", "-2.00%", "0.00%". */
export function signedPercent(x: number): string {
  const s = percent(x)
  return x > 0 && s !== '0.00%' ? `+${s}` : s
}

/** A span of time, largest units first: 93_784_000 → "1d 2h 3m 4s", 1_500 → "1.5s", 0 → "0s". */
export function duration(ms: number | null): string {
  if (ms === null) return NOT_AVAILABLE
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`
  const s = Math.round(ms / 1000)
  const parts: [number, string][] = [[Math.floor(s / 86_400), 'd'], [Math.floor(s / 3600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']]
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join(' ')
}

/** "2024-01-05T13:30:00.000Z" → "2024-01-05 13:30:00". */
export function utcTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')
}
