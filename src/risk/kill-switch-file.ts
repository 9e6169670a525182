/**
 * The kill switch of an account on disk (RISK-05): `<state>/<account>.risk.json`, replaced atomically, so an engaged
 * switch survives any restart until a person clears it with `trader risk clear --account <id>`.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {z} from 'zod'
import {writeFileAtomic} from '../state/atomic-file.js'
import type {KillSwitch} from './risk-engine.js'

const KillSwitchSchema = z.object({
  engaged: z.boolean(),
  reason: z.string().optional(),
  at: z.number().optional(),
  peakEquity: z.number(),
})

const FileSchema = z.object({account: z.string(), kill: KillSwitchSchema, clearedAt: z.string().optional()}).strict()

export type KillSwitchFile = z.infer<typeof FileSchema>

/** The persisted kill-switch file is unreadable or malformed. */
export class KillSwitchFileError extends Error {
  override readonly name = 'KillSwitchFileError'
}

const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Throws for an account id that cannot be a file name (it must not reach outside the state directory). */
export function checkAccountId(account: string): string {
  if (!ACCOUNT.test(account)) throw new KillSwitchFileError(`account '${account}' is not a valid id: use letters, digits, '.', '_' or '-' (at most 64)`)
  return account
}

export function killSwitchPath(stateDir: string, account: string): string {
  return join(stateDir, `${checkAccountId(account)}.risk.json`)
}

/** The account's persisted kill switch, or undefined when none was ever written. */
export function loadKillSwitch(stateDir: string, account: string): KillSwitch | undefined {
  const path = killSwitchPath(stateDir, account)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    // In words, not Node's text ("ENOTDIR: not a directory, open …").
    const why = code === 'ENOTDIR' ? 'a part of the path is a file, not a directory' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : 'it cannot be read'
    throw new KillSwitchFileError(`cannot read ${path}: ${why}; check --state-dir (or $TRADER_STATE_DIR / $TRADER_HOME)`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new KillSwitchFileError(`${path} is not valid JSON; fix it or run \`trader risk clear --account ${account}\``)
  }
  const parsed = FileSchema.safeParse(json)
  if (!parsed.success) throw new KillSwitchFileError(`${path} is malformed (${parsed.error.issues[0]?.message}); fix it or run \`trader risk clear --account ${account}\``)
  return {...parsed.data.kill}
}

export function saveKillSwitch(stateDir: string, account: string, kill: KillSwitch, clearedAt?: string): string {
  const path = killSwitchPath(stateDir, account)
  const data: KillSwitchFile = {account, kill: {...kill}, ...(clearedAt ? {clearedAt} : {})}
  writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`)
  return path
}

/** Disengages the account's kill switch on disk; the peak restarts at the next session's equity. Returns the old state. */
export function clearKillSwitch(stateDir: string, account: string, now: Date): KillSwitch | undefined {
  let before: KillSwitch | undefined
  try {
    before = loadKillSwitch(stateDir, account)
  } catch {
    before = undefined // a malformed file is replaced by a cleared one: clearing is the documented fix
  }
  saveKillSwitch(stateDir, account, {engaged: false, peakEquity: 0}, now.toISOString())
  return before
}
