/**
 * The cooldowns of an account on disk: `<state>/<account>.cooldowns.json` (symbol → end, epoch ms), replaced
 * atomically each time one starts, so a restarted paper or live session holds back the same entries (ALP-01/02).
 * A session reads it at start and records what it read in its journal header; replay never reads or writes it.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {z} from 'zod'
import {writeFileAtomic} from '../state/atomic-file.js'
import {checkAccountId} from './kill-switch-file.js'

const FileSchema = z.object({account: z.string(), cooldowns: z.record(z.string(), z.number())}).strict()

export class CooldownFileError extends Error {
  override readonly name = 'CooldownFileError'
}

export function cooldownPath(stateDir: string, account: string): string {
  return join(stateDir, `${checkAccountId(account)}.cooldowns.json`)
}

/** The cooldowns still running at `now` (none when the file does not exist). */
export function loadCooldowns(stateDir: string, account: string, now: number): Record<string, number> {
  const path = cooldownPath(stateDir, account)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new CooldownFileError(`cannot read ${path}: ${(err as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new CooldownFileError(`${path} is not valid JSON; fix it or delete it (the cooldowns it held are then forgotten)`)
  }
  const parsed = FileSchema.safeParse(json)
  if (!parsed.success) throw new CooldownFileError(`${path} is malformed (${parsed.error.issues[0]?.message}); fix it or delete it (the cooldowns it held are then forgotten)`)
  const out: Record<string, number> = {}
  for (const s of Object.keys(parsed.data.cooldowns).sort()) if (parsed.data.cooldowns[s] > now) out[s] = parsed.data.cooldowns[s]
  return out
}

export function saveCooldowns(stateDir: string, account: string, cooldowns: Readonly<Record<string, number>>): void {
  writeFileAtomic(cooldownPath(stateDir, account), `${JSON.stringify({account, cooldowns}, null, 2)}\n`)
}
