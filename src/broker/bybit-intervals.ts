/** Bybit kline intervals and their lengths. Monthly klines ('M') have no fixed length and are not supported. */

export const BYBIT_INTERVALS: readonly (readonly [interval: string, tfMs: number])[] = [
  ['1', 60_000], ['3', 180_000], ['5', 300_000], ['15', 900_000], ['30', 1_800_000], ['60', 3_600_000], ['120', 7_200_000],
  ['240', 14_400_000], ['360', 21_600_000], ['720', 43_200_000], ['D', 86_400_000], ['W', 604_800_000],
]

/** The Bybit interval of a bar length, or undefined when Bybit has none. */
export function bybitInterval(tfMs: number): string | undefined {
  return BYBIT_INTERVALS.find(([, ms]) => ms === tfMs)?.[0]
}

/** The bar length of a Bybit interval, or undefined for an unknown one. */
export function bybitIntervalMs(interval: string): number | undefined {
  return BYBIT_INTERVALS.find(([iv]) => iv === interval)?.[1]
}
