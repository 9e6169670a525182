/** The flags `trader paper` and `trader live` share, and their translation into TradingSessionOptions. */
import {Flags} from '@oclif/core'
import {TIMEFRAME_MS, type Timeframe} from '../core/market-data.js'
import {UserInputError} from '../core/errors.js'
import {resolveRoots} from './paths.js'
import {parsePositionModeFlag} from '../config/position-mode-flag.js'
import type {TradingSessionOptions} from './trading-session.js'
import type {FleetBotSession} from '../config/fleet-session.js'

export const sessionFlags = {
  config: Flags.string({char: 'c', description: 'fleet file (YAML or JSON, see `trader config validate`): run the bot given by --bot'}),
  bot: Flags.string({description: 'with --config: the id of the bot to run (its account gives venue, mode and key variables)'}),
  venue: Flags.string({options: ['alpaca', 'bybit', 'sim'], description: 'the venue: alpaca (stocks), bybit (linear perpetuals, one-way or hedge mode: --position-mode), or sim (the simulated exchange on --feed market data; paper only)'}),
  feed: Flags.string({options: ['alpaca', 'bybit'], description: 'with --venue sim: whose live market data feeds the simulated exchange'}),
  'position-mode': Flags.string({description: "bybit perpetuals: one-way (Bybit's default), hedge, or per symbol BTCUSDT=hedge,ETHUSDT=one-way; set on the account at start (default: what the strategy needs, grid: hedge, else one-way)"}),
  strategy: Flags.string({char: 's', description: 'strategy name (see `trader backtest --help`)'}),
  params: Flags.string({description: 'strategy parameters as JSON'}),
  symbols: Flags.string({description: 'comma-separated symbols to trade'}),
  timeframe: Flags.string({char: 't', description: 'bar timeframe of the market-data stream: 1m, 5m, 15m, 1h, 1d'}),
  account: Flags.string({description: 'account name: names the lock, the state and the journal files'}),
  seed: Flags.integer({default: 1, description: 'seed of the strategy context randomness (recorded, so replay reproduces it)'}),
  risk: Flags.boolean({default: true, allowNo: true, description: 'pre-trade risk checks; --no-risk turns them off'}),
  duration: Flags.string({description: 'stop after this much session time: 90s, 15m, 2h (default: until SIGINT / SIGTERM)'}),
  'health-port': Flags.integer({description: 'serve /health, /ready and /metrics on this port of 127.0.0.1 (0: any free port)'}),
  'health-details': Flags.boolean({description: 'also show the pid and the lock epoch on /health (off by default)'}),
  'env-file': Flags.string({description: '.env file with the API keys (the environment wins)'}),
  'base-url': Flags.string({description: 'REST base URL (e.g. the emulator of `trader exchange serve`)'}),
  'ws-url': Flags.string({description: 'websocket base URL (e.g. the emulator of `trader exchange serve`)'}),
  'data-url': Flags.string({description: 'Alpaca market-data REST base URL (default: --base-url when given)'}),
  'data-ws-url': Flags.string({description: 'Alpaca market-data websocket URL (default: --ws-url when given)'}),
  'time-scale': Flags.string({default: '1', description: 'session ms per wall ms: only for an emulator replaying history faster (its --speed)'}),
  'state-dir': Flags.string({description: 'state directory (locks, epochs): default $TRADER_STATE_DIR or $TRADER_HOME/state'}),
  'journal-dir': Flags.string({description: 'journal directory: default $TRADER_JOURNAL_DIR or $TRADER_HOME/journals'}),
  'journal-segment-mb': Flags.integer({min: 1, default: 64, description: 'the session journal rolls to a new segment file at this size (MiB) and at each UTC day'}),
}

export interface SessionFlagValues {
  config?: string
  bot?: string
  venue?: string
  feed?: string
  'position-mode'?: string
  strategy?: string
  params?: string
  symbols?: string
  timeframe?: string
  account?: string
  seed: number
  risk: boolean
  duration?: string
  'health-port'?: number
  'health-details'?: boolean
  'env-file'?: string
  'base-url'?: string
  'ws-url'?: string
  'data-url'?: string
  'data-ws-url'?: string
  'time-scale': string
  'state-dir'?: string
  'journal-dir'?: string
  'journal-segment-mb'?: number
}

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) throw new UserInputError(`--duration '${text}' is not understood; use e.g. 90s, 15m or 2h`)
  const unit = {ms: 1, s: 1_000, m: 60_000, h: 3_600_000}[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(m[1]) * unit)
}

/**
 * Flags (and, with --config, the fleet bot they name: flags win over the file) into session options.
 * `fleet` is what `fleetBotSession` read from the file.
 */
export function sessionOptionsFrom(
  mode: 'paper' | 'live',
  flags: SessionFlagValues,
  rest: Pick<TradingSessionOptions, 'logger' | 'say' | 'confirm' | 'env'>,
  fleet?: FleetBotSession,
): TradingSessionOptions {
  const f = {
    ...flags,
    venue: flags.venue ?? fleet?.venue,
    strategy: flags.strategy ?? fleet?.strategy,
    symbols: flags.symbols ?? fleet?.symbols.join(','),
    timeframe: flags.timeframe ?? fleet?.timeframe ?? '1m',
    account: flags.account ?? fleet?.account ?? 'default',
  }
  for (const k of ['venue', 'strategy', 'symbols'] as const) {
    if (f[k] === undefined) throw new UserInputError(`--${k} is required (or --config FILE --bot ID, whose bot and account give it)`)
  }
  if (!(f.timeframe in TIMEFRAME_MS)) throw new UserInputError(`--timeframe '${f.timeframe}' is not one of ${Object.keys(TIMEFRAME_MS).join(', ')}`)
  let params: unknown = fleet?.params ?? {}
  if (f.params !== undefined) {
    try {
      params = JSON.parse(f.params)
    } catch {
      throw new UserInputError(`--params '${f.params}' is not JSON; use e.g. --params '{"fast":5,"slow":20}'`)
    }
  }
  const symbols = f.symbols!.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const positionMode = f['position-mode'] !== undefined ? parsePositionModeFlag(f['position-mode']) : fleet?.positionMode
  if (positionMode !== undefined && f.venue === 'alpaca') throw new UserInputError('--position-mode applies to bybit (perpetuals) only; Alpaca nets positions')
  if (symbols.length === 0) throw new UserInputError('--symbols is empty; give e.g. --symbols AAPL,MSFT')
  const timeScale = Number(f['time-scale'])
  if (!(timeScale > 0)) throw new UserInputError(`--time-scale '${f['time-scale']}' must be a number > 0`)
  const roots = resolveRoots({flags: {state: f['state-dir'], journals: f['journal-dir']}, env: rest.env, config: fleet?.roots})
  return {
    mode, venue: f.venue as 'alpaca' | 'bybit' | 'sim', feed: f.feed as 'alpaca' | 'bybit' | undefined, ...(positionMode !== undefined ? {positionMode} : {}), account: f.account, strategy: f.strategy!, params, symbols, timeframe: f.timeframe as Timeframe,
    riskOverrides: fleet?.riskOverrides,
    seed: f.seed, risk: f.risk, timeScale, durationMs: f.duration === undefined ? undefined : parseDuration(f.duration),
    stateDir: roots.state, journalDir: roots.journals, journalSegmentBytes: (f['journal-segment-mb'] ?? 64) * 1024 * 1024, healthPort: f['health-port'], healthDetails: f['health-details'], envFile: f['env-file'],
    baseUrl: f['base-url'], wsUrl: f['ws-url'], dataUrl: f['data-url'], dataWsUrl: f['data-ws-url'],
    ...rest,
  }
}
