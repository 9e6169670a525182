/**
 * Venue credentials at start-up (ALP-14, ALP-18): read from the environment or a `.env` file, checked by zod for
 * presence and form before anything connects, and never repeated: a problem is one line naming the variable, where
 * it was looked for and the fix — never the value, not even in part.
 *
 * Formats (strict, so a truncated paste or a key of the other venue fails here, not as a 401 later):
 * - Alpaca (APCA_API_KEY_ID / APCA_API_SECRET_KEY, or ALPACA_API_KEY_ID / ALPACA_API_SECRET_KEY): the key id is 20
 *   upper-case letters and digits ("PK…" paper, "AK…" live); the secret is 40 characters of letters and digits (older
 *   secrets may contain "/" or "+"). Sources: docs.alpaca.markets authentication (APCA-API-KEY-ID / -SECRET-KEY headers);
 *   the key pairs published in Alpaca issue threads and examples are all 20 / 40 characters.
 * - Bybit (BYBIT_API_KEY / BYBIT_API_SECRET): a system-generated (HMAC) key is 18 letters and digits with a secret of
 *   36; a self-generated (RSA) key pairs the 18-character key with a PEM private key as the secret, which bybit-api
 *   detects by its "-----BEGIN … PRIVATE KEY-----" line. Source: bybit-exchange.github.io/docs/v5/guide (API key types).
 *
 * Precedence: a variable set in the environment wins over the same variable in the file (as `node --env-file` does).
 * When both spellings of an Alpaca variable are set in one place and differ, that is an error rather than a guess.
 */
import {readFileSync} from 'node:fs'
import {inspect, parseEnv} from 'node:util'
import {z} from 'zod'
import {UserInputError} from '../core/errors.js'

export type CredentialVenue = 'alpaca' | 'bybit'

export interface VenueCredentials {
  readonly key: string
  readonly secret: string
}

/** Missing, malformed or unreadable credentials. One line, the variable and the fix, never the value. Exit code 2. */
export class CredentialsError extends UserInputError {
  override readonly name: string = 'CredentialsError'
}

export interface LoadCredentialsOptions {
  /** A .env file to read as well (the environment wins); it must exist and be readable. */
  readonly envFile?: string
  /** Alpaca only: 'paper' expects a "PK" key id, 'live' an "AK" one (a live key in a paper session is refused). */
  readonly environment?: 'paper' | 'live'
}

interface FieldSpec {
  /** Accepted variable names, preferred first. */
  readonly names: readonly string[]
  readonly what: string
  readonly schema: z.ZodType<string>
}

const PEM_PRIVATE_KEY = /^-----BEGIN (?:RSA )?PRIVATE KEY-----[A-Za-z0-9+/=\s]+-----END (?:RSA )?PRIVATE KEY-----$/

const SPECS: Readonly<Record<CredentialVenue, {readonly key: FieldSpec; readonly secret: FieldSpec; readonly where: string}>> = {
  alpaca: {
    where: 'the Alpaca dashboard (API keys)',
    key: {names: ['APCA_API_KEY_ID', 'ALPACA_API_KEY_ID'], what: 'the Alpaca API key id', schema: z.string().regex(/^[A-Z0-9]{20}$/, 'expected 20 upper-case letters and digits')},
    secret: {names: ['APCA_API_SECRET_KEY', 'ALPACA_API_SECRET_KEY'], what: 'the Alpaca API secret key', schema: z.string().regex(/^[A-Za-z0-9/+]{40}$/, 'expected 40 letters and digits')},
  },
  bybit: {
    where: 'Bybit API management',
    key: {names: ['BYBIT_API_KEY'], what: 'the Bybit API key', schema: z.string().regex(/^[A-Za-z0-9]{18}$/, 'expected 18 letters and digits')},
    secret: {
      names: ['BYBIT_API_SECRET'],
      what: 'the Bybit API secret',
      schema: z.string().refine((s) => /^[A-Za-z0-9]{36}$/.test(s) || PEM_PRIVATE_KEY.test(s.replace(/\\n/g, '\n').trim()), 'expected 36 letters and digits (HMAC key) or a PEM private key (RSA key)'),
    },
  },
}

const PLACEHOLDER = /^(?:x+|your[_ -].*|<.*>|changeme|change_me|placeholder|todo|none|null|undefined|\*+)$/i

interface Found {
  readonly name: string
  readonly value: string
  readonly source: string
}

/**
 * The venue's key and secret, checked. Throws CredentialsError (exit code 2) naming the variable and the fix.
 * The returned object serialises (JSON, util.inspect) with both values redacted, so logging it by mistake leaks nothing.
 */
export function loadVenueCredentials(venue: CredentialVenue, env: NodeJS.ProcessEnv, opts: LoadCredentialsOptions = {}): VenueCredentials {
  const spec = SPECS[venue]
  const file = opts.envFile !== undefined ? readEnvFile(opts.envFile) : undefined
  const sources: {label: string; vars: Readonly<Record<string, string | undefined>>}[] = [{label: 'the environment', vars: env}]
  if (file) sources.push({label: `env file ${opts.envFile}`, vars: file})
  const lookedIn = sources.map((s) => s.label).join(' and ')

  const key = find(venue, spec.key, sources, lookedIn, spec.where)
  const secret = find(venue, spec.secret, sources, lookedIn, spec.where)
  check(venue, spec.key, key, spec.where)
  check(venue, spec.secret, secret, spec.where)
  if (venue === 'alpaca' && opts.environment) {
    const want = opts.environment === 'paper' ? 'PK' : 'AK'
    if (!key.value.startsWith(want)) {
      throw new CredentialsError(`alpaca credentials: ${key.name} (from ${key.source}) is not a ${opts.environment} key (${opts.environment} key ids start with "${want}"); use the ${opts.environment} key pair from ${spec.where}`)
    }
  }
  return redacted({key: key.value, secret: venue === 'bybit' && !/^[A-Za-z0-9]{36}$/.test(secret.value) ? secret.value.replace(/\\n/g, '\n').trim() : secret.value})
}

/** Reads and parses a .env file; a missing or unreadable file is one clear line. */
function readEnvFile(path: string): Readonly<Record<string, string | undefined>> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new CredentialsError(`--env-file ${path}: file not found; create it with the venue's key variables, or point --env-file at the right file`)
    if (code === 'EISDIR') throw new CredentialsError(`--env-file ${path}: is a directory, not a file; point --env-file at the .env file itself`)
    if (code === 'EACCES' || code === 'EPERM') throw new CredentialsError(`--env-file ${path}: permission denied; make it readable by this user (chmod 600 is enough)`)
    throw new CredentialsError(`--env-file ${path}: cannot be read (${code ?? 'unknown error'}); check the path and its permissions`)
  }
  // parseEnv never throws on odd lines; it skips what is not KEY=VALUE.
  return parseEnv(text)
}

function find(venue: CredentialVenue, spec: FieldSpec, sources: readonly {label: string; vars: Readonly<Record<string, string | undefined>>}[], lookedIn: string, where: string): Found {
  for (const s of sources) {
    const set = spec.names.map((name) => ({name, value: s.vars[name]})).filter((v): v is {name: string; value: string} => v.value !== undefined && v.value !== '')
    if (set.length === 0) continue
    if (set.some((v) => v.value !== set[0].value)) {
      throw new CredentialsError(`${venue} credentials: ${set.map((v) => v.name).join(' and ')} are both set in ${s.label} and differ; keep one of them`)
    }
    return {name: set[0].name, value: set[0].value, source: s.label}
  }
  const also = spec.names.length > 1 ? ` (or ${spec.names.slice(1).join(', ')})` : ''
  throw new CredentialsError(`${venue} credentials: ${spec.names[0]}${also} is not set in ${lookedIn}; set it to ${spec.what} from ${where}${lookedIn.includes('env file') ? '' : ', or pass a .env file with --env-file'}`)
}

function check(venue: CredentialVenue, spec: FieldSpec, found: Found, where: string): void {
  const at = `${venue} credentials: ${found.name} (from ${found.source})`
  const v = found.value
  if (v !== v.trim() || /^["'].*["']$/s.test(v)) throw new CredentialsError(`${at} has surrounding spaces or quotes; remove them`)
  if (PLACEHOLDER.test(v)) throw new CredentialsError(`${at} still holds a placeholder; set it to ${spec.what} from ${where}`)
  const parsed = spec.schema.safeParse(v)
  if (!parsed.success) {
    const expected = parsed.error.issues[0]?.message ?? 'unexpected format'
    throw new CredentialsError(`${at} is malformed: ${expected}, got ${v.length} characters${/[^A-Za-z0-9]/.test(v) && !v.includes('PRIVATE KEY') ? ' including other characters' : ''}; copy ${spec.what} again from ${where}`)
  }
}

/** Plain enumerable key / secret (what the SDKs read), but JSON and util.inspect show them redacted. */
function redacted(c: {key: string; secret: string}): VenueCredentials {
  const out = {key: c.key, secret: c.secret}
  const hidden = {key: '[redacted]', secret: '[redacted]'}
  Object.defineProperty(out, 'toJSON', {value: () => hidden, enumerable: false})
  Object.defineProperty(out, inspect.custom, {value: () => hidden, enumerable: false})
  return Object.freeze(out)
}
