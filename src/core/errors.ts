/**
 * Errors a user can fix: each says what is wrong, where, and how to fix it, in one line; commands print the
 * message without a stack trace and exit with `exitCode` (2, the usage-error convention of oclif).
 */
export class UserInputError extends Error {
  override readonly name: string = 'UserInputError'
  readonly exitCode: number = 2
}

export class ConfigError extends UserInputError {
  override readonly name: string = 'ConfigError'
}
