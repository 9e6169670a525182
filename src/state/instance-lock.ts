/**
 * One process per account (RISK-02, ALP-04, ALP-10): an exclusive lock file holding the owner's pid and a fencing
 * epoch. The epoch goes into every client order id, so orders of an older owner can never be mistaken for the
 * current one's. A second process refuses to start with a clear message; a lock whose pid is gone is stale and is
 * reclaimed with the next epoch.
 */
import {closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {hostname} from 'node:os'
import {z} from 'zod'
import {UserInputError} from '../core/errors.js'
import {ensurePrivateDir, FILE_MODE, fsyncDir, writeFileAtomic} from './atomic-file.js'

const LockFileSchema = z.object({
  account: z.string(),
  pid: z.number().int().positive(),
  epoch: z.number().int().positive(),
  host: z.string(),
  /** Wall-clock start time of the owner (informational, for `trader status`). */
  startedAt: z.string(),
  /** Port of the owner's health endpoint, when it serves one (`trader status` asks it). */
  healthPort: z.number().int().positive().optional(),
  /** What runs: strategy or bot id, mode (informational). */
  label: z.string().optional(),
})
export type LockInfo = z.infer<typeof LockFileSchema>

export class InstanceLockedError extends UserInputError {
  override readonly name = 'InstanceLockedError'
}

export function lockPath(stateDir: string, account: string): string {
  return join(stateDir, `${account}.lock`)
}

/** True when a process with this pid exists (signal 0 tests existence without touching it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function readLock(path: string): LockInfo | undefined {
  if (!existsSync(path)) return undefined
  const parsed = LockFileSchema.safeParse(safeJson(readFileSync(path, 'utf8')))
  return parsed.success ? parsed.data : undefined
}

export interface HeldLock {
  readonly info: LockInfo
  readonly path: string
  /** The previous owner's lock, when it was stale and has been reclaimed. */
  readonly reclaimed?: LockInfo
  release(): void
}

/**
 * Takes the account's lock, or throws InstanceLockedError naming the live owner. `now` is the wall-clock time
 * for the informational start stamp (the caller owns the clock).
 */
export function acquireLock(
  stateDir: string,
  account: string,
  now: Date,
  pid = process.pid,
  extra: Pick<LockInfo, 'healthPort' | 'label'> = {},
): HeldLock {
  ensurePrivateDir(stateDir)
  const path = lockPath(stateDir, account)
  const epochPath = join(stateDir, `${account}.epoch`)
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = readLock(path)
    let reclaimed: LockInfo | undefined
    if (existsSync(path)) {
      if (existing && existing.pid !== pid && pidAlive(existing.pid) && existing.host === hostname()) {
        throw new InstanceLockedError(
          `account ${account} is already run by pid ${existing.pid} (epoch ${existing.epoch}, since ${existing.startedAt}); stop it first, or run \`trader status\``,
        )
      }
      // Dead owner (or unreadable lock): stale. Remove it and race for a fresh one.
      reclaimed = existing
      rmSync(path, {force: true})
    }
    const lastEpoch = Math.max(existing?.epoch ?? 0, Number(safeRead(epochPath)) || 0)
    const info: LockInfo = {account, pid, epoch: lastEpoch + 1, host: hostname(), startedAt: now.toISOString(), ...extra}
    let fd: number
    try {
      fd = openSync(path, 'wx', FILE_MODE) // O_EXCL: exactly one process wins
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw err
    }
    try {
      writeSync(fd, JSON.stringify(info))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    fsyncDir(dirname(path))
    // The epoch outlives the lock file, so it keeps rising across clean shutdowns too.
    writeFileAtomic(epochPath, String(info.epoch))
    return {
      info,
      path,
      ...(reclaimed ? {reclaimed} : {}),
      release: () => {
        if (readLock(path)?.pid === pid) rmSync(path, {force: true})
      },
    }
  }
  throw new InstanceLockedError(`account ${account}: another process keeps taking the lock at ${path}; check \`trader status\``)
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
