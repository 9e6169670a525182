/**
 * OPS-09: zero prices, zero volume, zero ATR (flat stretches), empty windows and extreme values must never put a
 * NaN, an Infinity, a zero or a negative number into an order, and must not make a strategy throw.
 *
 * 1. The scenario file: one session of bars built from those cases, run through the consensus bot (every signal
 *    source at once) — it trades, and every order is finite and positive.
 * 2. The property: generated bar series (zero prices, flat stretches, zero volume, gaps, prices from 1e-3 to 1e15)
 *    through EVERY registered strategy, on the three venue kinds, with default and eager parameters.
 * 3. The bite: a naive dip buyer sized like the old bots (budget / price, no guard) fails the same property, on a
 *    zero price.
 * 4. Two engine bugs this property found, kept as regression tests at the end: closing a hedge leg built from
 *    partial fills over-reduced it by float noise (~1e-11) and `HedgeLeg.apply` threw PositionError out of `onBar`;
 *    and the tracker reported one ulp of float noise on huge orders as `fill_exceeds_qty`. Both now compare
 *    quantities with a relative tolerance (`sameQty` in src/core/position.ts).
 */
import {join, resolve} from 'node:path'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {defaultInstrument, floorToStep, type AssetClass} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import {runBacktest} from '../../src/run/backtest.js'
import {MemoryLog} from '../../src/engine/engine-log.js'
import {Journal, type JournalRecord} from '../../src/engine/journal.js'
import {inlineStream, loadScenario, runScenario} from '../../src/run/scenario.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {withNeededPositionMode} from '../../src/sim/config.js'
import {findStrategy, STRATEGIES} from '../../strategies/index.js'
import {ParabolicSarParams, parabolicSar} from '../../strategies/parabolic-sar/index.js'

const FIXTURE = join(resolve(import.meta.dirname, '../../fixtures/scenarios'), 'OPS-09.json')

/** Reproducible by default; FC_SEED=<n> explores other series. */
const SEED = Number(process.env.FC_SEED ?? 909)
const RUNS = 60

// ---------------------------------------------------------------------------------------------------------------
// What must hold for every order a strategy sends.

/** Problems with the orders of one run, read from the journal: intents, and the submit / amend requests the venue got. */
function orderProblems(records: readonly JournalRecord[]): string[] {
  const problems: string[] = []
  const positive = (where: string, field: string, v: unknown): void => {
    if (v === undefined) return
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`${where}: ${field} = ${String(v)}`)
  }
  const checkOrder = (where: string, o: {qty?: unknown; limitPrice?: unknown; stopPrice?: unknown}): void => {
    positive(where, 'qty', o.qty)
    positive(where, 'limitPrice', o.limitPrice)
    positive(where, 'stopPrice', o.stopPrice)
  }
  let intents = 0
  for (const r of records) {
    if (r.type === 'intent') {
      const req = (r.data as {request: {clientOrderId: string; qty: unknown}}).request
      intents++
      if (req.qty === undefined) problems.push(`intent ${req.clientOrderId}: no qty`)
      checkOrder(`intent ${req.clientOrderId}`, req)
    } else if (r.type === 'request') {
      const {op, args} = r.data as {op: string; args: any}
      if (op === 'submit') checkOrder(`submit ${args.clientOrderId}`, args)
      if (op === 'amend') checkOrder(`amend ${JSON.stringify(args.ref)}`, args.changes ?? {})
    }
  }
  if (problems.length > 0) problems.unshift(`${intents} intents`)
  return problems
}

// ---------------------------------------------------------------------------------------------------------------
// Generated bar series.

type Kind = 'walk' | 'flat' | 'zero' | 'tiny' | 'huge' | 'spike'
type VolumeKind = 'zero' | 'one' | 'normal' | 'huge'

interface Segment {
  kind: Kind
  length: number
  drift: number
  range: number
  volume: VolumeKind
  /** Minutes skipped before the segment (0 = continuous). */
  gap: number
}

const segmentArb: fc.Arbitrary<Segment> = fc.record({
  kind: fc.oneof(
    {weight: 4, arbitrary: fc.constant<Kind>('walk')},
    {weight: 2, arbitrary: fc.constant<Kind>('flat')},
    {weight: 2, arbitrary: fc.constant<Kind>('zero')},
    {weight: 1, arbitrary: fc.constant<Kind>('tiny')},
    {weight: 1, arbitrary: fc.constant<Kind>('huge')},
    {weight: 1, arbitrary: fc.constant<Kind>('spike')},
  ),
  length: fc.integer({min: 1, max: 90}),
  drift: fc.double({min: -0.01, max: 0.01, noNaN: true}),
  range: fc.constantFrom(0, 0, 0.001, 0.01, 0.2),
  volume: fc.constantFrom<VolumeKind>('zero', 'one', 'normal', 'normal', 'huge'),
  gap: fc.oneof({weight: 5, arbitrary: fc.constant(0)}, {weight: 1, arbitrary: fc.integer({min: 2, max: 3 * 1440})}),
})

/**
 * The smallest non-zero price generated. With the starting cash below, an order stays under ~1e11 lots: beyond
 * that the engine's own quantity rounding breaks by whole lots (see the pinned tests at the end) — a known engine
 * limit, not a strategy bug.
 */
const TINY = 1e-3

const MAX_PRICE = 1e15

const VOLUME: Record<VolumeKind, number> = {zero: 0, one: 1, normal: 50_000, huge: 1e12}

type InlineRow = [string, number, number, number, number, number, number]

/** Monday 2024-01-08 09:00 New York: the series starts before the open, so sessions and pre-market both occur. */
const START = Date.UTC(2024, 0, 8, 14, 0)

/** Expands segments into 1-minute bars; `base` is the first price (TINY .. 1e12, or 0). */
function expand(symbol: string, base: number, segments: readonly Segment[]): InlineRow[] {
  const rows: InlineRow[] = []
  let t = START
  let prev = base
  for (const s of segments) {
    t += s.gap * 60_000
    const level = prev
    for (let i = 0; i < s.length; i++) {
      let close: number
      switch (s.kind) {
        case 'walk':
          close = Math.max(prev, TINY) * (1 + s.drift + 0.01 * Math.sin(i * 0.7))
          break
        case 'flat':
          close = prev
          break
        case 'zero':
          close = 0
          break
        case 'tiny':
          close = TINY * (1 + 0.1 * Math.sin(i))
          break
        case 'huge':
          close = 1e12 * (1 + 0.1 * Math.sin(i))
          break
        case 'spike':
          // Every other bar jumps 1000× above the level the segment started from, then falls back to it.
          close = i % 2 === 0 ? Math.max(level, 1) * 1000 : Math.max(level, TINY)
          break
      }
      // Extreme but finite: repeated segments may compound, the market data never holds Infinity.
      close = Math.min(close, MAX_PRICE)
      const open = prev
      const flat = s.kind === 'flat' || s.kind === 'zero'
      const high = flat ? close : Math.max(open, close) * (1 + s.range)
      const low = flat ? close : Math.min(open, close) * (1 - s.range)
      rows.push([symbol, t, open, high, low, close, VOLUME[s.volume]])
      prev = close
      t += 60_000
    }
  }
  return rows
}

const VENUES: Record<string, AssetClass> = {alpaca: 'us_equity', sim: 'crypto_spot', bybit: 'crypto_perp'}
/**
 * Starting cash per venue, so an order at TINY stays within what the engine's fixed epsilons can count: 1e5 units at
 * most for fractional lots (100 / 1e-3; spot lots are 1e-6, perpetual lots 1e-3). Beyond ~1e7 units the order
 * tracker's absolute 1e-9 tolerance reports float noise in summed partial fills as `fill_exceeds_qty`.
 */
const CASH: Record<string, number> = {alpaca: 100_000, sim: 100, bybit: 100}

const seriesArb = fc.record({
  base: fc.constantFrom(0, TINY, 0.5, 100, 1e6, 1e12),
  segments: fc.array(segmentArb, {minLength: 1, maxLength: 12}),
  venue: fc.constantFrom('alpaca', 'sim', 'bybit'),
})

/** Parameters that make each strategy act often on short series (besides its defaults). */
const EAGER: Record<string, unknown> = {
  'sma-cross': {fast: 2, slow: 4, fraction: 1},
  'opening-range': {rangeMinutes: 5, lastEntryMinutesBeforeClose: 30, allowShort: true, fraction: 1},
  'parabolic-sar': {allowShort: true, fraction: 1},
  'volume-profile': {window: 10, buckets: 5, cooldownBars: 0, allowShort: true, fraction: 1},
  consensus: {
    k: 1,
    allowShort: true,
    fraction: 1,
    sources: [
      {strategy: 'opening-range', params: {rangeMinutes: 5}},
      {strategy: 'parabolic-sar', params: {}},
      {strategy: 'volume-profile', params: {window: 10, buckets: 5, cooldownBars: 0}},
    ],
  },
}

interface Case {
  readonly label: string
  readonly make: () => Strategy
  /** The position mode the strategy needs (the grid: hedge); its simulated account runs in it, as in `trader backtest`. */
  readonly positionMode?: 'one-way' | 'hedge'
  /** Venues the strategy accepts (a strategy may refuse a venue kind at start with a *ConfigError, e.g. the grid needs hedge mode). */
  venues?: readonly string[]
}

/** Every registered strategy with its defaults, and with its eager parameters where it has some. */
function registeredCases(): Case[] {
  const cases: Case[] = []
  for (const f of STRATEGIES) {
    const sets: [string, unknown][] = [['defaults', {}]]
    if (EAGER[f.name] !== undefined) sets.push(['eager', EAGER[f.name]])
    for (const [label, raw] of sets) {
      const parsed = f.params.safeParse(raw)
      if (!parsed.success) throw new Error(`strategy ${f.name}: its ${label} parameters do not parse (${parsed.error.message})`)
      cases.push({label: `${f.name} (${label})`, make: () => f.create(parsed.data), positionMode: f.positionMode})
    }
  }
  return cases
}

/** A calm series: what a strategy that refuses it must be refusing for its configuration, not for the data. */
const CALM = expand('ZZZ', 100, [{kind: 'walk', length: 60, drift: 0.001, range: 0.01, volume: 'normal', gap: 0}])

/** Finds the venues each case accepts: a *ConfigError on the calm series means "not for this venue". */
async function probeVenues(cases: Case[]): Promise<string[]> {
  const skipped: string[] = []
  for (const c of cases) {
    const ok: string[] = []
    for (const venue of Object.keys(VENUES)) {
      const stream = inlineStream(CALM, '1m')
      try {
        await runBacktest({stream, instruments: stream.symbols.map((s) => defaultInstrument(s, VENUES[venue], venue)), profile: profileFor(venue), strategy: c.make(), sim: withNeededPositionMode({initialCash: CASH[venue]}, c.positionMode)})
        ok.push(venue)
      } catch (err) {
        if (!/ConfigError$/.test((err as Error).name)) throw err
        skipped.push(`${c.label} on ${venue}: ${(err as Error).message}`)
      }
    }
    c.venues = ok
  }
  return skipped
}

/** Runs one strategy over one series; the list of problems (empty when the run is clean). */
async function check(c: Case, rows: InlineRow[], venue: string, initialCash = CASH[venue]): Promise<string[]> {
  const stream = inlineStream(rows, '1m')
  const journal = new Journal({keep: true})
  const log = new MemoryLog()
  try {
    const result = await runBacktest({
      stream,
      instruments: stream.symbols.map((s) => defaultInstrument(s, VENUES[venue], venue)),
      profile: profileFor(venue),
      strategy: c.make(),
      sim: withNeededPositionMode({initialCash}, c.positionMode),
      journal,
      log,
    })
    const problems = orderProblems(journal.records)
    // The engine's line for a strategy that threw in its event handler (a strategy's own alerts are not failures).
    for (const l of log.lines) if (l.msg === 'strategy event handler failed') problems.push(`logged error: ${l.msg} ${JSON.stringify(l.fields ?? {})}`)
    for (const v of result.violations) problems.push(`invariant ${v.rule}: ${v.detail}`)
    return problems.map((p) => `${c.label} on ${venue}: ${p}`)
  } catch (err) {
    return [`${c.label} on ${venue}: threw ${(err as Error).stack ?? String(err)}`]
  }
}

/**
 * A test-only strategy sized like the old bots: buy the dip with budget / price and a minimum-size check, but no
 * guard for a zero price (Infinity passes `qty < minQty`).
 */
class NaiveDipBuyer implements Strategy {
  readonly name = 'naive'
  private ctx!: StrategyContext
  private readonly closes: number[] = []
  private n = 0

  start(ctx: StrategyContext): void {
    this.ctx = ctx
  }

  onBar(bar: Bar): void {
    const low = Math.min(...this.closes)
    this.closes.push(bar.close)
    if (this.closes.length > 5) this.closes.shift()
    if (this.closes.length < 5 || bar.close > low || this.ctx.account.hasOpenOrder(bar.symbol)) return
    const inst = this.ctx.instrument(bar.symbol)
    const qty = floorToStep((this.ctx.account.buyingPower * 0.1) / bar.close, inst.lotSize)
    if (qty < inst.minQty) return
    void this.ctx.orders.submit(
      {
        clientOrderId: this.ctx.clientOrderId(`${bar.symbol}${this.n++}`, 'b'),
        symbol: bar.symbol,
        side: 'buy',
        type: 'market',
        qty,
        tif: 'gtc',
        ...(inst.contract === 'linear_perpetual' ? {positionSide: 'long' as const} : {}),
      },
      {reason: 'dip'},
    )
  }
}

describe('OPS-09: no division by zero, no NaN or Infinity reaching an order', () => {
  it('the scenario file: zeros, flat stretches and empty windows through the consensus bot', async () => {
    const s = await loadScenario(FIXTURE)
    const out = await runScenario(s)
    expect(out.failures).toEqual([])
    expect(orderProblems(out.journal.records)).toEqual([])
    // The data really holds the degenerate cases, and the bot really traded through them.
    const bars = 'inline' in s.data ? s.data.inline.bars : []
    expect(bars.filter((b) => b[5] === 0).length).toBeGreaterThan(5)
    expect(bars.filter((b) => b[6] === 0 && b[5] > 0).length).toBeGreaterThan(5)
    expect(out.journal.records.filter((r) => r.type === 'intent').length).toBeGreaterThanOrEqual(2)

    // The bite: the naive sizing on the same bars puts a non-finite quantity into an order.
    const naive = await runScenario(s, {strategy: new NaiveDipBuyer()})
    expect(orderProblems(naive.journal.records).join('\n')).toMatch(/qty = Infinity/)
  })

  it(`property: every registered strategy (${STRATEGIES.map((s) => s.name).join(', ')}) on generated series`, async () => {
    const cases = registeredCases()
    const skipped = await probeVenues(cases)
    // Every strategy runs somewhere; the refusals are configuration, listed in the output.
    for (const c of cases) expect(c.venues!.length, c.label).toBeGreaterThan(0)
    if (skipped.length > 0) console.info(`[OPS-09] not run (venue refused at start):\n  ${skipped.join('\n  ')}`)
    let series = 0
    let orders = 0
    await fc.assert(
      fc.asyncProperty(seriesArb, async ({base, segments, venue}) => {
        series++
        const rows = expand('ZZZ', base, segments)
        const problems: string[] = []
        for (const c of cases) if (c.venues!.includes(venue)) problems.push(...(await check(c, rows, venue)))
        if (problems.length > 0) throw new Error(problems.slice(0, 5).join('\n'))
      }),
      {numRuns: RUNS, seed: SEED, endOnFailure: true},
    )
    // Count the orders of one more pass over a fixed generated sample, so the property is known to exercise orders.
    for (const sample of fc.sample(seriesArb, {numRuns: 5, seed: SEED})) {
      for (const c of cases) {
        if (!c.venues!.includes(sample.venue)) continue
        const journal = new Journal({keep: true})
        const stream = inlineStream(expand('ZZZ', sample.base, sample.segments), '1m')
        await runBacktest({stream, instruments: stream.symbols.map((s) => defaultInstrument(s, VENUES[sample.venue], sample.venue)), profile: profileFor(sample.venue), strategy: c.make(), sim: withNeededPositionMode({initialCash: CASH[sample.venue]}, c.positionMode), journal})
        orders += journal.records.filter((r) => r.type === 'intent').length
      }
    }
    expect(series).toBe(RUNS)
    expect(orders).toBeGreaterThan(20)
  })

  it('the property bites: the naive dip buyer fails it on a zero price', async () => {
    const naive: Case = {label: 'naive', make: () => new NaiveDipBuyer()}
    const details = await fc.check(
      fc.asyncProperty(seriesArb, async ({base, segments, venue}) => {
        const problems = await check(naive, expand('ZZZ', base, segments), venue)
        if (problems.length > 0) throw new Error(problems.join('\n'))
      }),
      {numRuns: RUNS, seed: SEED, endOnFailure: true},
    )
    expect(details.failed).toBe(true)
    expect(String(details.errorInstance)).toMatch(/qty = Infinity/)
    const [example] = details.counterexample!
    expect(expand('ZZZ', example.base, example.segments).some((r) => r[5] === 0)).toBe(true)
  })

  // Engine bugs this property found (see the header, point 4), kept as regressions.
  it('regression: a perpetual at 1e-8 (1e11 contracts) exits cleanly', async () => {
    const rows: InlineRow[] = []
    let prev = 1e-8
    for (let i = 0; i < 300; i++) {
      const c = 1e-8 * (1 + 0.3 * Math.sin(i / 5))
      rows.push(['TINY', START + i * 60_000, prev, Math.max(prev, c) * 1.01, Math.min(prev, c) * 0.99, c, 1e12])
      prev = c
    }
    const psar: Case = {label: 'parabolic-sar', make: () => parabolicSar.create(ParabolicSarParams.parse({allowShort: true}))}
    const problems = await check(psar, rows, 'bybit', 100_000)
    expect(problems).toEqual([])
  })

  it('regression: closing a perpetual leg built from partial fills does not over-reduce it', async () => {
    // The counterexample fast-check found with FC_SEED=1: the leg holds 4994.39999999998 after partial fills, the
    // simulator rounds the reduce-only fill to 4994.4; the leg now takes that as the same quantity.
    const segments: Segment[] = PARTIAL_FILL_CASE.map(([kind, length, range, volume, gap]) => ({kind, length, drift: 0, range, volume, gap}))
    const vp: Case = {label: 'volume-profile', make: () => findStrategy('volume-profile')!.create(findStrategy('volume-profile')!.params.parse(EAGER['volume-profile']))}
    const problems = await check(vp, expand('ZZZ', 100, segments), 'bybit', 100_000)
    expect(problems).toEqual([])
  })
})

const PARTIAL_FILL_CASE: [Kind, number, number, VolumeKind, number][] = [
  ['spike', 18, 0.01, 'normal', 2975],
  ['tiny', 6, 0, 'normal', 2815],
  ['tiny', 31, 0, 'zero', 0],
  ['spike', 89, 0.01, 'zero', 0],
  ['walk', 2, 0.01, 'normal', 3632],
  ['zero', 49, 0, 'normal', 0],
  ['walk', 57, 0.001, 'one', 0],
  ['zero', 54, 0, 'normal', 0],
  ['walk', 55, 0, 'normal', 2522],
  ['zero', 2, 0, 'one', 0],
  ['zero', 89, 0, 'normal', 0],
]
