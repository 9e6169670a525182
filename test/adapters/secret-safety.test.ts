/**
 * ALP-18: mapped errors carry no secret. Known test keys are planted where the SDKs put them (bybit-api's HTTP
 * rejection `requestOptions`, axios-style `config.headers`) and where a venue might echo them (the error text);
 * every output of the mapped error is searched for them: message, stack, own fields, JSON.stringify, util.inspect
 * and `cause`. A naive mapping (the error object serialised into the message) fails the same search.
 */
import {inspect} from 'node:util'
import {describe, expect, it} from 'vitest'
import {mapAlpacaError} from '../../src/adapters/alpaca/errors.js'
import {mapBybitError} from '../../src/adapters/bybit/errors.js'
import {BrokerError, FinalError} from '../../src/broker/errors.js'

const KEY = 'PKTESTKEYQ7Z3M9X2W4V8'
const SECRET = 'tEsTsEcReT/9f8e7d6c5b4a3210zyxwvutsrqpon'

/** Everything a log line, a journal entry or a crash report could take from the error. */
function outputs(err: Error): string[] {
  const own = Object.getOwnPropertyNames(err).map((k) => String((err as unknown as Record<string, unknown>)[k]))
  return [err.message, String(err.stack), JSON.stringify(err), inspect(err, {depth: 10, showHidden: true}), String(err.cause), ...own]
}

function leaks(err: Error): string[] {
  const found: string[] = []
  for (const out of outputs(err)) {
    // A prefix of 10 characters is enough to count as a leak (a cut-off secret is still a secret).
    for (const s of [KEY, SECRET]) if (out.includes(s.slice(0, 10))) found.push(`${s.slice(0, 4)}… in ${JSON.stringify(out.slice(0, 80))}`)
  }
  return found
}

const bybitInputs: [string, unknown][] = [
  ['HTTP 403 rejection with requestOptions and a body echoing the key', {
    code: 403, message: 'Forbidden', headers: {'x-bapi-limit-reset-timestamp': '1711001595208'},
    body: {retCode: 10006, retMsg: `Too many visits! apiKey=${KEY}`}, requestOptions: {key: KEY, secret: SECRET, testnet: true, recv_window: 5000},
  }],
  ['HTTP 401 with a text body echoing both', {code: 401, message: `Unauthorized ${KEY}`, body: `invalid key ${KEY} sign for ${SECRET}`, headers: {}, requestOptions: {key: KEY, secret: SECRET}}],
  ['HTTP 500 whose status text holds the secret', {code: 500, message: `Internal error ${SECRET}`, body: '', headers: {}, requestOptions: {key: KEY, secret: SECRET}}],
  ['axios timeout with credentials in config headers', Object.assign(new Error(`timeout of 5000ms exceeded for ${KEY}`), {
    code: 'ECONNABORTED', config: {headers: {'X-BAPI-API-KEY': KEY, 'X-BAPI-SIGN': 'abcdef0123456789'}, secret: SECRET},
  })],
  ['resolved refusal whose retMsg echoes the key (key passed by the adapter)', {retCode: 10003, retMsg: `API key ${KEY} is invalid`, result: {}, time: 1}],
  ['a bare string with the secret (passed by the adapter)', `connect ECONNREFUSED ${SECRET}`],
]

const alpacaInputs: [string, unknown][] = [
  ['403 whose message echoes the key, credentials in config headers', {
    status: 403, body: {code: 40310000, message: `key ${KEY} not allowed`}, config: {headers: {'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET}},
  }],
  ['429 with a JSON string body echoing the secret', {status: 429, body: JSON.stringify({message: `slow down ${SECRET}`}), headers: {'X-RateLimit-Reset': '1674044551'}}],
  ['network error whose message holds the secret', Object.assign(new Error(`fetch failed ${SECRET} ${KEY}`), {code: 'ECONNRESET'})],
]

describe('no secret in any output of a mapped error (ALP-18)', () => {
  it.each(bybitInputs)('bybit: %s', (_what, raw) => {
    const err = mapBybitError(raw, {secrets: [KEY, SECRET]})
    expect(err).toBeInstanceOf(BrokerError)
    expect(leaks(err)).toEqual([])
  })

  it.each(bybitInputs.slice(0, 4))('bybit without the adapter passing the keys (found on the SDK error): %s', (_what, raw) => {
    expect(leaks(mapBybitError(raw))).toEqual([])
  })

  it.each(alpacaInputs)('alpaca: %s', (_what, raw) => {
    const err = mapAlpacaError(raw, {secrets: [KEY, SECRET]})
    expect(err).toBeInstanceOf(BrokerError)
    expect(leaks(err)).toEqual([])
  })

  it('alpaca without the adapter passing the keys, when the SDK error carries them in its config headers', () => {
    expect(leaks(mapAlpacaError(alpacaInputs[0][1]))).toEqual([])
  })

  it('the mapped error keeps what is useful: class, code, venue text minus the secret', () => {
    const err = mapBybitError(bybitInputs[0][1])
    expect(err.message).toBe('bybit: retCode 10006 (Too many visits! apiKey=[redacted]); rate limit exceeded, wait for the reset')
    expect(err.code).toBe('10006')
  })

  it('bites: a naive mapping that serialises the SDK error leaks, and this search finds it', () => {
    const naive = (raw: unknown) => new FinalError(`bybit request failed: ${JSON.stringify(raw)}`, 'bybit')
    for (const [, raw] of bybitInputs.slice(0, 3)) expect(leaks(naive(raw)).length).toBeGreaterThan(0)
    const withCause = new FinalError('bybit request failed', 'bybit')
    Object.defineProperty(withCause, 'cause', {value: bybitInputs[0][1]})
    expect(leaks(withCause).length).toBeGreaterThan(0)
  })
})
