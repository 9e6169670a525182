/**
 * Scenario files with several accounts (`accounts`, GRID-09): the bars are read once and shared; each account
 * gets the scenario's strategy with its own parameter and simulator overrides, its own journal, the scenario's
 * risk limits (each account its own risk engine), and the scenario's expectations checked on its own results.
 */
import type {BarStream} from '../core/market-data.js'
import {ConfigError} from '../core/errors.js'
import {zodOneLine} from '../config/zod-message.js'
import {SimConfigSchema, withNeededPositionMode} from '../sim/config.js'
import {profileFor} from '../sim/venue-profile.js'
import {findStrategy} from '../../strategies/index.js'
import type {EngineLog} from '../engine/engine-log.js'
import {Journal} from '../engine/journal.js'
import type {MetricsRegistry} from '../engine/metrics.js'
import {type AccountOutcome, type MultiAccountResult, runMultiAccount} from './multi-account.js'
import {checkExpectations, type Scenario, scenarioBars} from './scenario.js'
import type {Strategy} from '../engine/strategy.js'

export interface MultiAccountScenarioOptions {
  /** Builds an account's strategy from its validated params (tests: naive variants); default: the registry's. */
  readonly strategyFor?: (accountId: string, params: unknown) => Strategy
  readonly logFor?: (accountId: string) => EngineLog
  readonly metrics?: MetricsRegistry
  /** Wraps the shared bar stream (tests count how often it is read). */
  readonly wrapStream?: (stream: BarStream) => BarStream
}

export interface AccountScenarioOutcome {
  readonly id: string
  readonly outcome: AccountOutcome
  readonly journal: Journal
  readonly strategy: Strategy
  /** The scenario's expectations that failed for this account, one line each. */
  readonly failures: readonly string[]
}

export interface MultiAccountScenarioOutcome {
  readonly scenario: Scenario
  readonly result: MultiAccountResult
  readonly accounts: readonly AccountScenarioOutcome[]
  /** Every account's failures, prefixed with its id, plus any account that was halted by an error. */
  readonly failures: readonly string[]
}

export async function runMultiAccountScenario(scenario: Scenario, opts: MultiAccountScenarioOptions = {}): Promise<MultiAccountScenarioOutcome> {
  const specs = scenario.accounts
  if (!specs) throw new ConfigError(`scenario ${scenario.id} has no accounts; run it with runScenario`)
  const factory = findStrategy(scenario.strategy)
  if (!factory) throw new ConfigError(`scenario ${scenario.id}: unknown strategy '${scenario.strategy}'`)
  const {stream, instruments, venue} = await scenarioBars(scenario)
  const accounts = specs.map((a) => {
    const parsed = factory.params.safeParse({...scenario.params, ...a.params})
    if (!parsed.success) throw new ConfigError(zodOneLine(parsed.error, `scenario ${scenario.id} account ${a.id} params`))
    const strategy = opts.strategyFor ? opts.strategyFor(a.id, parsed.data) : factory.create(parsed.data)
    // The account's overrides are raw (no defaults filled in), so they replace only what they name.
    const sim = SimConfigSchema.safeParse(withNeededPositionMode({...scenario.sim, ...a.sim}, factory.positionMode))
    if (!sim.success) throw new ConfigError(zodOneLine(sim.error, `scenario ${scenario.id} account ${a.id} sim`))
    // The scenario's risk limits hold for every account, as in a single-account scenario run.
    return {id: a.id, strategy, sim: sim.data, journal: new Journal({keep: true}), log: opts.logFor?.(a.id), risk: scenario.risk ? {limits: scenario.risk} : undefined}
  })
  const result = await runMultiAccount({
    stream: opts.wrapStream ? opts.wrapStream(stream) : stream,
    instruments,
    profile: profileFor(venue),
    accounts,
    metrics: opts.metrics,
  })
  const outcomes = result.accounts.map((o, i): AccountScenarioOutcome => {
    const failures = checkExpectations(scenario, o.result, accounts[i].journal)
    if (o.halted) failures.push(`halted: ${o.errors[0]?.message ?? 'error'}`)
    return {id: o.id, outcome: o, journal: accounts[i].journal, strategy: accounts[i].strategy, failures}
  })
  return {scenario, result, accounts: outcomes, failures: outcomes.flatMap((a) => a.failures.map((f) => `${a.id}: ${f}`))}
}
