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

/**
 * `trader ARGS…` through the development entry (tsx, bin/dev.js) from the package root: no build needed, for the
 * unit-level command tests beside src/. Resolves with the exit code instead of throwing.
 */
export async function runTraderDev(...args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  const {execFile} = await import('node:child_process')
  const {promisify} = await import('node:util')
  try {
    const {stdout, stderr} = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--no-warnings', 'bin/dev.js', ...args], {
      cwd: ROOT,
      env: {...process.env, NO_COLOR: '1'},
    })
    return {code: 0, stdout, stderr}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stdout: e.stdout, stderr: e.stderr}
  }
}
