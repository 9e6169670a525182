/** The flags of `trader exchange serve`, validated at the boundary: every problem is one UserInputError line. */
import {z} from 'zod'
import {TIMEFRAME_MS, type Timeframe} from '../../core/market-data.js'
import {UserInputError} from '../../core/errors.js'
import {parsePositionModeFlag} from '../../config/position-mode-flag.js'
import {parseTimeInput} from '../../config/time-input.js'
import type {EmulatorOptions, Pacing} from './emulated-venue.js'
import {EMULATOR_TEST_CREDENTIALS} from './test-credentials.js'
import type {EmulatorDataQuery} from './load-bars.js'
import type {EmulatorCredentials} from '../venue-api.js'

export interface ServeFlags {
  venue: string
  db?: string
  symbols?: string
  from?: string
  to?: string
  timeframe?: string
  speed?: string
  manual?: boolean
  start?: string
  port?: number
  key?: string
  secret?: string
  'admin-token'?: string
  cash?: number
  latency?: number
  participation?: string
  'position-mode'?: string
  seed?: number
}

export interface ServePlan {
  readonly venue: 'alpaca' | 'bybit'
  readonly data: EmulatorDataQuery
  readonly pacing: Pacing
  /** undefined: the data's own time. */
  readonly venueStart: number | undefined
  readonly port: number
  readonly credentials: EmulatorCredentials
  readonly credentialSource: 'flags' | 'environment' | 'emulator test credentials'
  /** The admin routes' token: --admin-token, $EMULATOR_ADMIN_TOKEN, or undefined (the server draws one). */
  readonly adminToken: string | undefined
  readonly sim: NonNullable<EmulatorOptions['sim']>
}

const credential = z.string().regex(/^[\x21-\x7e]{8,128}$/, 'must be 8 to 128 printable characters without spaces')

export function parseServeFlags(flags: ServeFlags, env: NodeJS.ProcessEnv): ServePlan {
  const venue = z.enum(['alpaca', 'bybit']).safeParse(flags.venue)
  if (!venue.success) throw new UserInputError(`--venue '${flags.venue}' is not emulated; use alpaca or bybit`)
  const timeframe = (flags.timeframe ?? '1m') as Timeframe
  if (!(timeframe in TIMEFRAME_MS)) throw new UserInputError(`--timeframe '${timeframe}' is not one of ${Object.keys(TIMEFRAME_MS).join(', ')}`)
  const from = flags.from === undefined ? undefined : parseTimeInput(flags.from, '--from')
  const to = flags.to === undefined ? undefined : parseTimeInput(flags.to, '--to', true)
  if (from !== undefined && to !== undefined && from >= to) throw new UserInputError(`--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()})`)
  const symbols = flags.symbols?.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)

  if (flags.manual && flags.speed !== undefined) throw new UserInputError('--manual and --speed exclude each other: manual time moves only through POST /__emulator/advance')
  const speed = flags.speed === undefined ? 1 : Number(flags.speed.replace(/x$/i, ''))
  if (!(speed > 0 && Number.isFinite(speed))) throw new UserInputError(`--speed '${flags.speed}' must be a positive number of venue seconds per wall second, e.g. 1 (real time) or 60`)
  const pacing: Pacing = flags.manual ? {mode: 'manual'} : {mode: 'paced', speed}

  let venueStart: number | undefined
  const start = flags.start?.trim()
  // The emulator is outside the deterministic core: 'now' is the wall clock, on a whole minute.
  if (start === 'now') venueStart = Math.floor(Date.now() / 60_000) * 60_000
  else if (start !== undefined && start !== 'data') venueStart = parseTimeInput(start, '--start')

  const port = flags.port ?? 0
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new UserInputError(`--port ${port} must be between 0 (any free port) and 65535`)

  const given = {key: flags.key ?? env.EMULATOR_KEY, secret: flags.secret ?? env.EMULATOR_SECRET}
  if ((given.key === undefined) !== (given.secret === undefined)) {
    throw new UserInputError(`${given.key === undefined ? '--key / $EMULATOR_KEY' : '--secret / $EMULATOR_SECRET'} is missing: give both the key and the secret, or neither for the emulator's test credentials`)
  }
  for (const [name, value] of [['key', given.key], ['secret', given.secret]] as const) {
    // Never echo the value: it may be someone's real secret pasted by mistake.
    if (value !== undefined && !credential.safeParse(value).success) throw new UserInputError(`--${name} / $EMULATOR_${name.toUpperCase()} must be 8 to 128 printable characters without spaces`)
  }
  const credentials = given.key !== undefined ? {key: given.key, secret: given.secret!} : EMULATOR_TEST_CREDENTIALS[venue.data]
  const credentialSource = given.key === undefined ? 'emulator test credentials' : flags.key !== undefined ? 'flags' : 'environment'

  const adminToken = flags['admin-token'] ?? (env.EMULATOR_ADMIN_TOKEN?.trim() || undefined)
  if (adminToken !== undefined && !credential.safeParse(adminToken).success) {
    throw new UserInputError('--admin-token / $EMULATOR_ADMIN_TOKEN must be 8 to 128 printable characters without spaces')
  }

  let participation: number | undefined
  if (flags.participation !== undefined) {
    participation = Number(flags.participation)
    if (!(participation > 0 && participation <= 1)) throw new UserInputError(`--participation '${flags.participation}' must be a share of bar volume in (0, 1], e.g. 0.1`)
  }
  if (flags.cash !== undefined && !(flags.cash > 0)) throw new UserInputError(`--cash ${flags.cash} must be positive`)
  if (flags.latency !== undefined && !(flags.latency >= 0)) throw new UserInputError(`--latency ${flags.latency} must be >= 0 ms`)
  if (flags['position-mode'] !== undefined && venue.data !== 'bybit') throw new UserInputError('--position-mode applies to --venue bybit only (Alpaca nets positions)')
  const positionMode = flags['position-mode'] === undefined ? undefined : parsePositionModeFlag(flags['position-mode'])
  const sim: ServePlan['sim'] = {
    ...(flags.seed !== undefined ? {seed: flags.seed} : {}),
    ...(flags.cash !== undefined ? {cash: flags.cash} : {}),
    ...(flags.latency !== undefined ? {latencyMs: flags.latency} : {}),
    ...(participation !== undefined ? {participation} : {}),
    ...(positionMode !== undefined ? {positionMode} : {}),
  }
  return {
    venue: venue.data,
    data: {venue: venue.data, db: flags.db, symbols, from, to, timeframe},
    pacing,
    venueStart,
    port,
    credentials,
    credentialSource,
    adminToken,
    sim,
  }
}

