/**
 * Replay of a large journal (~100,000 records: sma-cross trading often over synthetic bars) with its fast paths —
 * records compared field by field instead of encoded, both hashes taken in one pass while the streams agree —
 * must still find a single altered record deep in the recording (past 90 % of it): a changed decision (an
 * intent's size, a request's size) as a divergence at that record, a changed fill price as a fill-consistency
 * violation, and each time the two hashes as the plain definition computes them.
 */
import {beforeAll, describe, expect, it} from 'vitest'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import type {BarChunk, BarStream} from '../../src/core/market-data.js'
import {Rng} from '../../src/core/rng.js'
import {runBacktest} from '../../src/run/backtest.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import {replayJournal, type ReplayReport} from '../../src/run/replay.js'
import type {SessionHeader} from '../../src/engine/session-header.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {SmaCross} from '../../strategies/sma-cross/index.js'

const SYMBOLS = Array.from({length: 10}, (_, i) => `SYN${i}`)
const MINUTES = 30_000
const T0 = Date.UTC(2024, 0, 1)

/** Seeded random walks, one bar per symbol per minute, in one chunk. */
function bars(): BarChunk {
  const rng = new Rng(11)
  const n = SYMBOLS.length * MINUTES
  const c = {length: n, symbol: new Uint16Array(n), ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n)}
  const price = SYMBOLS.map(() => 100)
  for (let m = 0, k = 0; m < MINUTES; m++) {
    for (let s = 0; s < SYMBOLS.length; s++, k++) {
      const open = price[s]
      const close = Math.max(1, open * (1 + (rng.next() - 0.5) * 0.004))
      price[s] = close
      c.symbol[k] = s
      c.ts[k] = T0 + m * 60_000
      c.open[k] = open
      c.close[k] = close
      c.high[k] = Math.max(open, close) * 1.0005
      c.low[k] = Math.min(open, close) * 0.9995
      c.volume[k] = 1000
    }
  }
  return c
}

let chunk: BarChunk
let instruments: Instrument[]
let records: JournalRecord[]
let recordedHash: string
const stream = (): BarStream => ({symbols: SYMBOLS, timeframe: '1m', [Symbol.asyncIterator]: async function* () { yield chunk }})
const replay = (recs: readonly JournalRecord[]): Promise<ReplayReport> => replayJournal(recs, {data: async () => ({stream: stream(), instruments})})

/** The journal hash as its definition computes it, record by record. */
function hashOf(recs: readonly JournalRecord[]): string {
  const j = new Journal()
  for (const r of recs) j.append(r)
  return j.digest()
}

/** A copy of the recording with the record at `index` changed by `edit` (on a deep copy of its data). */
function altered(index: number, edit: (data: never) => void): JournalRecord[] {
  const out = [...records]
  const data = structuredClone(records[index].data)
  edit(data as never)
  out[index] = {...records[index], data}
  return out
}

/** Index of the first record past 90 % of the journal that satisfies `pred`. */
function deep(pred: (r: JournalRecord) => boolean): number {
  const i = records.findIndex((r, k) => k > records.length * 0.9 && pred(r))
  expect(i).toBeGreaterThan(0)
  return i
}

beforeAll(async () => {
  chunk = bars()
  instruments = SYMBOLS.map((s) => defaultInstrument(s, 'crypto_spot', 'sim'))
  const params = {fast: 5, slow: 20, fraction: 0.02}
  const sim = {seed: 3, latency: {fixedMs: 40, jitterMs: 25}}
  const header: SessionHeader = {
    format: 1, mode: 'backtest', strategy: 'sma-cross', params, symbols: SYMBOLS, timeframe: '1m', from: null, to: null,
    source: 'sample', rows: chunk.length, venue: 'sim', sim, seed: sim.seed, epoch: 1, risk: null,
  }
  const journal = new Journal({keep: true})
  const run = await runBacktest({stream: stream(), instruments, profile: profileFor('sim'), strategy: new SmaCross(params), sim, journal, header})
  records = [...journal.records]
  recordedHash = run.journalHash
}, 120_000)

describe('replay of a large journal', () => {
  it('reproduces ~100,000 records exactly, with both hashes equal to the recording\'s', async () => {
    expect(records.length).toBeGreaterThan(80_000)
    const r = await replay(records)
    expect(r.divergences).toEqual([])
    expect(r.violations).toEqual([])
    expect([r.recordedHash, r.replayedHash]).toEqual([recordedHash, recordedHash])
    expect(r.ok).toBe(true)
  }, 60_000)

  it('finds a changed order size in one intent deep in the journal', async () => {
    const i = deep((r) => r.type === 'intent')
    const tampered = altered(i, (d: {request: {qty: number}}) => (d.request.qty += 1))
    const r = await replay(tampered)
    expect(r.ok).toBe(false)
    expect(r.divergences.map((d) => [d.kind, d.index])).toEqual([['record_differs', i]])
    // The recording's hash is the tampered file's; the replay wrote the original run.
    expect(r.recordedHash).toBe(hashOf(tampered))
    expect(r.replayedHash).toBe(recordedHash)
  }, 60_000)

  it('finds a changed size in one submit request deep in the journal (the record and the request differ)', async () => {
    const i = deep((r) => r.type === 'request' && (r.data as {op: string}).op === 'submit')
    const tampered = altered(i, (d: {args: {qty: number}}) => (d.args.qty *= 2))
    const r = await replay(tampered)
    expect(r.ok).toBe(false)
    expect(r.divergences.map((d) => [d.kind, d.index]).sort()).toEqual([['record_differs', i], ['request_differs', i]])
    expect(r.recordedHash).toBe(hashOf(tampered))
    expect(r.replayedHash).not.toBe(r.recordedHash)
  }, 60_000)

  it('finds a changed fill price in one execution deep in the journal', async () => {
    const i = deep((r) => r.type === 'event' && (r.data as {kind: string}).kind === 'execution')
    let cid = ''
    const tampered = altered(i, (d: {fill: {price: number; clientOrderId: string}}) => {
      d.fill.price *= 1.01
      cid = d.fill.clientOrderId
    })
    const r = await replay(tampered)
    expect(r.ok).toBe(false)
    expect(r.violations.filter((v) => v.rule === 'fill_price_mismatch').map((v) => v.detail.includes(cid))).toEqual([true])
    expect(r.recordedHash).toBe(hashOf(tampered))
  }, 60_000)
})
