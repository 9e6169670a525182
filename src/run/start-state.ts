/**
 * What a session started from outside its journal: the strategy's state files (a grid's state file, momentum's
 * durable store) and the account's persisted kill switch. The session records it right after its header
 * (`start_state`), so a session started from a state file stays replayable after that file moved on; a replay
 * copies it into a scratch directory of its own (`ReplayScratch`) and runs the strategy there — it never reads or
 * writes an account's live state, lock, kill switch, logs or audit trail.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {z} from 'zod'
import type {KillSwitch} from '../risk/risk-engine.js'
import {copyStateFiles, writeStateFiles} from '../state/state-copy.js'
import type {JournalRecord} from '../engine/journal.js'
import {ReplayInputError} from '../engine/session-header.js'
import type {StateFilesSpec} from '../engine/strategy.js'

export const START_STATE_RECORD = 'start_state'

const FileSchema = z
  .object({
    // A plain file name: a journal must not be able to place a file outside the replay's scratch directory.
    name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/),
    encoding: z.enum(['utf8', 'base64']),
    data: z.string(),
  })
  .strict()

export const StartStateSchema = z
  .object({
    /** The strategy's state directory as its parameters name it, and the files it kept there at the start. */
    state: z.object({dir: z.string().min(1), files: z.array(FileSchema)}).strict().optional(),
    /** The account's persisted kill switch the run started from (`trader backtest --account`). */
    kill: z.object({engaged: z.boolean(), reason: z.string().optional(), at: z.number().optional(), peakEquity: z.number()}).strict().optional(),
  })
  .strict()

export type StartState = z.infer<typeof StartStateSchema>

/**
 * The start state of a run: the spec's files as they are now (read where `where` puts the directory), and the
 * kill switch. Undefined when there is nothing to record, so runs without either journal what they always did.
 */
export function captureStartState(spec: StateFilesSpec | undefined, opts: {where?: (dir: string) => string; kill?: KillSwitch} = {}): StartState | undefined {
  if (!spec && !opts.kill) return undefined
  return {
    ...(spec ? {state: {dir: spec.dir, files: copyStateFiles(opts.where?.(spec.dir) ?? spec.dir, (name) => spec.owns(name))}} : {}),
    ...(opts.kill ? {kill: {...opts.kill}} : {}),
  }
}

/** The start state a journal recorded (the record after its header), validated; undefined when it has none. */
export function recordedStartState(records: readonly JournalRecord[], where: string): StartState | undefined {
  const r = records[1]
  if (r?.type !== START_STATE_RECORD) return undefined
  const parsed = StartStateSchema.safeParse(r.data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ReplayInputError(`${where}: the start_state record's field '${issue.path.join('.')}' is invalid (${issue.message}); the journal was edited or written by another version`)
  }
  return parsed.data
}

/**
 * A replay's private state: a temp directory holding a copy of the recorded start state. Every state directory the
 * replayed strategy asks for maps into it (the recorded one holds the recorded files; any other starts empty), so
 * nothing outside it is touched. `dispose` removes it.
 */
export class ReplayScratch {
  readonly root: string
  private readonly dirs = new Map<string, string>()

  constructor(start: StartState | undefined, under: string = tmpdir()) {
    this.root = mkdtempSync(join(under, 'trader-replay-'))
    if (start?.state) {
      const dir = this.stateDir(start.state.dir)
      writeStateFiles(dir, start.state.files)
    }
  }

  /** The scratch copy of a state directory the parameters name (stable per name). */
  readonly stateDir = (dir: string): string => {
    let at = this.dirs.get(dir)
    if (at === undefined) {
      at = join(this.root, `state-${this.dirs.size}`)
      this.dirs.set(dir, at)
    }
    return at
  }

  dispose(): void {
    rmSync(this.root, {recursive: true, force: true})
  }
}
