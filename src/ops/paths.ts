/**
 * Where trader keeps its files (OPS-02, ALP-09): every root comes from a flag, then the environment, then the
 * fleet file, then a portable default under the user's home — never a path baked into the code.
 *
 *   TRADER_HOME          default ~/.trader
 *   TRADER_DATA_DIR      default $TRADER_HOME/data      (market-data databases)
 *   TRADER_STATE_DIR     default $TRADER_HOME/state     (locks, snapshots)
 *   TRADER_JOURNAL_DIR   default $TRADER_HOME/journals  (session journals)
 *   TRADER_LOG_DIR       default $TRADER_HOME/logs
 */
import {homedir} from 'node:os'
import {isAbsolute, join, resolve} from 'node:path'

export interface Roots {
  readonly home: string
  readonly data: string
  readonly state: string
  readonly journals: string
  readonly logs: string
}

export type RootName = Exclude<keyof Roots, 'home'>

const ENV: Record<RootName, string> = {data: 'TRADER_DATA_DIR', state: 'TRADER_STATE_DIR', journals: 'TRADER_JOURNAL_DIR', logs: 'TRADER_LOG_DIR'}

/** `~` and `~/x` expand to the home directory; relative paths resolve against `cwd`. */
export function expandPath(p: string, cwd: string, home = homedir()): string {
  const expanded = p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p
  return isAbsolute(expanded) ? expanded : resolve(cwd, expanded)
}

export function resolveRoots(opts: {
  flags?: Partial<Record<RootName | 'home', string>>
  env?: NodeJS.ProcessEnv
  config?: Partial<Record<RootName, string>>
  cwd?: string
  homeDir?: string
} = {}): Roots {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  const homeDir = opts.homeDir ?? homedir()
  const pick = (v: string | undefined): string | undefined => (v && v.trim() !== '' ? v.trim() : undefined)
  const home = expandPath(pick(opts.flags?.home) ?? pick(env.TRADER_HOME) ?? '~/.trader', cwd, homeDir)
  const root = (name: RootName): string =>
    expandPath(pick(opts.flags?.[name]) ?? pick(env[ENV[name]]) ?? pick(opts.config?.[name]) ?? join(home, name), cwd, homeDir)
  return {home, data: root('data'), state: root('state'), journals: root('journals'), logs: root('logs')}
}
