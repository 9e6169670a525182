/**
 * `trader paper|live --config fleet.yaml --bot ID`: one bot of a fleet file as a session. The file is validated
 * as `trader config validate` does (every mistake named with its bot, field and fix); the bot gives strategy,
 * parameters, symbols, timeframe, risk overrides, trading hours and cooldown, its account the venue, the mode and the NAMES of the
 * environment variables holding the keys, the fleet its roots and fleet-wide risk limits.
 */
import {UserInputError} from '../core/errors.js'
import {type Fleet, loadFleet} from './fleet-config.js'
import type {Timeframe} from '../core/market-data.js'
import type {PositionModeSetting} from '../sim/config.js'

export interface FleetBotSession {
  readonly venue: 'alpaca' | 'bybit'
  readonly account: string
  readonly strategy: string
  readonly params: unknown
  readonly symbols: readonly string[]
  readonly timeframe: string
  readonly riskOverrides: Readonly<Record<string, unknown>>
  /** The account's position mode (bybit), when the file sets one. */
  readonly positionMode?: PositionModeSetting
  readonly roots: {readonly state?: string; readonly journals?: string; readonly logs?: string}
  /** The environment with the account's keys under the names the venue's credential check reads. */
  readonly env: NodeJS.ProcessEnv
}

const STANDARD_NAMES = {
  alpaca: {key: 'APCA_API_KEY_ID', secret: 'APCA_API_SECRET_KEY'},
  bybit: {key: 'BYBIT_API_KEY', secret: 'BYBIT_API_SECRET'},
} as const

type Bot = Fleet['bots'][number]

/**
 * The risk limits a bot runs with: the fleet's, the bot's over them, and its trading hours and cooldown, which the
 * risk engine enforces like any other limit (risk:schedule, risk:cooldown).
 */
export function botRiskOverrides(fleet: Fleet, bot: Bot): Record<string, unknown> {
  return {
    ...fleet.risk,
    ...bot.risk,
    ...(bot.schedule ? {schedule: bot.schedule} : {}),
    ...(bot.cooldownMinutes > 0 ? {cooldownMs: Math.round(bot.cooldownMinutes * 60_000)} : {}),
  }
}

async function findBot(file: string, botId: string): Promise<{fleet: Fleet; bot: Bot}> {
  const fleet = await loadFleet(file)
  const bot = fleet.bots.find((b) => b.id === botId)
  if (!bot) throw new UserInputError(`${file}: no bot '${botId}'; the bots are ${fleet.bots.map((b) => b.id).join(', ')}`)
  return {fleet, bot}
}

/** What `trader backtest --config fleet.yaml --bot ID` takes from the bot: any account kind, enabled or not. */
export interface FleetBotBacktest {
  readonly strategy: string
  readonly params: Record<string, unknown>
  readonly symbols: readonly string[]
  readonly timeframe: Timeframe
  readonly riskOverrides: Record<string, unknown>
}

export async function fleetBotBacktest(file: string, botId: string): Promise<FleetBotBacktest> {
  const {fleet, bot} = await findBot(file, botId)
  return {strategy: bot.strategy, params: bot.params, symbols: bot.symbols, timeframe: bot.timeframe, riskOverrides: botRiskOverrides(fleet, bot)}
}

export async function fleetBotSession(file: string, botId: string, mode: 'paper' | 'live', env: NodeJS.ProcessEnv): Promise<FleetBotSession> {
  const {fleet, bot} = await findBot(file, botId)
  if (!bot.enabled) throw new UserInputError(`${file}: bot '${botId}' is disabled (enabled: false); enable it in the file first`)
  const account = fleet.accounts.find((a) => a.id === bot.account)!
  if (account.venue === 'sim' || account.mode === 'sim') {
    throw new UserInputError(`${file}: bot '${botId}' trades on the simulated account '${account.id}'; run it with \`trader backtest\`, or give it a paper account`)
  }
  if (account.mode !== mode) {
    throw new UserInputError(`${file}: account '${account.id}' of bot '${botId}' is a ${account.mode} account; run it with \`trader ${account.mode}\``)
  }
  let sessionEnv = env
  if (account.keys) {
    const names = STANDARD_NAMES[account.venue]
    const key = env[account.keys.keyEnv]
    const secret = env[account.keys.secretEnv]
    for (const [name, value] of [[account.keys.keyEnv, key], [account.keys.secretEnv, secret]] as const) {
      if (value === undefined || value.trim() === '') {
        throw new UserInputError(`${file}: account '${account.id}' takes its keys from ${name}, which is not set; export it (or fix keys.${name === account.keys.keyEnv ? 'keyEnv' : 'secretEnv'})`)
      }
    }
    sessionEnv = {...env, [names.key]: key, [names.secret]: secret}
  }
  return {
    venue: account.venue,
    account: account.id,
    strategy: bot.strategy,
    params: bot.params,
    symbols: bot.symbols,
    timeframe: bot.timeframe,
    riskOverrides: botRiskOverrides(fleet, bot),
    ...(account.positionMode !== undefined ? {positionMode: account.positionMode} : {}),
    roots: {state: fleet.roots?.state, journals: fleet.roots?.journals, logs: fleet.roots?.logs},
    env: sessionEnv,
  }
}
