/**
 * Deterministic client order ids: the same (scope, key, leg, epoch) always gives the same id, so a retry
 * reuses the id and can never place a second order. Kept within Bybit's orderLinkId rules — at most 36
 * characters, only letters, digits, '-' and '_' — which Alpaca's client_order_id (48 characters) accepts too.
 */
export const MAX_CLIENT_ORDER_ID = 36

export interface ClientOrderIdParts {
  /** Strategy or service instance, e.g. 'sma' or 'grid1'. */
  readonly scope: string
  /** What the order is for: a signal id, a bar time, a grid level. */
  readonly key: string
  /** Leg within the decision: 'entry', 'exit', 'tp', 'l1', ... */
  readonly leg: string
  /** Fencing epoch of the process that owns the account. */
  readonly epoch: number
}

/** An epoch that is not a non-negative safe integer: it would break the length limit or the id's charset. */
export class ClientOrderIdError extends Error {
  override readonly name = 'ClientOrderIdError'
}

const ID_CHARS = /^[A-Za-z0-9_-]+$/
/** Key and leg may not contain '-': the separator must be unambiguous ('a-b'+'c' vs 'a'+'b-c'). */
const PART_CHARS = /^[A-Za-z0-9_]+$/

export function clientOrderId(p: ClientOrderIdParts): string {
  if (!Number.isSafeInteger(p.epoch) || p.epoch < 0) {
    throw new ClientOrderIdError(`client order id: epoch must be a non-negative integer, got ${p.epoch}; use the fencing counter of the account lock`)
  }
  const tail = `-${p.epoch}`
  // '.' and ':' (signal ids: 'momentum:AAA:<ts>') read best as '_'; anything else outside the alphabet is hashed.
  const key = p.key.replace(/[.:]/g, '_')
  const leg = p.leg.replace(/[.:]/g, '_')
  const plain = `${p.scope}-${key}-${leg}${tail}`
  if (plain.length <= MAX_CLIENT_ORDER_ID && ID_CHARS.test(p.scope) && PART_CHARS.test(key) && PART_CHARS.test(leg)) return plain
  // Hash the parts with their boundaries, so inputs that only differ in where the separators fall stay apart.
  const hash = fnv1a64(JSON.stringify([p.scope, p.key, p.leg]))
  const head = sanitize(p.scope).slice(0, MAX_CLIENT_ORDER_ID - hash.length - tail.length - 1)
  return `${head}-${hash}${tail}`
}

function sanitize(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_')
}

/** 64-bit FNV-1a as 16 hex chars: stable across runs and platforms. */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n
  const prime = 0x100000001b3n
  const mask = 0xffffffffffffffffn
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i))
    h = (h * prime) & mask
  }
  return h.toString(16).padStart(16, '0')
}
