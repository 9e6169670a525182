/** Builds BarStreams from plain rows for tests (the real ones come from DuckDB). */
import type {BarChunk, BarStream, Timeframe} from '../../src/core/market-data.js'

export interface Row {
  symbol: string
  ts: number
  open: number
  high: number
  low: number
  close: number
  volume: number
}

export function memoryStream(rows: readonly Row[], timeframe: Timeframe = '1m', chunkRows = 1000): BarStream {
  const symbols = [...new Set(rows.map((r) => r.symbol))].sort()
  const sorted = [...rows].sort((a, b) => a.ts - b.ts || symbols.indexOf(a.symbol) - symbols.indexOf(b.symbol))
  return {
    symbols,
    timeframe,
    async *[Symbol.asyncIterator](): AsyncIterator<BarChunk> {
      for (let at = 0; at < sorted.length; at += chunkRows) {
        const part = sorted.slice(at, at + chunkRows)
        const n = part.length
        const chunk = {
          length: n,
          symbol: Uint16Array.from(part, (r) => symbols.indexOf(r.symbol)),
          ts: Float64Array.from(part, (r) => r.ts),
          open: Float64Array.from(part, (r) => r.open),
          high: Float64Array.from(part, (r) => r.high),
          low: Float64Array.from(part, (r) => r.low),
          close: Float64Array.from(part, (r) => r.close),
          volume: Float64Array.from(part, (r) => r.volume),
        }
        yield chunk
      }
    },
  }
}

/** A deterministic zig-zag price series: enough crosses for an SMA strategy to trade. */
export function zigzag(symbol: string, start: number, n: number, opts: {base?: number; amp?: number; period?: number; volume?: number; stepMs?: number} = {}): Row[] {
  const base = opts.base ?? 100
  const amp = opts.amp ?? 5
  const period = opts.period ?? 40
  const step = opts.stepMs ?? 60_000
  const out: Row[] = []
  let prev = base
  for (let i = 0; i < n; i++) {
    const close = Math.round((base + amp * Math.sin((2 * Math.PI * i) / period)) * 100) / 100
    const open = prev
    out.push({symbol, ts: start + i * step, open, high: Math.max(open, close) + 0.05, low: Math.min(open, close) - 0.05, close, volume: opts.volume ?? 10_000})
    prev = close
  }
  return out
}
