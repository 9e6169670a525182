/**
 * The base of every `trader` command: a mistake the user can fix — a bad flag or value, a malformed config,
 * missing data — is printed as one line on stderr with exit code 2, never with a stack trace or oclif's usage
 * dump. So is Node's refusal of a file or port the user named (src/ops/system-errors.ts). Anything else is a bug and
 * keeps oclif's full report.
 */
import {Command} from '@oclif/core'
import {UserInputError} from '../core/errors.js'
import {describeSystemError} from './system-errors.js'

/** Error classes from src/ whose messages are written for the user (what, where, how to fix). */
const USER_ERRORS = new Set(['NoDataError', 'StoreOpenError', 'DataImportError', 'InvalidBarError', 'InvalidFundingRowError', 'RunOutputError', 'JournalCorruptError', 'NotAJournalError', 'JournalFileError'])

export abstract class TraderCommand extends Command {
  protected override async catch(err: Error & {code?: string; oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's own exit (this.exit) passes through untouched.
    if (err.code === 'EEXIT') return super.catch(err)
    // A file or port the user named that Node refused (EISDIR, ENOENT, EEXIST, EACCES, EADDRINUSE, …): one line.
    const system = describeSystemError(err, this.argv)
    if (system !== undefined) {
      process.stderr.write(`Error: ${system}\n`)
      return this.exit(2)
    }
    // oclif's flag and argument parse errors carry the parser's input; this.error(…, {exit: 2}) is a user error too.
    const parseError = 'parse' in err
    const userError = err instanceof UserInputError || USER_ERRORS.has(err.name) || err.oclif?.exit === 2
    if (!userError && !parseError) return super.catch(err)
    const text = err.message
      .replace(/\n\s*See more help with --help\s*$/, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim()
    const hint = parseError ? ` (see: ${this.config.bin} ${this.id?.replaceAll(':', ' ')} --help)` : ''
    process.stderr.write(`Error: ${text}${hint}\n`)
    // 2 for bad input; a UserInputError subclass may carry its own code (RefusedOrdersError: 3).
    return this.exit(err instanceof UserInputError ? err.exitCode : 2)
  }
}
