/**
 * The grid's compact state stream: checkpoints and changes rebuild exactly the records the grid wrote; a missing,
 * repeated or reordered record is refused by name; a restart from the middle of a chain (from the journal or from
 * the state file) starts the same grid as the in-memory hand-over; and a month of minute bars writes a bounded
 * number of state records per bar (the whole state after every input made 5.3 per bar). Not timed tests.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {BarChunk, BarStream} from '../../src/core/market-data.js'
import {Rng} from '../../src/core/rng.js'
import {runBacktest} from '../../src/run/backtest.js'
import {Journal, type JournalRecord, lineOf} from '../../src/engine/journal.js'
import type {Scenario} from '../../src/run/scenario.js'
import {BYBIT_HEDGE_PROFILE} from '../../src/sim/venue-profile.js'
import {type GridRun, gridViolations, runGrid} from './grid-harness.js'
import {GRID_STATE_RECORD, GridParamsSchema, type GridStateEntry, GridStateError, GridStateFile, GridStateReader, type GridStateRecord, gridStates, GridStrategy, JournalStateSink, lastGridState} from '../../strategies/grid/index.js'

const T0 = Date.UTC(2024, 0, 1)
const MINUTE = 60_000

/** A mean-reverting random walk around 20 000, ±0.2 % a minute (the long-run test's market), as price tuples. */
function walkPrices(n: number, seed: number): [number, number, number, number][] {
  const rng = new Rng(seed)
  const out: [number, number, number, number][] = []
  let p = 20_000
  for (let i = 0; i < n; i++) {
    const open = p
    p = Math.round(p * (1 + (rng.next() - 0.5) * 0.004 + ((20_000 - p) / 20_000) * 0.0005) * 10) / 10
    out.push([open, Math.round(Math.max(open, p) * 1.0008 * 10) / 10, Math.round(Math.min(open, p) * 0.9992 * 10) / 10, p])
  }
  return out
}

function walkStream(n: number, seed: number): BarStream {
  const prices = walkPrices(n, seed)
  return {
    symbols: ['BTCUSDT'],
    timeframe: '1m',
    async *[Symbol.asyncIterator](): AsyncIterator<BarChunk> {
      for (let at = 0; at < n; at += 10_000) {
        const len = Math.min(10_000, n - at)
        const c = {length: len, symbol: new Uint16Array(len), ts: new Float64Array(len), open: new Float64Array(len), high: new Float64Array(len), low: new Float64Array(len), close: new Float64Array(len), volume: new Float64Array(len)}
        for (let i = 0; i < len; i++) {
          const [o, h, l, cl] = prices[at + i]
          c.ts[i] = T0 + (at + i) * MINUTE
          c.open[i] = o
          c.high[i] = h
          c.low[i] = l
          c.close[i] = cl
          c.volume[i] = 100
        }
        yield c
      }
    },
  }
}

/** A scenario on `bars` minutes of the walk, restarting the grid in process at `restartAt` (engine times). */
function walkScenario(bars: number, params: Record<string, unknown>, restartAt?: number[]): Scenario {
  return {
    id: 'grid-state-chain',
    title: 'grid state chain across a restart',
    strategy: 'grid',
    params: {baseNotional: 1000, multiplier: 1.5, maxLevels: 4, gridStepPct: 0.3, tpPct: 0.25, ...params},
    data: {inline: {timeframe: '1m', venue: 'bybit', assetClass: 'crypto_perp', bars: walkPrices(bars, 7).map(([o, h, l, c], i) => ['BTCUSDT', T0 + i * MINUTE, o, h, l, c, 100])}},
    sim: {seed: 1, latency: {fixedMs: 20, jitterMs: 0}},
    ...(restartAt ? {restartAt} : {}),
    expect: {invariants: true},
  } as unknown as Scenario
}

const stateRecords = (records: readonly JournalRecord[]) => records.filter((r) => r.type === GRID_STATE_RECORD)
const strip = (r: GridStateRecord | undefined) => (r ? {...r, t: 0} : undefined)
const journalLines = (run: GridRun) => run.out.journal.records.map(lineOf)

describe('grid state: checkpoints and changes', () => {
  it('rebuild every record the grid wrote, exactly, with a checkpoint every N', async () => {
    const written: GridStateRecord[] = []
    const entries: GridStateEntry[] = []
    const N = 7
    const run = await runGrid(walkScenario(600, {}), (p, o) => {
      const sink = new JournalStateSink((e) => entries.push(structuredClone(e)), N)
      return new GridStrategy(p, {...o, sink: {write: (r) => (written.push(structuredClone(r)), sink.write(r))}})
    })
    expect(gridViolations(run)).toEqual([])
    expect(written.length).toBeGreaterThan(50)
    const reader = new GridStateReader()
    const rebuilt = entries.map((e, i) => structuredClone(reader.push(e, `#${i}`)))
    expect(rebuilt).toEqual(written)
    // A checkpoint first and at every N-th record; changes in between, each naming its checkpoint.
    expect(entries.map((e) => ('k' in e ? e.k : 'v1')).join('')).toBe(entries.map((_, i) => (i % N === 0 ? 'c' : 'd')).join(''))
    for (const e of entries) if ('k' in e && e.k === 'd') expect(e.base).toBe(Math.floor((e.seq - 1) / N) * N + 1)
    // Changes are small: far less than the whole record.
    const size = (e: unknown) => JSON.stringify(e).length
    const deltas = entries.filter((e) => 'k' in e && e.k === 'd')
    const checkpoints = entries.filter((e) => 'k' in e && e.k === 'c')
    expect(deltas.reduce((n, e) => n + size(e), 0) / deltas.length).toBeLessThan((checkpoints.reduce((n, e) => n + size(e), 0) / checkpoints.length) / 2)
  })

  it('in the run journal: the last state rebuilt from the records equals what a restart is handed; nothing is written when nothing changed', async () => {
    const run = await runGrid(walkScenario(600, {stateCheckpointEvery: 10}))
    const records = stateRecords(run.out.journal.records)
    const states = gridStates(run.out.journal.records)
    expect(states).toHaveLength(records.length)
    expect(lastGridState(run.out.journal.records)).toEqual(run.strategy.snapshot())
    expect(states[states.length - 1].state).toEqual(run.strategy.snapshot())
    // No two records in a row hold the same state.
    for (let i = 1; i < states.length; i++) expect(strip(states[i].state)).not.toEqual(strip(states[i - 1].state))
    // Far fewer records than inputs: the grid settled after every bar and event.
    expect(run.strategy.saves.offered).toBeGreaterThan(3 * records.length)
  })
})

describe('grid state: a record missing or out of order is refused', () => {
  async function journalEntries(): Promise<JournalRecord[]> {
    const run = await runGrid(walkScenario(300, {stateCheckpointEvery: 20}))
    return stateRecords(run.out.journal.records)
  }

  const fold = (records: readonly JournalRecord[]) => {
    const reader = new GridStateReader()
    records.forEach((r, i) => reader.push(r.data, `#${i} at t=${r.t}`))
    return reader.state
  }

  it('a change missing, repeated, swapped, or without its checkpoint', async () => {
    const all = await journalEntries()
    expect(all.length).toBeGreaterThan(25)
    expect(() => fold(all)).not.toThrow()
    const kind = (r: JournalRecord) => (r.data as {k: string}).k
    const d = all.findIndex((r, i) => i > 1 && kind(r) === 'd' && kind(all[i - 1]) === 'd' && kind(all[i + 1]) === 'd')
    expect(d).toBeGreaterThan(0)
    const missing = [...all.slice(0, d), ...all.slice(d + 1)]
    expect(() => fold(missing)).toThrow(GridStateError)
    expect(() => fold(missing)).toThrow(/is change \d+ of the chain from checkpoint 1, but seq \d+ of the chain from checkpoint 1 was due: a state record is missing or out of order/)
    expect(() => fold([...all.slice(0, d + 1), all[d], ...all.slice(d + 1)])).toThrow(/missing or out of order/)
    expect(() => fold([...all.slice(0, d), all[d + 1], all[d], ...all.slice(d + 2)])).toThrow(/missing or out of order/)
    // The second chain without its checkpoint: its changes do not follow the first chain's.
    const second = all.findIndex((r, i) => i > 0 && kind(r) === 'c')
    expect(second).toBeGreaterThan(0)
    expect(() => fold([...all.slice(0, second), ...all.slice(second + 1)])).toThrow(/missing or out of order/)
    expect(() => fold(all.slice(1))).toThrow(/a checkpoint first was due/)
    // lastGridState reads the last chain only, with the same checks.
    expect(() => lastGridState(missing.slice(0, second - 1))).toThrow(GridStateError)
    expect(lastGridState(all)).toEqual(fold(all))
  })

  it('a change that does not fit the state it follows, or makes a malformed one', async () => {
    const all = await journalEntries()
    const d = all.findIndex((r) => (r.data as {k: string}).k === 'd')
    const bent = (ops: unknown[]) => [...all.slice(0, d), {...all[d], data: {...(all[d].data as object), ops}}]
    expect(() => fold(bent([['grids.7.cycle', 1]]))).toThrow(/does not fit the state it follows \(path grids\.7\.cycle is not in the record\)/)
    expect(() => fold(bent([['grids.0.legs.0.size', -1]]))).toThrow(/makes a malformed state/)
    // A path never reaches past the record's own values (a prototype, say).
    expect(() => fold(bent([['__proto__.toString', 1]]))).toThrow(/path __proto__\.toString is not in the record/)
    expect(Object.prototype.toString).toBeTypeOf('function')
    expect(() => fold(bent([]))).toThrow(/is malformed/)
  })
})

describe('grid state: a restart in the middle of a chain', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
  })

  const RESTART = T0 + 150 * MINUTE + 30_000
  const params = {stateCheckpointEvery: 25}

  it('from the journal or from the state file, the restarted grid equals the one handed the in-memory state', async () => {
    // A: the in-memory hand-over (the engine's restart).
    const a = await runGrid(walkScenario(300, params, [RESTART]))
    expect(a.out.failures).toEqual([])
    expect(gridViolations(a)).toEqual([])
    const before = a.out.journal.records.slice(0, a.out.journal.records.findIndex((r) => r.type === 'restart'))
    const lastBefore = stateRecords(before).at(-1)!
    // The restart falls inside a chain: the last record before it is a change, not a checkpoint.
    expect((lastBefore.data as {k: string}).k).toBe('d')
    const fromJournal = lastGridState(before)
    expect(fromJournal).toEqual(a.instances[0].snapshot())

    // B: the restarted instance is built from the journal's chain instead: the same run, record for record.
    const b = await runGrid(walkScenario(300, params, [RESTART]), (p, o) => new GridStrategy(p, {...o, restoreFrom: o.restoreFrom ? fromJournal : undefined}))
    expect(journalLines(b)).toEqual(journalLines(a))

    // C: with a state directory, the restarted instance reads the file alone: it starts from the same state and
    // trades the same orders and fills.
    const dir = mkdtempSync(join(tmpdir(), 'trader-grid-chain-'))
    dirs.push(dir)
    let onDisk: GridStateRecord | undefined
    let n = 0
    const c = await runGrid(walkScenario(300, {...params, stateDir: dir}, [RESTART]), (p, o) => {
      if (n++ === 1) onDisk = new GridStateFile(dir).read()
      const s = new GridStrategy(p, {...o, restoreFrom: undefined})
      s.stop = () => s.dispose()
      return s
    })
    expect(onDisk).toEqual(fromJournal)
    const trades = (r: GridRun) => r.result.fills.map((f) => [f.ts, f.side, f.positionSide, f.qty, f.price])
    expect(trades(c)).toEqual(trades(a))
    expect(strip(c.strategy.stateRecord())).toEqual(strip(a.strategy.stateRecord()))

    // And without a restart, the grid trades the same orders and ends in the same state.
    const none = await runGrid(walkScenario(300, params))
    // (Client order ids end in the run's epoch, which a restart raises.)
    const noEpoch = (r: GridStateRecord) => JSON.parse(JSON.stringify(strip(r)).replace(/("cid":"[^"]*)-\d+"/g, '$1"')) as unknown
    expect(trades(none)).toEqual(trades(a))
    expect(noEpoch(none.strategy.stateRecord())).toEqual(noEpoch(a.strategy.stateRecord()))
  })
})

describe('grid state: a month of minute bars', () => {
  it('writes a bounded number of state records per bar (a test of counts, not of time)', async () => {
    const MINUTES = 30 * 1440
    const counts = new Map<string, {n: number; bytes: number}>()
    const journal = new Journal({
      sinks: [
        {
          append: (r) => {
            const c = counts.get(r.type) ?? {n: 0, bytes: 0}
            c.n++
            c.bytes += lineOf(r).length + 1
            counts.set(r.type, c)
          },
        },
      ],
    })
    const r = await runBacktest({
      stream: walkStream(MINUTES, 42),
      instruments: [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')],
      profile: BYBIT_HEDGE_PROFILE,
      strategy: new GridStrategy(GridParamsSchema.parse({})),
      sim: {seed: 1, latency: {fixedMs: 20, jitterMs: 10}, fees: {makerRate: 0.0002, takerRate: 0.00055}},
      journal,
    })
    expect(r.bars).toBe(MINUTES)
    const cycles = r.metrics.find((m) => m.key === 'grid_tp_cycles_total')!.value
    expect(cycles).toBeGreaterThan(300)
    const state = counts.get(GRID_STATE_RECORD)!
    // A state record only when the state changed: a few per take-profit cycle, not several per bar.
    expect(state.n / MINUTES).toBeLessThan(0.5)
    expect(state.n / cycles).toBeLessThan(40)
    // ≤ 2 MB of state for the month on one symbol (the whole state after every input wrote ~210 MB).
    expect(state.bytes).toBeLessThan(2 * 1024 * 1024)
    expect(state.bytes / MINUTES).toBeLessThan(48)
  }, 180_000)
})
