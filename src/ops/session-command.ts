/** What `trader paper` and `trader live` do once their flags are parsed: log set up, session run, summary printed. */
import {join} from 'node:path'
import {createLogger, type LogLevel} from './log.js'
import {UserInputError} from '../core/errors.js'
import {fleetBotSession} from '../config/fleet-session.js'
import {resolveRoots} from './paths.js'
import {type SessionFlagValues, sessionOptionsFrom} from './session-flags.js'
import {runTradingSession, type SessionSummary} from './trading-session.js'

export interface SessionCommandIo {
  readonly say: (line: string) => void
  readonly out: (line: string) => void
  readonly env: NodeJS.ProcessEnv
  readonly logLevel?: LogLevel
  readonly confirm?: (summary: SessionSummary) => void
}

export async function runSessionCommand(mode: 'paper' | 'live', flags: SessionFlagValues & {'log-dir'?: string}, io: SessionCommandIo): Promise<void> {
  if (flags.bot !== undefined && flags.config === undefined) throw new UserInputError('--bot needs --config FILE (the fleet file the bot is in)')
  if (flags.config !== undefined && flags.bot === undefined) throw new UserInputError('--config needs --bot ID: which bot of the fleet to run')
  const fleet = flags.config !== undefined ? await fleetBotSession(flags.config, flags.bot!, mode, io.env) : undefined
  const env = fleet?.env ?? io.env
  const roots = resolveRoots({flags: {logs: flags['log-dir']}, env, config: fleet?.roots})
  // JSON lines to a rotating file; one-line progress for the user on stderr.
  const account = flags.account ?? fleet?.account ?? 'default'
  const logger = await createLogger({level: io.logLevel ?? 'info', file: join(roots.logs, `${account}-${mode}.log`)})
  const opts = sessionOptionsFrom(mode, flags, {logger, say: io.say, confirm: io.confirm, env}, fleet)
  const result = await runTradingSession(opts)
  io.out(
    [
      `session ended: ${result.run.stopReason}`,
      `bars ${result.run.bars}, orders ${result.counts.orders}, fills ${result.counts.fills}, risk rejections ${result.counts.rejections}, journal records ${result.records}`,
      `journal: ${result.journal}`,
      `replay it: trader replay ${result.journal}`,
    ].join('\n'),
  )
  logger.flush?.()
}
