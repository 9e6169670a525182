/**
 * Bybit v5 authentication, checked the way the venue checks it.
 *
 * REST: headers X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms), X-BAPI-RECV-WINDOW (default 5000), X-BAPI-SIGN =
 * hex HMAC-SHA256(secret, timestamp + key + recvWindow + payload), where payload is the raw query string of a GET
 * and the raw JSON body of a POST. The timestamp must satisfy
 * server_time - recv_window <= timestamp < server_time + 1000 (retCode 10002 otherwise); an unknown key is 10003,
 * a wrong signature 10004 (whose message echoes the signed text, key included, as Bybit's does).
 *
 * Websocket: {"op":"auth","args":[key, expires, signature]} with signature = hex HMAC-SHA256(secret,
 * "GET/realtime" + expires) and expires (ms) still in the future.
 */
import {createHmac, timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import type {EmulatorCredentials} from '../venue-api.js'

export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export type AuthResult = {readonly ok: true; readonly key: string} | {readonly ok: false; readonly retCode: number; readonly retMsg: string}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

export function checkRestAuth(h: IncomingHttpHeaders, method: string, rawQuery: string, body: string, creds: EmulatorCredentials, now: number): AuthResult {
  const key = header(h, 'x-bapi-api-key')
  const sign = header(h, 'x-bapi-sign')
  const ts = header(h, 'x-bapi-timestamp')
  const recv = header(h, 'x-bapi-recv-window') ?? '5000'
  if (!key || key !== creds.key) return {ok: false, retCode: 10003, retMsg: 'API key is invalid.'}
  if (!sign || !ts || !/^\d{1,16}$/.test(ts) || !/^\d{1,9}$/.test(recv)) {
    return {ok: false, retCode: 10004, retMsg: 'error sign! missing X-BAPI-SIGN, X-BAPI-TIMESTAMP or X-BAPI-RECV-WINDOW'}
  }
  const t = Number(ts)
  const window = Number(recv)
  if (!(now - window <= t && t < now + 1000)) {
    return {ok: false, retCode: 10002, retMsg: `invalid request, please check your server timestamp or recv_window param. req_timestamp[${t}],server_timestamp[${now}],recv_window[${window}]`}
  }
  const origin = `${ts}${key}${recv}${method === 'GET' ? rawQuery : body}`
  if (!sameText(hmacHex(creds.secret, origin), sign.toLowerCase())) return {ok: false, retCode: 10004, retMsg: `error sign! origin_string[${origin}]`}
  return {ok: true, key}
}

export type WsAuthResult = {readonly ok: true} | {readonly ok: false; readonly message: string}

export function checkWsAuth(args: unknown, creds: EmulatorCredentials, now: number): WsAuthResult {
  if (!Array.isArray(args) || args.length !== 3) return {ok: false, message: 'Params Error'}
  const [key, expires, signature] = args as unknown[]
  if (typeof key !== 'string' || key !== creds.key) return {ok: false, message: 'error:invalid api key'}
  const exp = typeof expires === 'number' ? expires : typeof expires === 'string' && /^\d{1,16}$/.test(expires) ? Number(expires) : NaN
  if (!Number.isFinite(exp) || typeof signature !== 'string') return {ok: false, message: 'Params Error'}
  if (exp <= now) return {ok: false, message: 'error:request expired'}
  if (!sameText(hmacHex(creds.secret, `GET/realtime${expires}`), signature.toLowerCase())) return {ok: false, message: 'error:signature verification failed'}
  return {ok: true}
}
