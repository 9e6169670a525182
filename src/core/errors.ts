/**
 * Errors a user can fix. Each says in one line what is wrong, where, and how to fix it, and carries the process exit
 * code (2, the usage-error convention of oclif, unless a subclass says otherwise) and, where the message does not
 * already say it, a `hint`. The one CLI handler (src/ops/cli-command.ts) prints `Error: <message> (<hint>)` and exits
 * with `exitCode`: never a class name, never a stack. Anything without an exit code is a bug and keeps its report.
 */

/** What the CLI handler reads from an error. */
export interface UserFacing {
  readonly exitCode: number
  /** How to fix it, when the message does not say. */
  readonly hint?: string
}

/** True for an error written for the user: it carries its exit code. */
export function isUserFacing(err: unknown): err is Error & UserFacing {
  return err instanceof Error && typeof (err as {exitCode?: unknown}).exitCode === 'number'
}

export interface ErrorDetails {
  readonly hint?: string
  readonly cause?: unknown
}

/** A bad flag, argument or value. */
export class UserInputError extends Error implements UserFacing {
  override readonly name: string = 'UserInputError'
  readonly exitCode: number = 2
  readonly hint?: string

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : {cause: details.cause})
    if (details.hint !== undefined) this.hint = details.hint
  }
}

/** A config, fleet or scenario file that does not validate. */
export class ConfigError extends UserInputError {
  override readonly name: string = 'ConfigError'
}

/** Data the command needs is missing or unusable: market data, an input file, a journal. */
export class DataError extends Error implements UserFacing {
  override readonly name: string = 'DataError'
  readonly exitCode: number = 2
  readonly hint?: string

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : {cause: details.cause})
    if (details.hint !== undefined) this.hint = details.hint
  }
}
