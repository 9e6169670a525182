/**
 * Reading SDK error objects without leaking credentials (ALP-18). The error mappers build messages from the status,
 * the venue's code and the venue's message only; as a second line of defence, that text is scrubbed of every
 * credential we know of (the ones the caller passes, and the ones the SDK error object carries, e.g. bybit-api's
 * `requestOptions.key/secret` or credential request headers).
 */

const MIN_SECRET_LENGTH = 6
const MAX_TEXT = 200

/** Property names under which SDK error objects carry credentials. Only read to scrub, never copied out. */
const SECRET_KEYS = ['key', 'secret', 'apiKey', 'apiSecret', 'api_key', 'api_secret', 'keyId', 'secretKey', 'key_id', 'secret_key']
const HOLDERS = ['requestOptions', 'options', 'config', 'credentials']
/** Request headers that carry credentials (Alpaca key id / secret, Bybit key); looked for in each holder's `headers`. */
const SECRET_HEADERS = ['apca-api-key-id', 'apca-api-secret-key', 'x-bapi-api-key', 'x-bapi-sign']

/** Credentials found at the known places of an SDK error object. */
export function secretsIn(raw: unknown): string[] {
  const found: string[] = []
  if (typeof raw !== 'object' || raw === null) return found
  const rec = raw as Record<string, unknown>
  for (const holder of [rec, ...HOLDERS.map((h) => rec[h])]) {
    if (typeof holder !== 'object' || holder === null) continue
    for (const k of SECRET_KEYS) {
      const v = (holder as Record<string, unknown>)[k]
      if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) found.push(v)
    }
    for (const h of SECRET_HEADERS) {
      const v = headerOf((holder as Record<string, unknown>).headers, h)
      if (v !== undefined && v.length >= MIN_SECRET_LENGTH) found.push(v)
    }
  }
  return found
}

/** Venue text made safe to log: one line, bounded, every known secret replaced. Non-strings give ''. */
export function safeText(text: unknown, secrets: readonly string[]): string {
  if (typeof text !== 'string') return ''
  let s = text.replace(/[\r\n\t]+/g, ' ')
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) s = s.split(secret).join('[redacted]')
  }
  if (s.length > MAX_TEXT) s = `${s.slice(0, MAX_TEXT - 3)}...`
  // A secret cut by the length bound could leave a prefix; scrub again on the bounded text.
  for (const secret of secrets) {
    for (let n = secret.length - 1; n >= MIN_SECRET_LENGTH; n--) {
      if (s.endsWith(`${secret.slice(0, n)}...`)) {
        s = `${s.slice(0, s.length - 3 - n)}[redacted]...`
        break
      }
    }
  }
  return s
}

/** Reads a response header from a plain object (any case) or a fetch `Headers`. */
export function headerOf(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  const h = headers as {get?: unknown}
  if (typeof h.get === 'function') {
    const v = (h.get as (n: string) => unknown).call(headers, name)
    return typeof v === 'string' ? v : undefined
  }
  const lower = name.toLowerCase()
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() === lower) return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
  }
  return undefined
}

/** The parts of an SDK error the mappers read. Nothing else of the error object is looked at or kept. */
export interface ErrorParts {
  /** HTTP status, when the venue answered. */
  readonly status?: number
  /** Response body, JSON-parsed when it came as text. */
  readonly body?: unknown
  readonly headers?: unknown
  /** Node / fetch error code for failures without a response (ECONNRESET, ETIMEDOUT, UND_ERR_CONNECT_TIMEOUT). */
  readonly code?: string
  /** Error class name (AbortError, TimeoutError). */
  readonly name?: string
  /** A bare message: bybit-api throws `e.message` (a string) when the request could not be sent. */
  readonly text?: string
  /** The error object's own message (an HTTP status text, or a network error's description). */
  readonly message?: string
}

const HTTP_STATUS = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599 ? v : undefined)

/**
 * Reads status, body and headers from the shapes SDKs reject with: bybit-api's `{code: status, message, body,
 * headers, requestOptions}`, axios-style `{response: {status, data, headers}}`, fetch-style `{status, body}` /
 * `{response: Response}`, plain network errors, and bare strings.
 */
export function errorParts(raw: unknown): ErrorParts {
  if (typeof raw === 'string') return {text: raw}
  if (typeof raw !== 'object' || raw === null) return {}
  const r = raw as Record<string, unknown>
  const response = typeof r.response === 'object' && r.response !== null ? (r.response as Record<string, unknown>) : undefined
  const status = HTTP_STATUS(r.status) ?? HTTP_STATUS(r.statusCode) ?? HTTP_STATUS(response?.status) ?? HTTP_STATUS(r.code)
  const rawBody = 'body' in r ? r.body : 'data' in r ? r.data : response?.data ?? response?.body
  return {
    ...(status !== undefined ? {status} : {}),
    ...(rawBody !== undefined ? {body: parseMaybeJson(rawBody)} : {}),
    ...(r.headers !== undefined ? {headers: r.headers} : response?.headers !== undefined ? {headers: response.headers} : {}),
    ...(typeof r.code === 'string' ? {code: r.code} : {}),
    ...(typeof r.name === 'string' ? {name: r.name} : {}),
    ...(typeof r.message === 'string' ? {message: r.message} : {}),
  }
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v)
  } catch {
    return v
  }
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** A failure without a response: did the request possibly reach the venue (timeout) or not (connection refused)? */
export function isTimeout(parts: ErrorParts): boolean {
  return (parts.code !== undefined && TIMEOUT_CODES.has(parts.code)) || parts.name === 'AbortError' || parts.name === 'TimeoutError' || /timeout|timed out/i.test(parts.text ?? parts.message ?? '')
}
