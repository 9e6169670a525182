import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {inspect} from 'node:util'
import {describe, expect, it} from 'vitest'
import {UserInputError} from '../core/errors.js'
import {CredentialsError, loadVenueCredentials} from './venue-credentials.js'

// Planted, well-formed test values (distinctive, so a leak is found by a plain substring search).
const ALPACA_KEY = 'PKPLANTED0KEY0ID0001'
const ALPACA_SECRET = 'PlantedAlpacaSecret0000000000000000000ZZ'
const BYBIT_KEY = 'PlantedBybitKey001'
const BYBIT_SECRET = 'PlantedBybitSecret000000000000000001'
const RSA_SECRET = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nPlantedRsaBody==\n-----END PRIVATE KEY-----'

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'trader-creds-'))
}

/** The error, asserting it is a one-line CredentialsError that mentions none of `secrets` (nor their first 8 chars). */
function failure(fn: () => unknown, ...secrets: string[]): CredentialsError {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(CredentialsError)
  const err = caught as CredentialsError
  expect(err).toBeInstanceOf(UserInputError)
  expect(err.exitCode).toBe(2)
  expect(err.message).not.toContain('\n')
  const said = `${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`
  for (const s of secrets) {
    expect(said).not.toContain(s)
    if (s.trim().length >= 8) expect(said).not.toContain(s.trim().slice(0, 8))
  }
  return err
}

describe('loadVenueCredentials (ALP-14, ALP-18)', () => {
  it('reads well-formed Alpaca keys from APCA_* or ALPACA_* variables', () => {
    expect(loadVenueCredentials('alpaca', {APCA_API_KEY_ID: ALPACA_KEY, APCA_API_SECRET_KEY: ALPACA_SECRET})).toEqual({key: ALPACA_KEY, secret: ALPACA_SECRET})
    expect(loadVenueCredentials('alpaca', {ALPACA_API_KEY_ID: ALPACA_KEY, ALPACA_API_SECRET_KEY: ALPACA_SECRET})).toEqual({key: ALPACA_KEY, secret: ALPACA_SECRET})
  })

  it('reads Bybit HMAC and RSA keys', () => {
    expect(loadVenueCredentials('bybit', {BYBIT_API_KEY: BYBIT_KEY, BYBIT_API_SECRET: BYBIT_SECRET})).toEqual({key: BYBIT_KEY, secret: BYBIT_SECRET})
    // A PEM in one env line with literal \n escapes is accepted and restored.
    const oneLine = RSA_SECRET.replace(/\n/g, '\\n')
    expect(loadVenueCredentials('bybit', {BYBIT_API_KEY: BYBIT_KEY, BYBIT_API_SECRET: oneLine}).secret).toBe(RSA_SECRET)
  })

  it('reads a .env file; a variable set in the environment wins over the file', () => {
    const dir = tmp()
    const file = join(dir, '.env')
    writeFileSync(file, `# alpaca paper\nAPCA_API_KEY_ID=${ALPACA_KEY}\nAPCA_API_SECRET_KEY="${ALPACA_SECRET}"\nBYBIT_API_KEY=${BYBIT_KEY}\nBYBIT_API_SECRET='${BYBIT_SECRET}'\n`)
    expect(loadVenueCredentials('alpaca', {}, {envFile: file})).toEqual({key: ALPACA_KEY, secret: ALPACA_SECRET})
    expect(loadVenueCredentials('bybit', {}, {envFile: file})).toEqual({key: BYBIT_KEY, secret: BYBIT_SECRET})
    const other = 'PKOTHER0KEY0ID000002'
    expect(loadVenueCredentials('alpaca', {APCA_API_KEY_ID: other}, {envFile: file}).key).toBe(other)
  })

  it('a missing variable: one line naming it, where it was looked for, and the fix', () => {
    const e = failure(() => loadVenueCredentials('alpaca', {APCA_API_SECRET_KEY: ALPACA_SECRET}), ALPACA_SECRET)
    expect(e.message).toBe('alpaca credentials: APCA_API_KEY_ID (or ALPACA_API_KEY_ID) is not set in the environment; set it to the Alpaca API key id from the Alpaca dashboard (API keys), or pass a .env file with --env-file')
    const b = failure(() => loadVenueCredentials('bybit', {BYBIT_API_KEY: BYBIT_KEY, BYBIT_API_SECRET: ''}), BYBIT_KEY)
    expect(b.message).toMatch(/^bybit credentials: BYBIT_API_SECRET is not set in the environment; set it to the Bybit API secret/)
  })

  it('malformed values: named, explained, never shown (planted values)', () => {
    const cases: [string, Record<string, string>, string, RegExp][] = [
      ['alpaca', {APCA_API_KEY_ID: ALPACA_KEY.slice(0, 19), APCA_API_SECRET_KEY: ALPACA_SECRET}, ALPACA_KEY.slice(0, 19), /APCA_API_KEY_ID \(from the environment\) is malformed: expected 20 upper-case letters and digits, got 19 characters; copy/],
      ['alpaca', {APCA_API_KEY_ID: ALPACA_KEY.toLowerCase(), APCA_API_SECRET_KEY: ALPACA_SECRET}, ALPACA_KEY.toLowerCase(), /APCA_API_KEY_ID .* is malformed/],
      ['alpaca', {APCA_API_KEY_ID: ALPACA_KEY, APCA_API_SECRET_KEY: `${ALPACA_SECRET}!`}, `${ALPACA_SECRET}!`, /APCA_API_SECRET_KEY .* malformed: expected 40 letters and digits, got 41 characters including other characters/],
      ['alpaca', {APCA_API_KEY_ID: ` ${ALPACA_KEY}`, APCA_API_SECRET_KEY: ALPACA_SECRET}, ALPACA_KEY, /APCA_API_KEY_ID .* has surrounding spaces or quotes; remove them/],
      ['alpaca', {APCA_API_KEY_ID: 'your_key_here', APCA_API_SECRET_KEY: ALPACA_SECRET}, 'your_key_here', /still holds a placeholder/],
      ['bybit', {BYBIT_API_KEY: BYBIT_KEY, BYBIT_API_SECRET: BYBIT_SECRET.slice(1)}, BYBIT_SECRET.slice(1), /BYBIT_API_SECRET .* malformed: expected 36 letters and digits \(HMAC key\) or a PEM private key \(RSA key\), got 35 characters/],
      // An Alpaca key pasted into the Bybit variable.
      ['bybit', {BYBIT_API_KEY: ALPACA_KEY, BYBIT_API_SECRET: BYBIT_SECRET}, ALPACA_KEY, /BYBIT_API_KEY .* expected 18 letters and digits, got 20 characters/],
    ]
    for (const [venue, env, planted, msg] of cases) {
      const e = failure(() => loadVenueCredentials(venue as 'alpaca' | 'bybit', env), planted, ALPACA_SECRET, BYBIT_SECRET)
      expect(e.message).toMatch(msg)
    }
  })

  it('two spellings that differ are refused, not guessed between', () => {
    const e = failure(() => loadVenueCredentials('alpaca', {APCA_API_KEY_ID: ALPACA_KEY, ALPACA_API_KEY_ID: 'PKOTHER0KEY0ID000002', APCA_API_SECRET_KEY: ALPACA_SECRET}), ALPACA_KEY, 'PKOTHER0KEY0ID000002')
    expect(e.message).toBe('alpaca credentials: APCA_API_KEY_ID and ALPACA_API_KEY_ID are both set in the environment and differ; keep one of them')
  })

  it('paper / live: a live key id in a paper session is refused', () => {
    const env = {APCA_API_KEY_ID: ALPACA_KEY, APCA_API_SECRET_KEY: ALPACA_SECRET}
    expect(loadVenueCredentials('alpaca', env, {environment: 'paper'}).key).toBe(ALPACA_KEY)
    const e = failure(() => loadVenueCredentials('alpaca', env, {environment: 'live'}), ALPACA_KEY)
    expect(e.message).toMatch(/APCA_API_KEY_ID \(from the environment\) is not a live key \(live key ids start with "AK"\)/)
  })

  it('--env-file missing, a directory, or unreadable: one clear line', () => {
    const dir = tmp()
    expect(failure(() => loadVenueCredentials('alpaca', {}, {envFile: join(dir, 'nope.env')})).message).toBe(`--env-file ${join(dir, 'nope.env')}: file not found; create it with the venue's key variables, or point --env-file at the right file`)
    expect(failure(() => loadVenueCredentials('alpaca', {}, {envFile: dir})).message).toMatch(/is a directory, not a file/)
    const locked = join(dir, 'locked.env')
    writeFileSync(locked, `APCA_API_KEY_ID=${ALPACA_KEY}\n`)
    chmodSync(locked, 0o000)
    const isRoot = process.getuid?.() === 0
    if (!isRoot) expect(failure(() => loadVenueCredentials('alpaca', {}, {envFile: locked})).message).toMatch(/permission denied; make it readable/)
    // A file without the variables: the message says both places were searched.
    const empty = join(dir, 'sub')
    mkdirSync(empty)
    writeFileSync(join(empty, '.env'), '# nothing here\n')
    expect(failure(() => loadVenueCredentials('bybit', {}, {envFile: join(empty, '.env')})).message).toBe(`bybit credentials: BYBIT_API_KEY is not set in the environment and env file ${join(empty, '.env')}; set it to the Bybit API key from Bybit API management`)
  })

  it('the returned credentials log as redacted (JSON and util.inspect), while the SDK still reads the values', () => {
    const c = loadVenueCredentials('alpaca', {APCA_API_KEY_ID: ALPACA_KEY, APCA_API_SECRET_KEY: ALPACA_SECRET})
    expect(c.key).toBe(ALPACA_KEY)
    expect(c.secret).toBe(ALPACA_SECRET)
    for (const text of [JSON.stringify(c), JSON.stringify({creds: c}), inspect(c), inspect({nested: {c}})]) {
      expect(text).not.toContain(ALPACA_KEY)
      expect(text).not.toContain(ALPACA_SECRET)
      expect(text).toContain('[redacted]')
    }
  })
})
