/**
 * Client order ids of grid orders carry what the order is for, so the grid recognises its own orders on the venue
 * after a restart or a reconnect: `grid-<SYMBOL>_<n>-<L|S>_<role><level>-<epoch>`, e.g. `grid-BTCUSDT_17-L_e2-1`
(only letters, digits, '-' and '_': Bybit's orderLinkId alphabet).
 * `n` numbers the grid's orders (persisted, never reused); roles: o = opening, r = reopen, e = averaging entry,
 * t = take-profit.
 */
import type {LegSide} from './model.js'

export type Role = 'o' | 'r' | 'e' | 't'

export interface OrderTag {
  readonly symbol: string
  readonly n: number
  readonly side: LegSide
  readonly role: Role
  readonly level: number
}

const ID = /^grid-([A-Za-z0-9_]+)_(\d+)-([LS])_([oret])(\d+)-(\d+)$/

export function idKey(symbol: string, n: number): string {
  return `${symbolKey(symbol)}_${n}`
}

export function idLeg(side: LegSide, role: Role, level: number): string {
  return `${side === 'long' ? 'L' : 'S'}_${role}${level}`
}

/** The symbol as it appears in ids ('-' and other separators replaced). */
export function symbolKey(symbol: string): string {
  return symbol.replace(/[^A-Za-z0-9_]/g, '_')
}

/** The tag of a grid order id, or undefined for an id the grid did not make. */
export function parseGridId(clientOrderId: string): OrderTag | undefined {
  const m = ID.exec(clientOrderId)
  if (!m) return undefined
  return {symbol: m[1], n: Number(m[2]), side: m[3] === 'L' ? 'long' : 'short', role: m[4] as Role, level: Number(m[5])}
}
