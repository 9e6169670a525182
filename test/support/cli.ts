/** Runs the built CLI (`npm test` builds first) as a user would: a separate process, no colour, production mode. */
import {spawnSync} from 'node:child_process'
import {join, resolve} from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `trader ARGS…` in `cwd`, with `env` on top of the test's environment. */
export function runTrader(args: readonly string[], opts: {cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    env: {...process.env, NODE_ENV: 'production', NO_COLOR: '1', ...opts.env},
    timeout: opts.timeoutMs ?? 120_000,
  })
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

/** A `trader` for one test file: its working directory and market-data database are `dir()`'s (read at each call). */
export function traderIn(dir: () => string, db = true): (...args: string[]) => CliResult {
  return (...args) => runTrader(args, {cwd: dir(), env: db ? {TRADER_DATA_DB: join(dir(), 'market.duckdb')} : {}})
}
