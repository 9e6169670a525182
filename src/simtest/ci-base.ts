/**
 * The base seed of a CI campaign: taken from the commit under test (so each commit explores new seeds, and the same
 * commit always the same ones), or a fixed base outside a git checkout. The command prints which.
 */
import {execFileSync} from 'node:child_process'

export const FIXED_BASE = 1_000_000

export function commitBase(cwd: string): {base: number; from: string} {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000}).trim()
    if (/^[0-9a-f]{40}$/.test(head)) return {base: baseOf(head), from: `commit ${head.slice(0, 12)}`}
  } catch {
    // not a checkout, or no git: the fixed base
  }
  return {base: FIXED_BASE, from: 'the fixed base (no git commit found)'}
}

/** A commit's base: its first 28 bits, times 1,000 (seed ranges of different commits rarely overlap). */
export function baseOf(sha: string): number {
  return parseInt(sha.slice(0, 7), 16) * 1000
}
