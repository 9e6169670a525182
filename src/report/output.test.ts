import {mkdtemp, readFile, readdir, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {ClosedTrade, EquityCurve} from '../core/trade.js'
import {csvString} from './csv.js'
import {type FillRow, type OrderRow, RunOutputError, writeRunOutputs, type RunOutputData} from './output.js'

const T0 = Date.UTC(2024, 0, 2, 14, 30)

const orders: OrderRow[] = [
  {ts: T0, clientOrderId: 'sig-1:entry:0', venueOrderId: 'v-1', symbol: 'AAPL', side: 'buy', type: 'limit', tif: 'day',
    qty: 10, limitPrice: 185.5, stopPrice: null, status: 'filled', filledQty: 10, avgFillPrice: 185.42, rejectReason: null},
  {ts: T0 + 60_000, clientOrderId: 'sig-2:entry:0', venueOrderId: null, symbol: 'MSFT', side: 'sell', type: 'market',
    tif: 'gtc', qty: 0.1, limitPrice: null, stopPrice: null, status: 'rejected', filledQty: 0, avgFillPrice: null,
    rejectReason: 'insufficient buying power, "qty" too large\nretry later'},
  {ts: T0 + 120_000, clientOrderId: 'sig-3:tp:0', venueOrderId: 'v-3', symbol: 'AAPL', side: 'sell', type: 'stop_limit',
    tif: 'gtc', qty: 10, limitPrice: 190, stopPrice: 189.99, status: 'canceled', filledQty: 0, avgFillPrice: null,
    rejectReason: ''},
]

const fills: FillRow[] = [
  {ts: T0 + 500, execId: 'e-1', clientOrderId: 'sig-1:entry:0', venueOrderId: 'v-1', symbol: 'AAPL', side: 'buy', qty: 4,
    price: 185.4, fee: 0.0742, liquidity: 'maker'},
  {ts: T0 + 900, execId: 'e-2', clientOrderId: 'sig-1:entry:0', venueOrderId: 'v-1', symbol: 'AAPL', side: 'buy', qty: 6,
    price: 185.43333333333334, fee: 1e-7, liquidity: 'taker'},
]

const trades: ClosedTrade[] = [
  {symbol: 'AAPL', direction: 'long', qty: 10, entryTs: T0 + 900, entryPrice: 185.42, exitTs: T0 + 86_400_000,
    exitPrice: 190, pnl: 45.7258, fees: 0.0742, exitReason: 'take_profit'},
]

const N = 1_000
const equity: EquityCurve = {
  ts: Float64Array.from({length: N}, (_, i) => T0 + i * 60_000),
  equity: Float64Array.from({length: N}, (_, i) => 100_000 + i / 3),
  exposure: Float64Array.from({length: N}, (_, i) => (i % 2) * 0.25),
}

const data: RunOutputData = {orders, fills, trades, equity}
let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trader-report-'))
})
afterAll(async () => {
  await rm(root, {recursive: true, force: true})
})

const NAMES = ['orders', 'fills', 'trades', 'equity'] as const

describe('writeRunOutputs', () => {
  it('writes the four CSVs with their headers and one line per row, files 0600 in a 0700 dir', async () => {
    const dir = join(root, 'run-a', 'nested')
    const written = await writeRunOutputs(dir, data, {parquet: false})
    expect(written).toEqual(NAMES.map((n) => join(dir, `${n}.csv`)))
    expect((await readdir(dir)).sort()).toEqual(['equity.csv', 'fills.csv', 'orders.csv', 'trades.csv'])
    expect((await stat(dir)).mode & 0o777).toBe(0o700)

    const text = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await readFile(join(dir, `${n}.csv`), 'utf8')])))
    for (const n of NAMES) expect((await stat(join(dir, `${n}.csv`))).mode & 0o777).toBe(0o600)

    expect(text.orders.split('\n')[0]).toBe('time,ts,client_order_id,venue_order_id,symbol,side,type,tif,qty,limit_price,' +
      'stop_price,status,filled_qty,avg_fill_price,reject_reason')
    expect(text.fills.split('\n')[0]).toBe('time,ts,exec_id,client_order_id,venue_order_id,symbol,side,qty,price,fee,liquidity')
    expect(text.trades.split('\n')[0]).toBe('symbol,direction,qty,entry_time,entry_ts,entry_price,exit_time,exit_ts,' +
      'exit_price,pnl,fees,exit_reason')
    expect(text.equity.split('\n')[0]).toBe('time,ts,equity,exposure')

    expect(text.orders.split('\n')[1]).toBe('2024-01-02T14:30:00.000Z,1704205800000,sig-1:entry:0,v-1,AAPL,buy,limit,day,' +
      '10,185.5,,filled,10,185.42,')
    expect(text.fills.split('\n')[2]).toBe('2024-01-02T14:30:00.900Z,1704205800900,e-2,sig-1:entry:0,v-1,AAPL,buy,6,' +
      '185.43333333333334,1e-7,taker')
    expect(text.equity.split('\n')[2]).toBe(`2024-01-02T14:31:00.000Z,1704205860000,${String(100_000 + 1 / 3)},0.25`)

    // The rejected order's reason has a comma, quotes and a newline: quoted per RFC 4180, so 4 data rows take 5 lines.
    expect(text.orders).toContain('"insufficient buying power, ""qty"" too large\nretry later"')
    expect(text.orders.endsWith(',""\n')).toBe(true) // empty reject reason is "" (not NULL)
    expect(text.orders.split('\n').length).toBe(1 + 3 + 1 + 1)
    expect(text.fills.split('\n').length).toBe(1 + 2 + 1)
    expect(text.trades.split('\n').length).toBe(1 + 1 + 1)
    expect(text.equity.split('\n').length).toBe(1 + N + 1)
  })

  it('writes byte-identical CSVs for the same input', async () => {
    const a = join(root, 'same-a')
    const b = join(root, 'same-b')
    await writeRunOutputs(a, data, {parquet: false})
    await writeRunOutputs(b, data, {parquet: false})
    await writeRunOutputs(b, data, {parquet: false}) // overwriting gives the same bytes too
    for (const n of NAMES) {
      const [x, y] = await Promise.all([readFile(join(a, `${n}.csv`)), readFile(join(b, `${n}.csv`))])
      expect(x.equals(y), n).toBe(true)
    }
    expect((await readdir(b)).some((f) => f.endsWith('.tmp'))).toBe(false)
  })

  it('writes Parquet twins that DuckDB reads back with the same rows, types and values', async () => {
    const dir = join(root, 'pq')
    const written = await writeRunOutputs(dir, data)
    expect(written.filter((p) => p.endsWith('.parquet'))).toEqual(NAMES.map((n) => join(dir, `${n}.parquet`)))
    for (const n of NAMES) expect((await stat(join(dir, `${n}.parquet`))).mode & 0o777).toBe(0o600)

    const {DuckDBInstance} = await import('@duckdb/node-api')
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    try {
      const counts: Record<string, number> = {}
      for (const n of NAMES) {
        const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, `${n}.parquet`)}')`)
        counts[n] = r.getRowObjectsJS()[0].n as number
      }
      expect(counts).toEqual({orders: 3, fills: 2, trades: 1, equity: N})

      const types = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${join(dir, 'orders.parquet')}')`)
      const byName = Object.fromEntries(types.getRowObjectsJS().map((r) => [r.column_name, r.column_type]))
      expect(byName).toMatchObject({time: 'TIMESTAMP WITH TIME ZONE', ts: 'BIGINT', qty: 'DOUBLE', limit_price: 'DOUBLE',
        reject_reason: 'VARCHAR'})

      const rows = await conn.runAndReadAll(`SELECT epoch_ms(time) AS t, ts, venue_order_id, stop_price, reject_reason
        FROM read_parquet('${join(dir, 'orders.parquet')}') ORDER BY ts`)
      const got = rows.getRowObjectsJS().map((r) => ({...r, t: Number(r.t), ts: Number(r.ts)}))
      expect(got).toEqual([
        {t: T0, ts: T0, venue_order_id: 'v-1', stop_price: null, reject_reason: null},
        {t: T0 + 60_000, ts: T0 + 60_000, venue_order_id: null, stop_price: null, reject_reason: orders[1].rejectReason},
        {t: T0 + 120_000, ts: T0 + 120_000, venue_order_id: 'v-3', stop_price: 189.99, reject_reason: ''},
      ])

      const sums = await conn.runAndReadAll(`SELECT sum(equity) AS s, max(exposure) AS x
        FROM read_parquet('${join(dir, 'equity.parquet')}')`)
      const {s, x} = sums.getRowObjectsJS()[0] as {s: number; x: number}
      expect(s).toBeCloseTo(equity.equity.reduce((a, v) => a + v, 0), 6)
      expect(x).toBe(0.25)
    } finally {
      conn.closeSync()
      db.closeSync()
    }
  })

  it('writes header-only CSVs and empty Parquet files for an empty run', async () => {
    const dir = join(root, 'empty')
    const none: EquityCurve = {ts: new Float64Array(0), equity: new Float64Array(0), exposure: new Float64Array(0)}
    await writeRunOutputs(dir, {orders: [], fills: [], trades: [], equity: none})
    expect(await readFile(join(dir, 'equity.csv'), 'utf8')).toBe('time,ts,equity,exposure\n')
    const {DuckDBInstance} = await import('@duckdb/node-api')
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, 'fills.parquet')}')`)
    expect(r.getRowObjectsJS()[0].n).toBe(0)
    conn.closeSync()
    db.closeSync()
  })

  it('refuses a non-integer time with a clear error', async () => {
    const bad = {...data, fills: [{...fills[0], ts: 1.5}]}
    await expect(writeRunOutputs(join(root, 'bad'), bad, {parquet: false})).rejects.toThrow(RunOutputError)
    await expect(writeRunOutputs(join(root, 'bad'), bad, {parquet: false})).rejects.toThrow(/fills\.csv: row 0 has time 1\.5/)
    expect((await readdir(join(root, 'bad'))).some((f) => f.endsWith('.tmp'))).toBe(false)
  })
})

describe('csvString', () => {
  it('quotes only when needed and doubles quotes', () => {
    expect(csvString('plain')).toBe('plain')
    expect(csvString('a,b')).toBe('"a,b"')
    expect(csvString('say "hi"')).toBe('"say ""hi"""')
    expect(csvString('cr\rlf')).toBe('"cr\rlf"')
    expect(csvString('')).toBe('""')
    expect(csvString(null)).toBe('')
  })
})
