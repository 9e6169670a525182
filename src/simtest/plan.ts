/**
 * Seed → plan: what one simulation-tester seed runs. Everything is drawn from the project's seeded Rng, so a seed
 * is its plan, wherever and whenever it runs. The plan IS a scenario (src/run/scenario.ts): a data slice (a
 * scenario file's bars, or a slice of the bundled sample), a strategy and its parameters, latency, and a fault
 * profile drawn swarm style — first which fault kinds are on for this seed, then how often each fires — so that
 * most seeds stress a few faults hard rather than all of them a little.
 */
import {Rng} from '../core/rng.js'
import type {FaultRule} from '../sim/config.js'
import {FRESH_STATE_DIR, type Scenario} from '../run/scenario.js'
import {TIMEFRAME_MS} from '../core/market-data.js'
import type {InlineBar, SampleSeries} from './sample-pool.js'

export const FAULT_KINDS = [
  'event_delay',
  'event_drop',
  'event_duplicate',
  'event_reorder',
  'request_delay',
  'request_fail_5xx',
  'rate_limit_429',
  'rate_limit_10006',
  'request_timeout',
  'disconnect',
  'partial_fill',
  'restart',
  'crash_restart',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

const EVENT_KINDS = ['order', 'execution', 'position', 'account'] as const
const REQUEST_KINDS = ['submit', 'cancel', 'amend', 'getOrder', 'openOrders', 'positions', 'account', 'executions'] as const

/** Strategies drawn onto data that is not the base scenario's own (their defaults suit any slice of its kind). */
const ANY_DATA = ['sma-cross', 'buy-and-hold', 'parabolic-sar', 'volume-profile'] as const
const EQUITY_ONLY = ['opening-range', 'consensus', 'momentum'] as const

/** A base: a scenario file (its bars, strategy and parameters), or a sample series to slice. */
export type Base = {readonly kind: 'scenario'; readonly scenario: Scenario} | {readonly kind: 'sample'; readonly series: SampleSeries}

export interface SeedPlan {
  readonly seed: number
  /** Where the data came from: a scenario id, or `sample:<symbol>@<first bar>+<bars>`. */
  readonly base: string
  readonly strategy: string
  /** How many fault rules / settings of each kind were drawn (0 for kinds off in this seed). */
  readonly faults: Readonly<Record<FaultKind, number>>
  /** The run itself; `params.stateDir` is a placeholder the runner replaces with a fresh directory. */
  readonly scenario: Scenario
}

/** What a crash-restart plan carries for its state directory: a fresh empty one for each run (runScenario). */
export const STATE_DIR_PLACEHOLDER = FRESH_STATE_DIR

/** Chance of each fault kind being on in a seed (swarm testing: about three kinds per seed). */
const ON = 0.25

export function drawPlan(seed: number, bases: readonly Base[]): SeedPlan {
  if (bases.length === 0) throw new Error('simtest: no bases to draw from')
  const rng = new Rng(seed)
  const data = rng.fork(1)
  const swarm = rng.fork(2)
  const rates = rng.fork(3)

  const base = bases[data.int(bases.length)]
  const {start, label} = base.kind === 'scenario' ? {start: fromScenario(base.scenario), label: base.scenario.id} : sliceSample(base.series, data)
  const bars = start.data.kind === 'inline' ? start.data.bars : []
  const assetClass = start.data.assetClass
  const {strategy, params} = drawStrategy(start.strategy, start.params, assetClass, data)

  const t0 = Math.min(...bars.map((b) => b[1]))
  const t1 = Math.max(...bars.map((b) => b[1])) + TIMEFRAME_MS[start.timeframe]
  const at = (): number => Math.round(rates.uniform(t0, t1))
  const window = (): {from: number; to: number} => {
    const from = at()
    return {from, to: from + Math.round(rates.uniform(1_000, Math.max(2_000, (t1 - t0) / 4)))}
  }
  const prob = (): number => round(10 ** rates.uniform(-2, -0.3))
  const some = <T extends string>(all: readonly T[]): T[] | undefined => {
    const picked = all.filter(() => rates.next() < 0.4)
    return picked.length === 0 || picked.length === all.length ? undefined : picked
  }

  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>
  const on = new Set(FAULT_KINDS.filter(() => swarm.next() < ON))
  const rules: FaultRule[] = start.sim.faults ? [...(start.sim.faults as FaultRule[])] : []
  const rule = (kind: FaultKind, r: Omit<FaultRule, 'probability' | 'delayMs' | 'resetMs'> & Partial<FaultRule>): void => {
    counts[kind]++
    const windowed = rates.next() < 0.3 ? window() : {}
    rules.push({probability: prob(), delayMs: 0, resetMs: 1000, ...windowed, ...r})
  }
  const repeat = (f: () => void): void => {
    for (let i = 1 + rates.int(2); i > 0; i--) f()
  }
  for (const action of ['delay', 'drop', 'duplicate', 'reorder'] as const) {
    if (!on.has(`event_${action}`)) continue
    repeat(() => rule(`event_${action}`, {target: 'event', action, kinds: some(EVENT_KINDS), delayMs: action === 'delay' ? Math.round(rates.uniform(10, 5_000)) : 0}))
  }
  if (on.has('request_delay')) repeat(() => rule('request_delay', {target: 'request', action: 'delay', kinds: some(REQUEST_KINDS), delayMs: Math.round(rates.uniform(10, 5_000))}))
  if (on.has('request_fail_5xx')) repeat(() => rule('request_fail_5xx', {target: 'request', action: 'fail', kinds: some(REQUEST_KINDS)}))
  if (on.has('rate_limit_429')) {
    // A burst: every matching request in a window is refused, with its reset time. Like an outage it ends by the
    // last bar: one that outlasts the run leaves the strategy no request to act with before the end-state checks
    // (seed 15604: every cancel refused from a close 20 s before the end to past it).
    const burst = (): {from: number; to: number} => {
      const w = window()
      return {from: w.from, to: Math.max(w.from + 1, Math.min(t1, w.to))}
    }
    repeat(() => rule('rate_limit_429', {target: 'request', action: 'rate_limit', kinds: some(REQUEST_KINDS), ...burst(), probability: 1, resetMs: Math.round(rates.uniform(100, 5_000))}))
  }
  if (on.has('request_timeout')) repeat(() => rule('request_timeout', {target: 'request', action: 'timeout', kinds: some(REQUEST_KINDS)}))
  // Outages end by the last bar: the run's drain (a minute) leaves the reconnect restore time to finish, so the
  // strategy's legs can be held to the venue's at the end (an outage past the end leaves it nothing to learn from).
  const outage = (): {from: number; to: number} => {
    const from = Math.round(rates.uniform(t0, t0 + 0.75 * (t1 - t0)))
    return {from, to: Math.min(t1, from + Math.round(rates.uniform(1_000, Math.max(2_000, (t1 - t0) / 4))))}
  }
  if (on.has('disconnect')) repeat(() => rule('disconnect', {target: 'event', action: 'disconnect', ...outage(), probability: 1}))

  const sim: Record<string, unknown> = {...start.sim, seed, faults: rules}
  // Latency: one for everything, sometimes one per channel (so channels overtake each other).
  sim.latency = {fixedMs: Math.round(rates.uniform(0, 300)), jitterMs: Math.round(rates.next() < 0.5 ? 0 : rates.uniform(0, 200))}
  if (rates.next() < 0.4) {
    sim.latencyByKind = Object.fromEntries(['request', 'response', ...EVENT_KINDS].map((k) => [k, {fixedMs: Math.round(rates.uniform(0, 1500)), jitterMs: 0}]))
  } else delete sim.latencyByKind
  if (on.has('rate_limit_10006')) {
    counts.rate_limit_10006++
    // Down to 1 per window: the grid's restore asks a refused query again alone at its reset time (before, it
    // retried its 3 queries together and never finished under a budget below 3: seeds 695, 2528).
    sim.rateLimit = {requests: 1 + rates.int(12), windowMs: 1000 * (1 + rates.int(10))}
  }
  if (on.has('partial_fill')) {
    counts.partial_fill++
    sim.participation = round(rates.uniform(0.01, 0.5))
  }

  const restartAt = [...(start.restartAt ?? [])]
  if (on.has('restart')) repeat(() => (counts.restart++, restartAt.push(at())))
  const out: Record<string, unknown> = {...params}
  let crashAt: number[] | undefined
  // Crash-and-restart needs a strategy that keeps durable state and can be killed in process: the grid.
  if (on.has('crash_restart') && strategy === 'grid') {
    crashAt = []
    repeat(() => (counts.crash_restart++, crashAt!.push(at())))
    out.stateDir = STATE_DIR_PLACEHOLDER
  }

  const scenario: Scenario = {
    id: `DST-${seed}`,
    title: `simulation tester seed ${seed}: ${strategy} on ${label}; faults ${FAULT_KINDS.filter((k) => counts[k] > 0).join(', ') || 'none'}`,
    strategy,
    params: out,
    data: {inline: {timeframe: start.timeframe, venue: start.data.venue, assetClass, bars}},
    sim: sim as Scenario['sim'],
    ...(start.risk ? {risk: start.risk} : {}),
    ...(restartAt.length > 0 ? {restartAt: restartAt.sort((a, b) => a - b)} : {}),
    ...(crashAt ? {crashAt: crashAt.sort((a, b) => a - b)} : {}),
    ...(start.outside ? {outside: start.outside} : {}),
    expect: {invariants: true},
  }
  return {seed, base: label, strategy, faults: counts, scenario}
}

/** What a base gives the plan, in one shape for scenario files and sample slices. */
interface Start {
  readonly strategy: string
  readonly params: Record<string, unknown>
  readonly timeframe: Extract<Scenario['data'], {inline: unknown}>['inline']['timeframe']
  readonly data: {kind: 'inline'; venue: 'alpaca' | 'bybit' | 'sim'; assetClass: 'us_equity' | 'crypto_perp' | 'crypto_spot'; bars: InlineBar[]}
  readonly sim: Scenario['sim']
  readonly risk?: Scenario['risk']
  readonly restartAt?: number[]
  readonly outside?: Scenario['outside']
}

function fromScenario(s: Scenario): Start {
  if (!('inline' in s.data)) throw new Error(`simtest: base scenario ${s.id} must carry inline bars`)
  const d = s.data.inline
  return {
    strategy: s.strategy,
    params: s.params,
    timeframe: d.timeframe,
    data: {kind: 'inline', venue: d.venue, assetClass: d.assetClass, bars: d.bars.map((b) => [...b] as InlineBar)},
    sim: s.sim,
    risk: s.risk,
    restartAt: s.restartAt,
    outside: s.outside,
  }
}

function sliceSample(series: SampleSeries, rng: Rng): {start: Start; label: string} {
  const n = Math.min(series.bars.length, 30 + rng.int(90))
  const from = rng.int(series.bars.length - n + 1)
  const bars = series.bars.slice(from, from + n).map((b) => [...b] as InlineBar)
  const grid = series.assetClass === 'crypto_perp'
  return {
    label: `sample:${series.symbol}@${bars[0][1]}+${n}`,
    start: {
      strategy: grid ? 'grid' : 'momentum',
      params: {},
      timeframe: '1m',
      data: {kind: 'inline', venue: series.venue, assetClass: series.assetClass, bars},
      sim: {},
    },
  }
}

function drawStrategy(own: string, params: Record<string, unknown>, assetClass: string, rng: Rng): {strategy: string; params: Record<string, unknown>} {
  // Most seeds keep the base's strategy (its parameters fit its data); the rest swap in another example.
  const swap = rng.next() < 0.35
  if (assetClass === 'crypto_perp') {
    if (!swap || own !== 'grid') return own === 'grid' ? {strategy: 'grid', params: gridParams(params, rng)} : {strategy: own, params}
    return {strategy: ANY_DATA[rng.int(ANY_DATA.length)], params: {}}
  }
  if (!swap) return {strategy: own, params}
  const pool = assetClass === 'us_equity' ? [...ANY_DATA, ...EQUITY_ONLY] : [...ANY_DATA]
  return {strategy: pool[rng.int(pool.length)], params: {}}
}

/** Grid parameters: the base's own, or (half the time) a drawn grid sized for the slice. */
function gridParams(params: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  if (Object.keys(params).length > 0 && rng.next() < 0.5) return params
  return {
    ...params,
    baseNotional: 1000,
    multiplier: 1 + rng.int(2),
    maxLevels: rng.int(5),
    gridStepPct: round(rng.uniform(0.05, 1)),
    tpPct: round(rng.uniform(0.05, 0.6)),
  }
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4
