/**
 * Shared by ALP-18 and OPS-05: a session's logger writing days' worth of lines to a rotating file, with errors
 * shaped as the venue SDKs throw them carrying planted credentials; then every rotated file is read back.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Logger} from 'pino'

export const PLANTED_KEY = 'PKPLANTEDKEY7777ABCDE'
export const PLANTED_SECRET = 'plantedSecret9999zyxwvutsrq'

/** bybit-api rejects with a plain object whose requestOptions hold the key and secret. */
export function bybitError(): Record<string, unknown> {
  return {
    code: 10003,
    message: 'API key is invalid.',
    body: {retCode: 10003, retMsg: 'API key is invalid.'},
    headers: {'x-bapi-limit-status': '9'},
    requestOptions: {key: PLANTED_KEY, secret: PLANTED_SECRET, recv_window: 5000, testnet: true},
  }
}

/** An axios-style error from the Alpaca client: the credentials in the request config's headers, three levels down. */
export function alpacaError(): Error {
  const e = new Error(`Request failed with status code 403 (key ${PLANTED_KEY})`) as Error & Record<string, unknown>
  e.code = 'ERR_BAD_REQUEST'
  e.config = {url: '/v2/orders', headers: {'APCA-API-KEY-ID': PLANTED_KEY, 'APCA-API-SECRET-KEY': PLANTED_SECRET}}
  e.response = {status: 403, data: {message: 'forbidden'}, config: {headers: {'APCA-API-KEY-ID': PLANTED_KEY, 'APCA-API-SECRET-KEY': PLANTED_SECRET}}}
  return e
}

/**
 * Writes `lines` records the way a session does, every 50th an SDK error in one of the shapes sessions log. Pauses
 * every 50 lines so the file stream flushes and rotates, as it does over days.
 */
export async function logSession(log: Logger, lines: number): Promise<void> {
  for (let i = 0; i < lines; i++) {
    if (i % 50 === 0 && i > 0) await new Promise<void>((resolve) => log.flush(() => setTimeout(resolve, 5)))
    if (i % 50 === 7) log.error({err: bybitError(), symbol: 'BTCUSDT'}, 'bybit order rejected')
    else if (i % 50 === 17) log.error({err: alpacaError()}, 'alpaca order rejected')
    else if (i % 50 === 27) log.warn({error: bybitError()}, 'bybit query failed')
    else if (i % 50 === 37) log.warn({response: (alpacaError() as Error & {response: unknown}).response}, 'alpaca response')
    else if (i % 50 === 47) log.error(`cannot connect with key ${PLANTED_KEY} and secret ${PLANTED_SECRET}`)
    else log.info({i, bar: 'x'.repeat(60)}, 'bar processed')
  }
}

/** Every file in the log directory, with its text. */
export function readLogFiles(dir: string): {name: string; text: string}[] {
  return readdirSync(dir).map((name) => ({name, text: readFileSync(join(dir, name), 'utf8')}))
}

/** Waits until pino's asynchronous file stream has flushed. */
export async function settle(log: Logger): Promise<void> {
  await new Promise<void>((resolve) => log.flush(() => resolve()))
  await new Promise((r) => setTimeout(r, 150))
}
