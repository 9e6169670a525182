/**
 * Parity with backtrader: each reference case of fixtures/backtrader (copied unchanged from
 * ../shared/reference/backtrader) is imported and run through the built CLI exactly as a user would, and must give
 * the reference's fills one for one — side, quantity, price and fee within 1e-9 relative, on the same bar — and its
 * final value within 0.01 %. Keep these tests whatever changes in the engine or the simulator: they are the outside
 * standard the simulator's fills are checked against. Never edit the reference to make them pass.
 *
 * The options that select backtrader's convention: `--latency 0` (the order reaches the venue at the bar's close),
 * `--no-risk` (backtrader has no pre-trade checks), `--participation none` (no volume limit), `--fee` (commission
 * on notional). Market orders fill at the next bar's open by default.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'
import {ROOT, traderIn} from '../support/cli.js'

const REF = join(ROOT, 'fixtures/backtrader')
let dir: string

const ReferenceSchema = z.object({
  fast: z.number(),
  slow: z.number(),
  commission: z.number(),
  initial_cash: z.number(),
  final_value: z.number(),
  fills: z.array(z.object({time: z.string(), side: z.enum(['buy', 'sell']), qty: z.number(), price: z.number(), fee: z.number()})),
})

// The database is named by --db in every call.
const trader = traderIn(() => dir, false)

interface FillRow {
  time: string
  side: string
  qty: number
  price: number
  fee: number
}

function readFills(file: string): FillRow[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n')
  const cols = head.split(',')
  const at = (name: string): number => cols.indexOf(name)
  return lines.map((l) => {
    const f = l.split(',')
    return {time: f[at('time')], side: f[at('side')], qty: Number(f[at('qty')]), price: Number(f[at('price')]), fee: Number(f[at('fee')])}
  })
}

const relClose = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1e-12)

/** New York calendar date of an ISO time (a daily bar's fill is on that session's date). */
const newYorkDate = (iso: string): string => new Intl.DateTimeFormat('en-CA', {timeZone: 'America/New_York'}).format(new Date(iso))

const CASES = [
  {ref: 'spy-daily.sma10-30.json', csv: 'spy-daily.csv', symbol: 'SPYD', timeframe: '1d'},
  {ref: 'spy-daily.sma20-50.json', csv: 'spy-daily.csv', symbol: 'SPYD', timeframe: '1d'},
  {ref: 'ibm-daily.sma10-30.json', csv: 'ibm-daily.csv', symbol: 'IBMD', timeframe: '1d'},
  {ref: 'aig-daily.sma10-30.json', csv: 'aig-daily.csv', symbol: 'AIGD', timeframe: '1d'},
  {ref: 'btcusdt-perp-1m.sma10-30.json', csv: 'btcusdt-perp-1m.csv', symbol: 'BTCUSDT', timeframe: '1m'},
] as const

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-parity-'))
  for (const csv of new Set(CASES.map((c) => c.csv))) {
    const c = CASES.find((x) => x.csv === csv)!
    const r = trader('data', 'import', join(REF, csv), '--symbol', c.symbol, '--db', join(dir, 'ref.duckdb'))
    expect(r.code, r.stderr).toBe(0)
  }
}, 120_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('parity with backtrader (next-open market orders)', () => {
  for (const c of CASES) {
    it(`${c.ref}: the reference's fills one for one and its final value`, () => {
      const ref = ReferenceSchema.parse(JSON.parse(readFileSync(join(REF, c.ref), 'utf8')))
      const out = join(dir, c.ref.replace('.json', ''))
      const r = trader(
        'backtest', '--db', join(dir, 'ref.duckdb'), '--symbols', c.symbol, '--timeframe', c.timeframe,
        '--latency', '0', '--no-risk', '--participation', 'none', '--fee', String(ref.commission), '--cash', String(ref.initial_cash),
        '--params', JSON.stringify({fast: ref.fast, slow: ref.slow, fraction: 0.9}), '--out', out, '--json',
      )
      expect(r.code, r.stderr).toBe(0)
      const report = JSON.parse(r.stdout) as {finalEquity: number}
      const fills = readFills(join(out, 'fills.csv'))
      expect(fills.length).toBe(ref.fills.length)
      for (let i = 0; i < fills.length; i++) {
        const got = fills[i]
        const want = ref.fills[i]
        const where = `fill ${i}: got ${JSON.stringify(got)}, reference ${JSON.stringify(want)}`
        expect(got.side, where).toBe(want.side)
        expect(relClose(got.qty, want.qty, 1e-9), where).toBe(true)
        expect(relClose(got.price, want.price, 1e-9), where).toBe(true)
        expect(relClose(got.fee, want.fee, 1e-9), where).toBe(true)
        // The bar it filled on, at that bar's open: a daily fill at the session's open in New York, a minute fill at
        // the minute's start.
        if (c.timeframe === '1d') {
          expect(newYorkDate(got.time), where).toBe(want.time)
          expect(new Intl.DateTimeFormat('en-GB', {timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit'}).format(new Date(got.time)), where).toBe('09:30')
        } else {
          expect(got.time.replace('.000Z', 'Z'), where).toBe(want.time)
        }
      }
      expect(Math.abs(report.finalEquity - ref.final_value) / ref.final_value).toBeLessThan(1e-4)
    }, 60_000)
  }
})
