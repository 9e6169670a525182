/** What `trader paper` and `trader live` do once their flags are parsed: log set up, session run, summary printed. */
import {join} from 'node:path'
import {createLogger, type LogLevel} from './log.js'
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
  const roots = resolveRoots({flags: {logs: flags['log-dir']}, env: io.env})
  // JSON lines to a rotating file; one-line progress for the user on stderr.
  const logger = await createLogger({level: io.logLevel ?? 'info', file: join(roots.logs, `${flags.account}-${mode}.log`)})
  const opts = sessionOptionsFrom(mode, flags, {logger, say: io.say, confirm: io.confirm, env: io.env})
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
