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

/** "2024-01-05T13:30:00.000Z" → "2024-01-05 13:30:00". */
export function utcTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')
}
