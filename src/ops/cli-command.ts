/**
 * The base of every `trader` command and the ONE place errors reach the user. A mistake the user can fix — a bad
 * flag or value, a malformed config, missing data, an unusable journal — carries its exit code and hint
 * (src/core/errors.ts) and is printed as one line on stderr, `Error: <message> (<hint>)`, never with a class name, a
 * stack trace or oclif's usage dump. So is Node's refusal of a file or port the user named
 * (src/ops/system-errors.ts). Anything else was not expected (a bug, or a failure no boundary mapped): one line
 * too, exit 1, never a class name; the stack trace and oclif's full report only with `DEBUG` set (oclif's switch).
 */
import {Command} from '@oclif/core'
import {isUserFacing} from '../core/errors.js'
import {describeSystemError} from './system-errors.js'

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
    const user = isUserFacing(err)
    if (!user && !parseError && err.oclif?.exit !== 2) {
      if (process.env.DEBUG) return super.catch(err)
      process.stderr.write(`Error: unexpected failure: ${oneLine(err.message)} (run the command again with DEBUG=* for the stack trace)\n`)
      return this.exit(1)
    }
    const text = oneLine(err.message.replace(/\n\s*See more help with --help\s*$/, ''))
    const hint = user ? err.hint : parseError ? `see: ${this.config.bin} ${this.id?.replaceAll(':', ' ')} --help` : undefined
    process.stderr.write(`Error: ${text}${hint && !text.includes(oneLine(hint)) ? ` (${oneLine(hint)})` : ''}\n`)
    // 2 for bad input; an error may carry its own code (RefusedOrdersError: 3).
    return this.exit(user ? err.exitCode : 2)
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
