/**
 * Finding sessions (ALP-04): however a session was started — by a supervisor or by hand — it holds its account's
 * lock file in the state directory, so the lock files are the list. Each is checked: is the pid alive on this
 * host (else the lock is stale), and does its health endpoint answer.
 */
import {existsSync, readdirSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {type LockInfo, pidAlive, readLock} from './instance-lock.js'

export type SessionState = 'running' | 'stale' | 'unreadable' | 'elsewhere'

export interface SessionStatus {
  readonly account: string
  readonly lockFile: string
  readonly state: SessionState
  readonly info?: LockInfo
  /** Whether /health answered (undefined when the session serves no endpoint or is not running). */
  readonly healthy?: boolean
  readonly ready?: boolean
}

export async function listSessions(stateDir: string, opts: {timeoutMs?: number} = {}): Promise<SessionStatus[]> {
  if (!existsSync(stateDir)) return []
  const locks = readdirSync(stateDir).filter((f) => f.endsWith('.lock')).sort()
  const out: SessionStatus[] = []
  for (const file of locks) {
    const lockFile = join(stateDir, file)
    const account = file.slice(0, -'.lock'.length)
    const info = readLock(lockFile)
    if (!info) {
      out.push({account, lockFile, state: 'unreadable'})
      continue
    }
    if (info.host !== hostname()) {
      out.push({account, lockFile, state: 'elsewhere', info})
      continue
    }
    if (!pidAlive(info.pid)) {
      out.push({account, lockFile, state: 'stale', info})
      continue
    }
    let healthy: boolean | undefined
    let ready: boolean | undefined
    if (info.healthPort) {
      healthy = await probe(`http://127.0.0.1:${info.healthPort}/health`, opts.timeoutMs ?? 500)
      ready = healthy ? await probe(`http://127.0.0.1:${info.healthPort}/ready`, opts.timeoutMs ?? 500) : false
    }
    out.push({account, lockFile, state: 'running', info, ...(healthy === undefined ? {} : {healthy, ready})})
  }
  return out
}

async function probe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)})
    return res.ok
  } catch {
    return false
  }
}
